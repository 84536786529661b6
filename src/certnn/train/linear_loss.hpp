// The two training objectives of a linear binary classifier s(x) = w·x + b, y = ±1, over a batch
// of m samples, with their (sub)gradients:
//
//   Standard     L(w, b) = (1/m) Σᵢ max(0, 1 − yᵢ s(xᵢ))                       (hinge loss)
//   LinearRobust L(w, b) = (1/m) Σᵢ max(0, 1 − (yᵢ s(xᵢ) − ε‖w‖₁))
//
// The robust loss is the exact inner maximisation max_{‖δ‖∞≤ε} hinge(y·s(x + δ)): the hinge is
// non-increasing in its margin, and min_δ y·s(x + δ) = y·s(x) − ε‖w‖₁ (linear_classifier.hpp).
// Either may add weight decay (λ/2)‖w‖₂² (the bias is not decayed).
//
// Gradients, with Aᵢ = [the hinge of sample i is active, its argument > 0]:
//   Standard     ∂L/∂w = −(1/m) Σ_{i∈A} yᵢ xᵢ + λw,               ∂L/∂b = −(1/m) Σ_{i∈A} yᵢ
//   LinearRobust ∂L/∂w = (1/m) Σ_{i∈A} (−yᵢ xᵢ + ε sign(w)) + λw,   ∂L/∂b = −(1/m) Σ_{i∈A} yᵢ
// using sign(w) (0 at wⱼ = 0) as the subgradient of ‖w‖₁ and 0 at a hinge kink (argument = 0):
// both are valid subgradients, and exact gradients away from the kinks.
#pragma once

#include <Eigen/Core>

#include "certnn/train/linear_classifier.hpp"

namespace certnn::train {

enum class LinearMode { Standard, LinearRobust };

struct LinearObjective {
  LinearMode mode = LinearMode::Standard;
  double eps = 0.0;           // ε of LinearRobust, ≥ 0 (ignored by Standard)
  double weight_decay = 0.0;  // λ ≥ 0
};

struct LossAndGradient {
  double loss = 0.0;
  Eigen::VectorXd weight_gradient;  // ∂L/∂w, weight.size()
  double bias_gradient = 0.0;       // ∂L/∂b
  Eigen::Index correct = 0;         // samples with the predicted class equal to the label (clean)
};

// inputs: elements x m, one sample per column; targets: m values ±1; m ≥ 1.
LossAndGradient linear_loss(const LinearClassifier& classifier, const Eigen::MatrixXd& inputs,
                            const Eigen::VectorXd& targets, const LinearObjective& objective);

}  // namespace certnn::train
