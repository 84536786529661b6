#include "certnn/attack/prediction.hpp"

#include "certnn/bounds/ibp.hpp"

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

bool reaches_goal_exactly(const model::Network& network, const Eigen::VectorXd& x, std::int64_t label,
                          const std::optional<std::int64_t>& target) {
  if (target && *target == label) return false;
  const bounds::Box y = bounds::IbpMethod().propagate_all(network, bounds::Box{x, x})[network.output()];
  for (Eigen::Index j = 0; j < y.size(); ++j) {
    if (target) {
      if (j != *target && !(y.lower[*target] > y.upper[j])) return false;
    } else if (j != label && y.lower[j] > y.upper[label]) {
      return true;
    }
  }
  return target.has_value();
}

}  // namespace certnn::attack
