// What an attack aims at and the loss it follows there. For each column: its label, and the
// target class when the attack is targeted. The goal margin decides nothing by itself (success
// is the prediction, prediction.hpp) but orders the points found: lower is stronger.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "certnn/attack/options.hpp"
#include "certnn/model/forward.hpp"

namespace certnn::attack {

struct Goal {
  std::span<const std::int64_t> labels;  // one per column
  std::optional<std::int64_t> target;    // none: untargeted
};

// Whether a prediction reaches the goal of a column with this label: away from the label, onto
// the target when there is one (a target equal to the label is never reached: staying at the
// label is no attack).
inline bool reaches_goal(std::int64_t prediction, std::int64_t label, const std::optional<std::int64_t>& target) {
  return prediction != label && (!target || prediction == *target);
}

// outputs: output_size (≥ 2) x batch. Untargeted y[label] − max_{j≠label} y[j]; targeted
// max_{j≠target} y[j] − y[target], and +∞ for a column whose label is the target; 1 x batch.
Eigen::RowVectorXd goal_margins(const model::Batch<double>& outputs, const Goal& goal);

// The cotangent dL/dy of the loss an attack ascends, output_size x batch: untargeted,
// cross-entropy of the label or minus its margin; targeted, minus the cross-entropy of the target
// or its margin.
model::Batch<double> ascent_cotangent(const model::Batch<double>& outputs, const Goal& goal, LossKind loss);

}  // namespace certnn::attack
