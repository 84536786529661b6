#include "certnn/train/optimizer.hpp"

#include <cmath>
#include <string>

#include "certnn/core/error.hpp"

namespace certnn::train {

void check_optimizer_options(const OptimizerOptions& options) {
  const auto in_unit_interval = [](double value) { return value >= 0.0 && value < 1.0; };
  if (!in_unit_interval(options.momentum))
    throw Error("optimizer: momentum " + std::to_string(options.momentum) + " is not in [0, 1)");
  if (!in_unit_interval(options.beta1) || !in_unit_interval(options.beta2))
    throw Error("optimizer: Adam's beta1 and beta2 must lie in [0, 1)");
  if (!(options.epsilon > 0.0)) throw Error("optimizer: Adam's epsilon must be > 0");
}

Optimizer::Optimizer(OptimizerOptions options, Eigen::Index parameter_count)
    : options_(options),
      first_moment_(Eigen::VectorXd::Zero(parameter_count)),
      second_moment_(options.kind == OptimizerKind::Adam ? Eigen::VectorXd::Zero(parameter_count)
                                                         : Eigen::VectorXd()) {
  check_optimizer_options(options_);
}

void Optimizer::step(Eigen::VectorXd& parameters, const Eigen::VectorXd& gradient, double learning_rate) {
  if (parameters.size() != first_moment_.size() || gradient.size() != first_moment_.size())
    throw ShapeError("optimizer: " + std::to_string(parameters.size()) + " parameters and " +
                     std::to_string(gradient.size()) + " gradient entries, expected " +
                     std::to_string(first_moment_.size()));
  ++steps_;
  switch (options_.kind) {
    case OptimizerKind::Sgd:
      first_moment_ = options_.momentum * first_moment_ + gradient;
      parameters -= learning_rate * first_moment_;
      return;
    case OptimizerKind::Adam: {
      const double b1 = options_.beta1, b2 = options_.beta2;
      first_moment_ = b1 * first_moment_ + (1.0 - b1) * gradient;
      second_moment_ = b2 * second_moment_ + (1.0 - b2) * gradient.cwiseAbs2();
      // The moments start at zero, so early estimates are biased towards zero by the factors
      // 1 − βᵗ; dividing by them removes that bias (Kingma & Ba, 2015, §3).
      const double t = static_cast<double>(steps_);
      const double correction1 = 1.0 - std::pow(b1, t), correction2 = 1.0 - std::pow(b2, t);
      parameters.array() -= learning_rate * (first_moment_.array() / correction1) /
                            ((second_moment_.array() / correction2).sqrt() + options_.epsilon);
      return;
    }
  }
}

}  // namespace certnn::train
