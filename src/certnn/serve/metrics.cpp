#include "certnn/serve/metrics.hpp"

#include <cstdio>

namespace certnn::serve {
namespace {

// The paths counted by name; any other (a 404) is "other", so clients cannot grow the label set.
constexpr std::string_view kPaths[] = {"/", "/v1/predict", "/v1/model", "/healthz", "/metrics"};

std::string number(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.17g", value);
  return text;
}

// Bucket bounds as written in kBounds (0.0005, not 0.00050000000000000001).
std::string bound_text(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", value);
  return text;
}

void header(std::string& out, const std::string& name, const char* type, const std::string& help) {
  out += "# HELP " + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
}

}  // namespace

void Histogram::observe(double seconds) {
  std::size_t bucket = 0;
  while (bucket < kBounds.size() && seconds > kBounds[bucket]) ++bucket;
  ++counts_[bucket];
  sum_ += seconds;
}

void Histogram::render(std::string& out, const std::string& name, const std::string& help) const {
  header(out, name, "histogram", help);
  std::uint64_t cumulative = 0;
  for (std::size_t b = 0; b < counts_.size(); ++b) {
    cumulative += counts_[b];
    const std::string le = b < kBounds.size() ? bound_text(kBounds[b]) : "+Inf";
    out += name + "_bucket{le=\"" + le + "\"} " + std::to_string(cumulative) + "\n";
  }
  out += name + "_sum " + number(sum_) + "\n";
  out += name + "_count " + std::to_string(cumulative) + "\n";
}

Metrics::Metrics(std::vector<std::string> rejection_reasons, std::vector<std::string> guard_reasons) {
  for (auto& reason : rejection_reasons) rejections_[std::move(reason)] = 0;
  for (auto& reason : guard_reasons) untrusted_[std::move(reason)] = 0;
}

void Metrics::count_request(std::string_view path, int status) {
  std::string label = "other";
  for (const auto known : kPaths)
    if (path == known) label = known;
  std::lock_guard lock(mutex_);
  ++requests_[{label, status}];
}

void Metrics::count_rejection(const std::string& reason) {
  std::lock_guard lock(mutex_);
  ++rejections_[reason];
}

void Metrics::observe_predict(double seconds) {
  std::lock_guard lock(mutex_);
  predict_.observe(seconds);
}

void Metrics::observe_certify(double seconds) {
  std::lock_guard lock(mutex_);
  certify_.observe(seconds);
}

void Metrics::count_certificate(std::optional<bool> certified) {
  std::lock_guard lock(mutex_);
  ++(!certified ? unfinished_ : *certified ? certified_ : not_certified_);
}

void Metrics::count_untrusted(const std::string& reason) {
  std::lock_guard lock(mutex_);
  ++untrusted_[reason];
}

std::string Metrics::prometheus() const {
  std::lock_guard lock(mutex_);
  std::string out;
  header(out, "certnn_requests_total", "counter", "HTTP requests answered, by path and status code.");
  for (const auto& [key, count] : requests_)
    out += "certnn_requests_total{path=\"" + key.first + "\",status=\"" + std::to_string(key.second) + "\"} " +
           std::to_string(count) + "\n";
  header(out, "certnn_rejected_inputs_total", "counter", "Predict requests refused before the model ran, by reason.");
  for (const auto& [reason, count] : rejections_)
    out += "certnn_rejected_inputs_total{reason=\"" + reason + "\"} " + std::to_string(count) + "\n";
  predict_.render(out, "certnn_predict_seconds", "Time of the forward pass of a predict request.");
  certify_.render(out, "certnn_certify_seconds", "Time a predict request waited for its certificates.");
  header(out, "certnn_certificates_total", "counter", "Certificates by outcome (unfinished: over the budget).");
  out += "certnn_certificates_total{outcome=\"certified\"} " + std::to_string(certified_) + "\n";
  out += "certnn_certificates_total{outcome=\"not_certified\"} " + std::to_string(not_certified_) + "\n";
  out += "certnn_certificates_total{outcome=\"unfinished\"} " + std::to_string(unfinished_) + "\n";
  const std::uint64_t all = certified_ + not_certified_ + unfinished_;
  header(out, "certnn_certified_fraction", "gauge", "Certified predictions over all certificates asked (0 before any).");
  out += "certnn_certified_fraction " + number(all ? static_cast<double>(certified_) / static_cast<double>(all) : 0.0) +
         "\n";
  header(out, "certnn_untrusted_total", "counter", "Predictions answered with trusted false, by reason.");
  for (const auto& [reason, count] : untrusted_)
    out += "certnn_untrusted_total{reason=\"" + reason + "\"} " + std::to_string(count) + "\n";
  return out;
}

void append_forward_passes(std::string& out, std::uint64_t passes, std::uint64_t inputs) {
  header(out, "certnn_forward_passes_total", "counter", "Forward passes of the model (concurrent requests joined).");
  out += "certnn_forward_passes_total " + std::to_string(passes) + "\n";
  header(out, "certnn_forward_inputs_total", "counter", "Inputs evaluated by those passes.");
  out += "certnn_forward_inputs_total " + std::to_string(inputs) + "\n";
}

}  // namespace certnn::serve
