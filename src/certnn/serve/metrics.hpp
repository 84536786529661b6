// The server's counters and latency histograms, rendered in the Prometheus text format
// (GET /metrics). Thread-safe: every HTTP worker records into one registry.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace certnn::serve {

class Histogram {
 public:
  // Upper bounds of the buckets in seconds, +Inf implied.
  static constexpr std::array<double, 14> kBounds = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                     0.1,    0.25,  0.5,    1.0,   2.5,  5.0,   10.0};
  void observe(double seconds);
  // "# TYPE" line and the _bucket, _sum and _count samples.
  void render(std::string& out, const std::string& name, const std::string& help) const;

 private:
  std::array<std::uint64_t, kBounds.size() + 1> counts_{};  // the last one is +Inf
  double sum_ = 0.0;
};

class Metrics {
 public:
  // reasons: the rejection reasons listed with 0 before any happened.
  explicit Metrics(std::vector<std::string> rejection_reasons, std::vector<std::string> guard_reasons);

  // path: one of the served paths, anything else is counted as "other".
  void count_request(std::string_view path, int status);
  void count_rejection(const std::string& reason);
  void observe_predict(double seconds);
  void observe_certify(double seconds);
  // none: the certificate did not finish within the budget.
  void count_certificate(std::optional<bool> certified);
  void count_untrusted(const std::string& reason);

  std::string prometheus() const;

 private:
  mutable std::mutex mutex_;
  std::map<std::pair<std::string, int>, std::uint64_t> requests_;
  std::map<std::string, std::uint64_t> rejections_;
  std::map<std::string, std::uint64_t> untrusted_;
  Histogram predict_, certify_;
  std::uint64_t certified_ = 0, not_certified_ = 0, unfinished_ = 0;
};

// Appends the counters of forward passes and of the inputs they evaluated (their ratio is the mean
// batch of ForwardBatcher).
void append_forward_passes(std::string& out, std::uint64_t passes, std::uint64_t inputs);

}  // namespace certnn::serve
