// A rigorous upper bound of the network's global L2 Lipschitz constant,
// sup_{x ≠ y} ‖f(x) − f(y)‖₂ / ‖x − y‖₂ over all real inputs, carried through the DAG: the
// input has constant 1, a one-input layer multiplies its input's constant by the layer's
// (stability/layer_stability.hpp), AddTensors and SubTensors add their inputs' constants
// (‖(a ± b)(x) − (a ± b)(y)‖ ≤ ‖a(x) − a(y)‖ + ‖b(x) − b(y)‖). Every product and sum rounds upward.
//
// Tightening where cheap: a linear layer B after an element-wise activation σ after a linear
// layer A (Dense or Conv) has Jacobian B D A, D diagonal with 0 ≤ D ≤ c·I (c = 1 for Relu,
// Tanh and LeakyRelu with 0 ≤ α ≤ 1; 1/4 for Sigmoid). Entry-wise |B D A| ≤ c |B||A|, and the
// spectral norm is monotone on non-negative matrices, so ‖B D A‖₂ ≤ c ‖ |B||A| ‖₂; with the mean
// value inequality (generalised Jacobians at kinks lie in the same set) the pair's Lipschitz
// constant is at most that, bounded by collatz_upper. The smaller of it and the product of the
// three layers' bounds is kept.
//
// And a gradient-step block x − M σ(A x + a) (AddTensors of x and −M σ(·), or SubTensors),
// M = s Aᵀ + E with s ≥ 0, has Jacobian I − s AᵀDA − E D A: symmetric part with eigenvalues in
// [1 − s c ‖A‖₂², 1], so its constant is at most max(1, s c ‖A‖₂² − 1) + c ‖E‖₂ ‖A‖₂, which is 1
// for the non-expansive blocks of train/stable_blocks.hpp; the smaller of it and the sum is kept.
#pragma once

#include <optional>
#include <vector>

#include "certnn/model/network.hpp"
#include "certnn/stability/layer_stability.hpp"
#include "certnn/stability/linear_operator.hpp"

namespace certnn::stability {

struct LipschitzUpper {
  double output = 0.0;        // the bound for the network's output
  std::vector<double> value;  // the bound for every network value (index = ValueId)
  int tightened = 0;          // chains and gradient-step blocks where the tighter bound won
};

// The parts of the tightened chains, shared with the margin bounds (margin_lipschitz.hpp).
// The linear map of a Dense or Conv layer (bias dropped); none for other kinds, which simply are
// not part of such a chain.
std::optional<LinearOperator> linear_operator_of(const model::LayerOp& op);
// c with 0 ≤ (σ(a) − σ(b)) / (a − b) ≤ c for all a ≠ b (so also for the generalised derivatives
// at kinks), for the element-wise activations that never decrease; none for other kinds.
std::optional<double> derivative_ceiling(const model::LayerOp& op);

// layers: layer_stabilities(network, options), one per node.
LipschitzUpper lipschitz_upper(const model::Network& network, const std::vector<LayerStability>& layers,
                               const StabilityOptions& options = {});

}  // namespace certnn::stability
