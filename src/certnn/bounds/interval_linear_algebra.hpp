// Rigorous linear algebra in floating point for the doubleton method (bounds/doubleton_set.hpp):
// interval matrix–vector products with a-priori rounding bounds (core/rounding.hpp), and the
// verified inverse of a nearly orthogonal matrix that Lohner's QR re-orthogonalisation needs.
#pragma once

#include <Eigen/Core>
#include <Eigen/SparseCore>
#include <optional>

namespace certnn::bounds {

using SparseRowMatrix = Eigen::SparseMatrix<double, Eigen::RowMajor>;

// The interval vector [mid − rad, mid + rad] (element-wise), rad ≥ 0, in midpoint–radius form.
struct IntervalVector {
  Eigen::VectorXd mid, rad;

  Eigen::Index size() const { return mid.size(); }
  static IntervalVector point(const Eigen::VectorXd& value) {
    return {value, Eigen::VectorXd::Zero(value.size())};
  }
  static IntervalVector zero(Eigen::Index n) { return point(Eigen::VectorXd::Zero(n)); }
};

// [lo, hi] ⊆ [mid − rad, mid + rad] for each element, rad rounded up. Infinite ends give an
// infinite or NaN midpoint (callers treat a non-finite result as unbounded).
IntervalVector midpoint_radius(const Eigen::VectorXd& lower, const Eigen::VectorXd& upper);

// |mid| + rad rounded up: |v_i| ≤ magnitude_i for every v in the interval vector.
Eigen::VectorXd magnitude_up(const IntervalVector& x);

// Upper bounds on the exact values of computed non-negative sums of at most `terms` products each
// (element-wise nonnegative_sum_up, rounding.hpp).
Eigen::VectorXd nonnegative_sums_up(Eigen::VectorXd computed, Eigen::Index terms);

// Upper bound on the exact |M|·v for v ≥ 0, where each row of M has at most `fan_in` non-zero
// entries: the computed fl(|M| v) divided by (1 − γ_fan_in), plus underflow (rounding.hpp).
// Defined for M dense (MatrixXd) and sparse (SparseRowMatrix).
template <class Matrix>
Eigen::VectorXd abs_product_up(const Matrix& m, Eigen::Index fan_in, const Eigen::VectorXd& v);
// The same for every column of V ≥ 0 at once (one pass over M).
template <class Matrix>
Eigen::MatrixXd abs_products_up(const Matrix& m, Eigen::Index fan_in, const Eigen::MatrixXd& v);

// Rounding of a computed matrix product fl(L·X), where every entry sums at most `terms`
// products: |L·X − fl(L·X)| ≤ γ_terms·|L||X| + 2·terms·2^-1074 entry-wise (Higham, §3.5), so for
// every real w with |w| ≤ weights,
//     |(L·X − fl(L·X))·w| ≤ γ_terms·magnitude + 2·terms·2^-1074·Σ weights,
// given magnitude ≥ |L|·|X|·weights exactly. Returns that bound rounded up; weight_sum ≥ Σ weights.
Eigen::VectorXd product_error(Eigen::Index terms, const Eigen::VectorXd& magnitude, double weight_sum);

// Σ_i v_i rounded up, for v ≥ 0.
double sum_up(const Eigen::VectorXd& v);

// Rigorous interval matrix–vector product: for every real q in x, the exact M·q lies in the
// result. Midpoint fl(M·mid); radius |M|·rad plus the rounding of both products, rounded up.
template <class Matrix>
IntervalVector multiply(const Matrix& m, Eigen::Index fan_in, const IntervalVector& x);

// An upper bound on ‖QᵀQ − I‖∞ (the induced ∞-norm: largest absolute row sum) for a square Q,
// with every rounding of the computed QᵀQ accounted for; +∞ or NaN when unknown.
double orthogonality_defect(const Eigen::MatrixXd& q);

// For a square Q with ‖QᵀQ − I‖∞ ≤ defect < 1/2, an interval vector containing Q⁻¹(A·q + e) for
// every real q in x and every real e with |e| ≤ error (A is n × m, Q is n × n).
// Soundness: Q is invertible with Q⁻¹ = (QᵀQ)⁻¹Qᵀ = (I + R)⁻¹Qᵀ, R = QᵀQ − I, ‖R‖∞ ≤ ρ < 1, so
// for w = Qᵀz, (I + R)⁻¹w − w = −(I + R)⁻¹R·w and ‖(I + R)⁻¹w − w‖∞ ≤ ρ/(1 − ρ)·‖w‖∞. The box
// of w = QᵀA·q + Qᵀe comes from M = fl(QᵀA), its rounding γ_n·|Qᵀ||A||q| and |Qᵀ|·error.
// Returns nothing when the defect is not below 1/2 (Q too far from orthogonal to be worth it).
std::optional<IntervalVector> orthogonal_inverse_image(const Eigen::MatrixXd& q, double defect,
                                                       const Eigen::MatrixXd& a, const IntervalVector& x,
                                                       const Eigen::VectorXd& error);

}  // namespace certnn::bounds
