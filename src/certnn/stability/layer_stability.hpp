// Per-layer stability figures: the L2 Lipschitz constant of each layer as a map of its input
// (the spectral norm for linear layers), estimated and rigorously bounded above, and the
// condition number where it is computed. Every layer kind is covered (model/kind_dispatch.hpp).
//
// Element-wise and data-movement layers, with why each constant holds:
//   Relu 1, LeakyRelu max(1, |α|), Tanh 1 (|tanh'| ≤ 1), Sigmoid 1/4 (σ' = σ(1 − σ) ≤ 1/4);
//   Softmax 1/2: per group the Jacobian is diag(y) − yyᵀ, symmetric positive semi-definite with
//     Gershgorin rows y_i − y_i² + y_i Σ_{j≠i} y_j = 2 y_i (1 − y_i) ≤ 1/2;
//   BatchNorm max_c |scale_c| / sqrt(var_c + ε), MulConstant max |c|, DivConstant max 1/|c|
//     (diagonal maps; condition number max/min of the same factors);
//   Reshape, Pad, AddConstant, SubConstant 1 (isometries up to a translation);
//   AddTensors, SubTensors 1 with respect to each input (the global bound adds the branches);
//   AveragePool: the linear map of window means, through stability/linear_operator.hpp (for
//     disjoint windows of k in-bounds elements it is 1/√k; overlapping windows add up, to at
//     most sqrt(‖A‖₁‖A‖∞), where ‖A‖∞ ≤ 1 and ‖A‖₁ is the largest sum of 1/divisor over the
//     windows holding one element);
//   MaxPool sqrt(m), m the largest number of windows holding one input element:
//     |max_W x − max_W x'| ≤ max_{i∈W} |x_i − x'_i|, so ‖Δy‖² ≤ Σ_W Σ_{i∈W} Δx_i² ≤ m ‖Δx‖²,
//     and equality holds for a change of one element that is the maximum of all its windows.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "certnn/model/network.hpp"
#include "certnn/stability/spectral_norm.hpp"

namespace certnn::stability {

struct StabilityOptions {
  // A layer whose condition number reaches this is flagged. 1e6: float32 inference rounds each
  // input at u ≈ 6e-8 relative, and a layer can amplify a relative input error by up to its
  // condition number, so 1e6 turns rounding into errors of a few percent.
  double ill_conditioned_threshold = 1e6;
  SpectralOptions spectral;
};

struct LayerStability {
  std::string name;                 // the node's name
  std::string_view kind;            // its kind_name
  double estimate = 0.0;            // Lipschitz constant (spectral norm) estimate
  double upper = 0.0;               // rigorous upper bound of the same
  std::string_view upper_method;    // "exact", "cholesky", "collatz", "frobenius"
  std::optional<double> condition_number;  // σ_max / σ_min where computed (+∞ when σ_min = 0)
  bool ill_conditioned = false;     // condition_number ≥ options.ill_conditioned_threshold
};

LayerStability layer_stability(const model::Network& network, const model::Node& node,
                               const StabilityOptions& options = {});
// One entry per node, in network.nodes() order.
std::vector<LayerStability> layer_stabilities(const model::Network& network, const StabilityOptions& options = {});

}  // namespace certnn::stability
