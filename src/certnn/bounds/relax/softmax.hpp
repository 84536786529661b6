// Enclosures of one softmax group s(x)_i = exp(x_i) / Σ_j exp(x_j): its range over a box (as in
// interval bound propagation) and a first-order (mean-value) form around a point with a rigorous
// remainder, the linearisation the affine method uses for softmax.
#pragma once

#include <Eigen/Core>
#include <vector>

#include "certnn/core/interval.hpp"

namespace certnn::bounds::relax {

// For every real x with lower ≤ x ≤ upper (element-wise), s(x)_i lies in the i-th interval.
// s_i = 1 / (1 + Σ_{j≠i} exp(x_j − x_i)) is smallest when the other x_j are high and x_i low.
std::vector<Interval> softmax_range(const Eigen::VectorXd& lower, const Eigen::VectorXd& upper);

// Mean-value form of s around a point p of the box [lower, upper]:
//     s(x) ∈ value + jacobian·(x − p) ± remainder·|x − p|   for every real x in the box,
// where value[i] encloses s(p)_i, jacobian is any matrix (here the floating-point Jacobian of s at
// p) and remainder_ij ≥ sup over the box of |∂s_i/∂x_j − jacobian_ij|. Proof: by the mean-value
// theorem s_i(x) = s_i(p) + ∇s_i(ξ)·(x − p) for some ξ on the segment [p, x], which lies in the
// (convex) box; ∇s_i(ξ) lies in the interval Jacobian over the box.
struct SoftmaxMeanValueForm {
  std::vector<Interval> value;
  Eigen::MatrixXd jacobian;
  Eigen::MatrixXd remainder;
};
SoftmaxMeanValueForm softmax_mean_value_form(const Eigen::VectorXd& point, const Eigen::VectorXd& lower,
                                             const Eigen::VectorXd& upper);

}  // namespace certnn::bounds::relax
