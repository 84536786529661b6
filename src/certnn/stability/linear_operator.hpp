// Linear layers as operators: a map A : R^cols → R^rows given by its products with A, Aᵀ, |A|
// and |A|ᵀ, never as a dense matrix (a convolution's unrolled matrix is mostly zeros). The
// spectral-norm estimates and the sound upper bounds of stability/ work on this interface.
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <functional>

#include "certnn/model/layers.hpp"

namespace certnn::stability {

struct LinearOperator {
  using Map = std::function<Eigen::MatrixXd(const Eigen::MatrixXd&)>;

  Eigen::Index rows = 0, cols = 0;
  // Each map takes a block of columns (cols x k for apply and abs_apply, rows x k for the
  // adjoints) and returns the product computed in round-to-nearest.
  Map apply, apply_adjoint, abs_apply, abs_adjoint;
  // The rounding contract of the maps: every computed entry of A·X lies within
  // γ_{apply_terms} · (|A|·|X|) of the exact one, plus apply_terms underflow errors (as for a dot
  // product of apply_terms terms, core/rounding.hpp dot_error); likewise Aᵀ·Y with
  // adjoint_terms, and the same holds for the products with |A|.
  std::int64_t apply_terms = 0, adjoint_terms = 0;
};

// For X ≥ 0 element-wise: an upper bound, entry by entry, of the exact |A|·X, resp. |A|ᵀ·Y (the
// computed non-negative sums widened by nonnegative_sum_up).
Eigen::MatrixXd abs_apply_up(const LinearOperator& op, const Eigen::MatrixXd& x);
Eigen::MatrixXd abs_adjoint_up(const LinearOperator& op, const Eigen::MatrixXd& y);

// y = W x (the bias does not change any norm).
LinearOperator dense_operator(const Eigen::MatrixXd& weight);
// The convolution without its bias, on [C, H, W] samples flattened row-major, computed through
// the convolution kernels of model/convolution.hpp.
LinearOperator convolution_operator(const model::Conv2d& conv);
// The window means of an AveragePool (a linear map with non-negative entries 1 / divisor).
LinearOperator average_pool_operator(const model::AveragePool& pool);

}  // namespace certnn::stability
