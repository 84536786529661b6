#include "certnn/train/linear_loss.hpp"

#include <cmath>

namespace certnn::train {

LossAndGradient linear_loss(const LinearClassifier& classifier, const Eigen::MatrixXd& inputs,
                            const Eigen::VectorXd& targets, const LinearObjective& objective) {
  const Eigen::VectorXd& w = classifier.weight;
  const Eigen::Index m = inputs.cols();
  const Eigen::VectorXd scores = classifier.scores(inputs);
  const bool robust = objective.mode == LinearMode::LinearRobust;
  // The robust margin lowers every sample's margin by the same ε‖w‖₁.
  const double margin_loss = robust ? objective.eps * w.lpNorm<1>() : 0.0;

  LossAndGradient result;
  // Σ_{i∈A} yᵢ xᵢ as one matrix-vector product: the active samples' targets, zeros elsewhere.
  Eigen::VectorXd active_targets = Eigen::VectorXd::Zero(m);
  Eigen::Index active = 0;
  double hinge_sum = 0.0;
  for (Eigen::Index i = 0; i < m; ++i) {
    const double argument = 1.0 - targets[i] * scores[i] + margin_loss;
    if (argument > 0.0) {
      hinge_sum += argument;
      active_targets[i] = targets[i];
      ++active;
    } else if (std::isnan(argument)) {  // propagate, so that the monitor sees it
      hinge_sum += argument;
    }
    result.correct += (scores[i] > 0.0) == (targets[i] > 0.0);
  }
  const double inverse_m = 1.0 / static_cast<double>(m);
  result.loss = hinge_sum * inverse_m + 0.5 * objective.weight_decay * w.squaredNorm();
  result.weight_gradient = -(inputs * active_targets) * inverse_m + objective.weight_decay * w;
  if (robust && active > 0) {
    const Eigen::VectorXd sign = w.unaryExpr([](double v) { return static_cast<double>((v > 0.0) - (v < 0.0)); });
    result.weight_gradient += (objective.eps * static_cast<double>(active) * inverse_m) * sign;
  }
  result.bias_gradient = -active_targets.sum() * inverse_m;
  return result;
}

}  // namespace certnn::train
