// The request validator of certnn serve (serve/request.hpp) on arbitrary bodies, for a model of
// four inputs in [0, 1] with an L2 limit of 1.5, at most three inputs and 4096 bytes per body.
// It must never throw; a body it accepts holds one to three inputs of four finite elements inside
// the domain and the norm limit, and a refusal is a 400 or 413 with a known reason and a message.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "certnn/serve/request.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  certnn::serve::RequestLimits limits;
  limits.input_size = 4;
  limits.domain = certnn::bounds::Domain{0.0, 1.0};
  limits.max_norm = 1.5;
  limits.max_inputs = 3;
  limits.max_body = 4096;
  const auto parsed =
      certnn::serve::parse_predict_request(std::string_view(reinterpret_cast<const char*>(data), size), limits);
  if (const auto* request = std::get_if<certnn::serve::PredictRequest>(&parsed)) {
    CERTNN_FUZZ_CHECK(request->inputs.rows() == 4);
    CERTNN_FUZZ_CHECK(request->inputs.cols() >= 1 && request->inputs.cols() <= 3);
    CERTNN_FUZZ_CHECK(request->batch || request->inputs.cols() == 1);
    for (Eigen::Index k = 0; k < request->inputs.cols(); ++k) {
      CERTNN_FUZZ_CHECK((request->inputs.col(k).array() >= 0.0).all() && (request->inputs.col(k).array() <= 1.0).all());
      CERTNN_FUZZ_CHECK(request->inputs.col(k).norm() <= 1.5);
    }
    return 0;
  }
  const auto& rejection = std::get<certnn::serve::Rejection>(parsed);
  const auto& reasons = certnn::serve::rejection_reasons();
  CERTNN_FUZZ_CHECK(rejection.status == 400 || rejection.status == 413);
  CERTNN_FUZZ_CHECK(std::find(reasons.begin(), reasons.end(), rejection.reason) != reasons.end());
  CERTNN_FUZZ_CHECK(!rejection.message.empty());
  return 0;
}
