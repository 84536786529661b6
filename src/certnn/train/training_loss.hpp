// The objective of one mini-batch step of network training, by mode, with its gradient:
//   standard   cross-entropy of the logits;
//   pgd        cross-entropy at PGD adversarial points (Madry et al., 2018), found by the caller;
//   ibp        κ · cross-entropy + (1 − κ) · cross-entropy of the IBP worst-case label differences
//              over the ε-box (Gowal et al., 2018);
//   crown-ibp  the same with the worst case β · CROWN-IBP + (1 − β) · IBP (Zhang et al., 2020).
// The batch is split across threads; each takes its slice's point term through grad/'s per-layer
// gradients and builds its own expression graph for the bound-based term, and the slices'
// gradients are summed.
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <optional>
#include <span>

#include "certnn/bounds/box.hpp"
#include "certnn/train/architecture.hpp"

namespace certnn::train {

struct StepObjective {
  double natural_weight = 1.0;          // κ
  double eps = 0.0;                     // the box radius of the robust term (used when κ < 1)
  double crown_weight = 0.0;            // β
  std::optional<bounds::Domain> domain; // the boxes are clipped to it
};

struct StepResult {
  double loss = 0.0;                    // mean over the batch
  std::int64_t correct = 0;             // columns whose logits put the label first (at `inputs`)
  Eigen::VectorXd gradient;             // d loss / d parameters, the layout of network.parameters
};

// inputs: input_size × batch; labels one per column in [0, classes). threads ≥ 1.
StepResult training_step(const TrainableNetwork& network, const Eigen::MatrixXd& inputs,
                         std::span<const std::int64_t> labels, const StepObjective& objective, int threads);

}  // namespace certnn::train
