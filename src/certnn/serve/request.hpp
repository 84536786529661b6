// The body of POST /v1/predict, parsed and validated before the model runs: a pure function of
// the body's bytes, so every refusal is testable (and fuzzable) without a socket.
//   {"input":[x0, x1, ...]}                 one input, flattened row-major in the model's order
//   {"inputs":[[...], [...], ...]}          several
//   optional "certify": bool (default true) and "radius": bool (default false)
// Anything else is refused with a 4xx status, a stable reason code (metrics count by it) and a
// message naming what is wrong and where.
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "certnn/bounds/box.hpp"

namespace certnn::serve {

struct RequestLimits {
  std::int64_t input_size = 0;             // elements per input
  std::optional<bounds::Domain> domain;    // every element must lie inside; none: any finite value
  std::optional<double> max_norm;          // largest L2 norm of an input; none: no limit
  std::size_t max_body = 1 << 20;          // bytes
  std::int64_t max_inputs = 256;           // inputs per request
};

struct PredictRequest {
  Eigen::MatrixXd inputs;  // input_size x count: one column per input (the layout of model::Batch)
  bool batch = false;      // the body used "inputs" (the answer is a list even for one input)
  bool certify = true;
  bool radius = false;
};

struct Rejection {
  int status = 400;
  std::string reason;   // one of rejection_reasons()
  std::string message;  // one line for the client
};

// Every reason code a Rejection can carry, in a fixed order (the metrics list them all, so a
// reason that never happened still shows as 0).
const std::vector<std::string>& rejection_reasons();

// Never throws on any body: every failure is a Rejection.
std::variant<PredictRequest, Rejection> parse_predict_request(std::string_view body, const RequestLimits& limits);

}  // namespace certnn::serve
