#include "certnn/serve/service.hpp"

#include <algorithm>
#include <chrono>
#include <thread>
#include <nlohmann/json.hpp>

#include "certnn/bounds/method.hpp"
#include "certnn/core/error.hpp"
#include "certnn/model/forward.hpp"
#include "certnn/serve/page.hpp"

namespace certnn::serve {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

// Invalid UTF-8 from a client (echoed in a message) is replaced rather than thrown on.
std::string text(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

HttpResponse json_response(int status, const json& body) { return HttpResponse{status, "application/json", text(body), {}}; }

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

json optional_number(const std::optional<double>& value) { return value ? json(*value) : json(nullptr); }

// The methods each path answers to, for 405 and its Allow header.
const char* allowed_methods(const std::string& path) {
  if (path == "/v1/predict") return "POST";
  if (path == "/" || path == "/v1/model" || path == "/healthz" || path == "/metrics") return "GET";
  return nullptr;
}

json certificate_json(const Certificate& c, const CertifySettings& settings) {
  json j = {{"eps", settings.eps},
            {"norm", "linf"},
            {"method", settings.method},
            {"certified", c.certified ? json(*c.certified) : json(nullptr)},
            {"margin_lower", optional_number(c.margin_lower)},
            {"seconds", c.seconds}};
  if (!c.reason.empty()) j["reason"] = c.reason;
  if (c.radius_asked) {
    j["radius"] = c.radius_reason.empty() && c.radius_certified
                      ? json{{"certified", *c.radius_certified}, {"attacked", optional_number(c.radius_attacked)}}
                      : json(nullptr);
    if (!c.radius_reason.empty()) j["radius_reason"] = c.radius_reason;
  }
  return j;
}

}  // namespace

Service::Service(const model::Network& network, ServiceSettings settings)
    : network_(network),
      settings_(std::move(settings)),
      certifier_(network_, settings_.certify),
      metrics_(rejection_reasons(), [] {
        std::vector<std::string> reasons = guard_reasons();
        for (const char* r : {"not_certified", "certificate_unfinished", "no_certificate"}) reasons.emplace_back(r);
        return reasons;
      }()) {
  settings_.limits.input_size = network_.input_size();
  settings_.limits.domain = settings_.certify.domain;
  if (settings_.max_batch < 1) throw Error("serve: the largest forward batch must be at least 1");
  // As many passes at once as the machine has cores: more only queue for them.
  const int passes = static_cast<int>(std::clamp(std::thread::hardware_concurrency(), 1u, 16u));
  if (settings_.max_batch > 1) batcher_ = std::make_unique<ForwardBatcher>(network_, settings_.max_batch, passes);
}

Eigen::MatrixXd Service::forward_pass(const Eigen::MatrixXd& inputs) {
  if (batcher_) return batcher_->forward(inputs);
  ++lone_passes_;
  lone_inputs_ += static_cast<std::uint64_t>(inputs.cols());
  return model::forward(network_, inputs);
}

HttpResponse Service::refuse(const std::string& path, int status, const std::string& reason,
                             const std::string& message) {
  if (path == "/v1/predict") metrics_.count_rejection(reason);
  metrics_.count_request(path, status);
  return json_response(status, {{"error", message}, {"reason", reason}});
}

HttpResponse Service::handle(const HttpRequest& request) {
  HttpResponse response;
  try {
    const char* allowed = allowed_methods(request.path);
    if (!allowed) {
      response = json_response(404, {{"error", "no such path; see GET /v1/model"}, {"reason", "not_found"}});
    } else if (request.method != allowed && !(request.method == "HEAD" && std::string(allowed) == "GET")) {
      response = json_response(405, {{"error", request.path + " answers " + allowed + " only"},
                                     {"reason", "method_not_allowed"}});
      response.headers.emplace_back("Allow", allowed);
    } else if (request.path == "/v1/predict") {
      response = predict(request.body);
    } else if (request.path == "/v1/model") {
      response = HttpResponse{200, "application/json", model_json(), {}};
    } else if (request.path == "/healthz") {
      response = json_response(200, {{"status", "ok"}});
    } else if (request.path == "/metrics") {
      std::string text = metrics_.prometheus();
      const ForwardBatcher::Counts counts =
          batcher_ ? batcher_->counts() : ForwardBatcher::Counts{lone_passes_.load(), lone_inputs_.load()};
      append_forward_passes(text, counts.passes, counts.inputs);
      response = HttpResponse{200, "text/plain; version=0.0.4", std::move(text), {}};
    } else {
      response = HttpResponse{200, "text/html; charset=utf-8", std::string(index_html()), {}};
    }
  } catch (const std::exception& e) {
    // Only a fault of the server itself gets here: validation answers every user error first.
    response = json_response(500, {{"error", std::string("internal error: ") + e.what()}, {"reason", "internal"}});
  }
  metrics_.count_request(request.path, response.status);
  return response;
}

HttpResponse Service::predict(const std::string& body) {
  const auto arrived = Clock::now();
  auto parsed = parse_predict_request(body, settings_.limits);
  if (auto* rejection = std::get_if<Rejection>(&parsed)) {
    metrics_.count_rejection(rejection->reason);
    return json_response(rejection->status, {{"error", rejection->message}, {"reason", rejection->reason}});
  }
  const PredictRequest& request = std::get<PredictRequest>(parsed);
  const auto count = static_cast<std::size_t>(request.inputs.cols());

  const Eigen::MatrixXd scores = forward_pass(request.inputs);
  std::vector<std::int64_t> labels(count);
  for (std::size_t k = 0; k < count; ++k) scores.col(static_cast<Eigen::Index>(k)).maxCoeff(&labels[k]);
  metrics_.observe_predict(seconds_since(arrived));

  std::vector<GuardVerdict> verdicts;
  if (settings_.guard) verdicts = assess(*settings_.guard, network_, request.inputs);
  std::vector<Certificate> certificates;
  if (request.certify) {
    const auto waiting = Clock::now();
    certificates = certifier_.certify(request.inputs, labels, request.radius, arrived + settings_.certify.budget);
    metrics_.observe_certify(seconds_since(waiting));
  }

  json results = json::array();
  for (std::size_t k = 0; k < count; ++k) {
    const Eigen::VectorXd column = scores.col(static_cast<Eigen::Index>(k));
    json result = {{"prediction", labels[k]}, {"scores", std::vector<double>(column.data(), column.data() + column.size())}};
    std::vector<std::string> reasons;
    if (request.certify) {
      const Certificate& c = certificates[k];
      metrics_.count_certificate(c.certified);
      result["certificate"] = certificate_json(c, settings_.certify);
      if (!c.certified) reasons.emplace_back("certificate_unfinished");
      else if (!*c.certified) reasons.emplace_back("not_certified");
    } else {
      reasons.emplace_back("no_certificate");
    }
    if (settings_.guard) {
      const GuardVerdict& v = verdicts[k];
      result["guard"] = {{"range_excess", v.range_excess},
                         {"range_threshold", settings_.guard->range_threshold},
                         {"distance", v.distance},
                         {"distance_threshold", settings_.guard->distance_threshold}};
      reasons.insert(reasons.begin(), v.reasons.begin(), v.reasons.end());
    }
    for (const auto& reason : reasons) metrics_.count_untrusted(reason);
    result["trusted"] = reasons.empty();
    result["reasons"] = reasons;
    results.push_back(std::move(result));
  }
  return json_response(200, request.batch ? json{{"results", results}} : results.front());
}

std::string Service::model_json() const {
  const CertifySettings& c = settings_.certify;
  const RequestLimits& l = settings_.limits;
  json guard = nullptr;
  if (settings_.guard) {
    const Guard& g = *settings_.guard;
    guard = {{"layer", g.layer_name},
             {"false_alarm_rate", g.false_alarm_rate},
             {"range_threshold", g.range_threshold},
             {"distance_threshold", g.distance_threshold},
             {"fit_samples", g.fit_samples},
             {"heldout_samples", g.heldout_samples},
             {"heldout_flagged", g.heldout_flagged}};
  }
  return text({{"input_name", network_.input_name()},
               {"input_shape", network_.input_shape()},
               {"input_size", network_.input_size()},
               {"classes", network_.output_size()},
               {"domain", l.domain ? json::array({l.domain->lower, l.domain->upper}) : json(nullptr)},
               {"max_norm", optional_number(l.max_norm)},
               {"max_body", l.max_body},
               {"max_inputs", l.max_inputs},
               {"max_batch", settings_.max_batch},
               {"certificate", {{"eps", c.eps}, {"norm", "linf"}, {"method", c.method}, {"budget_ms", c.budget.count()}}},
               {"methods", bounds::sound_method_names()},
               {"guard", guard}});
}

}  // namespace certnn::serve
