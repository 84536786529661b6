#include "certnn/attack/objective.hpp"

#include <limits>

#include "certnn/grad/loss.hpp"

namespace certnn::attack {
namespace {

std::vector<std::int64_t> goal_classes(const Goal& goal, Eigen::Index columns) {
  if (!goal.target) return {goal.labels.begin(), goal.labels.end()};
  return std::vector<std::int64_t>(static_cast<std::size_t>(columns), *goal.target);
}

}  // namespace

Eigen::RowVectorXd goal_margins(const model::Batch<double>& outputs, const Goal& goal) {
  const std::vector<std::int64_t> classes = goal_classes(goal, outputs.cols());
  const Eigen::RowVectorXd margins = grad::margin(outputs, classes).value;
  if (!goal.target) return margins;
  Eigen::RowVectorXd targeted = -margins;
  // A column whose label is the target has no goal to reach (reaches_goal).
  for (Eigen::Index s = 0; s < targeted.size(); ++s)
    if (goal.labels[static_cast<std::size_t>(s)] == *goal.target) targeted[s] = std::numeric_limits<double>::infinity();
  return targeted;
}

model::Batch<double> ascent_cotangent(const model::Batch<double>& outputs, const Goal& goal, LossKind loss) {
  const std::vector<std::int64_t> classes = goal_classes(goal, outputs.cols());
  // Untargeted: raise the label's loss; targeted: lower the target's. Cross-entropy is a loss
  // and the margin a score, hence the opposite signs.
  const double sign = goal.target ? -1.0 : 1.0;
  if (loss == LossKind::CrossEntropy) return sign * grad::cross_entropy(outputs, classes).cotangent;
  return -sign * grad::margin(outputs, classes).cotangent;
}

}  // namespace certnn::attack
