// Rigorous upper bounds on the global L2 Lipschitz constants of a classifier's margins
// y[label] − y[j], the quantity an L2 certificate needs (Tsuzuku, Sato & Sugiyama 2018,
// "Lipschitz-Margin Training", §3): a margin m with Lipschitz bound K and m(x) > K·ε stays
// positive on the whole L2 ball of radius ε around x.
//
// Each bound is the smallest of three, all sound, the later ones applying where the network ends
// in a Dense layer W (y = W·g(x) + b) after an element-wise activation σ after a linear layer A:
//   √2 · L    L the bound of the whole output map (lipschitz_upper.hpp); m = (e_label − e_j)ᵀ y
//             and ‖e_label − e_j‖₂ = √2 (Cauchy–Schwarz);
//   ‖r‖₂ · L_g    r = W[label] − W[j], L_g the bound of the Dense layer's input g: m = r·g + const,
//             so |m(x) − m(x')| ≤ ‖r‖₂ ‖g(x) − g(x')‖₂ (Cauchy–Schwarz) — the rows of W, not its
//             spectral norm, which also covers every other direction of y;
//   c · ‖ |r| |A| ‖₂ · L_h    g = σ(A·h + a), c the ceiling of σ's difference quotients, L_h the
//             bound of A's input h: σ(z_k) − σ(z'_k) = δ_k (z_k − z'_k) with 0 ≤ δ_k ≤ c, so
//             m(x) − m(x') = r D A (h − h') with D = diag(δ), and |r D A| ≤ c |r||A| entry-wise
//             bounds ‖r D A‖₂ (the Euclidean norm is monotone in the entries' magnitudes).
// Every difference, product and sum is rounded upward (core/rounding.hpp).
#pragma once

#include <Eigen/Core>
#include <cstdint>

#include "certnn/model/network.hpp"
#include "certnn/stability/lipschitz_upper.hpp"

namespace certnn::stability {

// upper: lipschitz_upper(network, ...). label in [0, output_size). Returns output_size − 1
// bounds, one per class j ≠ label in increasing order (the order of attack::margin_network's
// outputs). Throws certnn::Error for a label out of range.
Eigen::VectorXd margin_lipschitz_upper(const model::Network& network, const LipschitzUpper& upper, std::int64_t label);

}  // namespace certnn::stability
