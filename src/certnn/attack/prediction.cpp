#include "certnn/attack/prediction.hpp"

namespace certnn::attack {

std::vector<std::int64_t> predicted_classes(const model::Batch<double>& outputs) {
  std::vector<std::int64_t> classes(static_cast<std::size_t>(outputs.cols()), 0);
  for (Eigen::Index s = 0; s < outputs.cols(); ++s) {
    Eigen::Index best = 0;
    for (Eigen::Index j = 0; j < outputs.rows(); ++j) {
      if (outputs(j, s) > outputs(best, s)) best = j;
    }
    classes[static_cast<std::size_t>(s)] = best;
  }
  return classes;
}

std::vector<std::int64_t> predict(const model::Network& network, const Eigen::MatrixXd& inputs) {
  return predicted_classes(model::forward<double>(network, inputs));
}

}  // namespace certnn::attack
