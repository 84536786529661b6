// The server's behaviour without the transport: one HTTP request in, one response out. Routing,
// validation, prediction, certificates, the guard and the metrics all live here, so tests reach
// every status code without a socket; tools/certnn/cmd_serve.cpp only carries bytes to it.
//   GET /            the HTML page       POST /v1/predict   predictions and certificates
//   GET /v1/model    what is served      GET /healthz       {"status":"ok"}
//   GET /metrics     Prometheus text
// Unknown paths answer 404, known paths with another method 405; user input never causes a 500.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "certnn/model/network.hpp"
#include "certnn/serve/certifier.hpp"
#include "certnn/serve/forward_batcher.hpp"
#include "certnn/serve/guard.hpp"
#include "certnn/serve/metrics.hpp"
#include "certnn/serve/request.hpp"

namespace certnn::serve {

struct ServiceSettings {
  RequestLimits limits;  // input_size is taken from the network
  // Most inputs of concurrent requests joined into one forward pass (ForwardBatcher); 1 evaluates
  // each request on its own HTTP thread.
  std::int64_t max_batch = 64;
  CertifySettings certify;
  std::optional<Guard> guard;
};

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string path;    // without the query
  std::string body;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

class Service {
 public:
  // Throws certnn::Error for settings the network cannot serve (see Certifier).
  Service(const model::Network& network, ServiceSettings settings);

  HttpResponse handle(const HttpRequest& request);
  // An error the transport found before routing (a body over the limit): counted like the others.
  HttpResponse refuse(const std::string& path, int status, const std::string& reason, const std::string& message);

  std::string model_json() const;
  const Metrics& metrics() const { return metrics_; }

 private:
  HttpResponse predict(const std::string& body);
  Eigen::MatrixXd forward_pass(const Eigen::MatrixXd& inputs);  // through the batcher when there is one

  model::Network network_;
  ServiceSettings settings_;
  Certifier certifier_;
  Metrics metrics_;
  std::unique_ptr<ForwardBatcher> batcher_;  // none when max_batch is 1: then these count the passes
  std::atomic<std::uint64_t> lone_passes_{0}, lone_inputs_{0};
};

}  // namespace certnn::serve
