// Spectral norms ‖A‖₂ = σ_max(A) of linear layers: an estimate (singular values for dense layers up to
// a size, a block power iteration on AᵀA otherwise) and a rigorous upper bound for the exact operator
// (weights taken as the exact values of their floats).
//
// Upper bounds, tightest first:
//   dense, min(rows, cols) ≤ certify_max_dimension: s slightly above the estimate with
//     s²I − WᵀW proved positive definite (stability/positive_definite.hpp, with the rounding of
//     forming WᵀW bounded by γ_n |W|ᵀ|W|), so ‖W‖₂ < s; s = estimate · (1 + δ), δ from 1e-10
//     growing tenfold until the proof succeeds;
//   every operator (and the fallback of dense ones): ‖A‖₂ ≤ ‖ |A| ‖₂ ≤ sqrt(max_j (|A|ᵀ|A|v)_j / v_j)
//     for any v > 0 (Collatz–Wielandt), with v from a power iteration on |A|ᵀ|A|; for
//     convolutions the products with |A| go through the operator with |kernel|. v = 1 gives
//     sqrt(‖A‖₁ ‖A‖∞), the bound this one improves on;
//   dense: ‖W‖_F.
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>

#include "certnn/stability/linear_operator.hpp"

namespace certnn::stability {

struct SpectralOptions {
  // Dense layers with min(rows, cols) up to this size get their singular values (so also σ_min
  // and the condition number); larger ones a power iteration.
  Eigen::Index svd_max_dimension = 1024;
  // Operators (convolutions, pooling) with min(rows, cols) ≤ svd_max_dimension and at most this
  // many matrix entries are also assembled (A applied to the identity) for their singular values,
  // which gives σ_min and the condition number; their norm bound still comes from the operator.
  Eigen::Index svd_max_entries = Eigen::Index{1} << 22;
  // Dense layers with min(rows, cols) up to this size get the Cholesky-certified upper bound
  // (an n x n Gram matrix and its factorisation, n = min(rows, cols)).
  Eigen::Index certify_max_dimension = 2048;
  int power_iterations = 500;
  double power_tolerance = 1e-12;  // stop when the estimate changes by less, relatively
  // Collatz iterates (each a valid bound; the smallest is kept).
  int collatz_iterations = 60;
  std::uint64_t seed = 0;
};

enum class UpperBoundMethod { Exact, Cholesky, Collatz, Frobenius };
std::string_view upper_bound_method_name(UpperBoundMethod method);

struct SpectralNorm {
  double estimate = 0.0;  // σ_max by SVD or power iteration: no guarantee
  double upper = 0.0;     // ‖A‖₂ ≤ upper, rigorously
  UpperBoundMethod method = UpperBoundMethod::Collatz;  // which bound gave `upper`
  std::optional<double> smallest;  // σ_min of the min(rows, cols) singular values, from an SVD
};

// A non-negative matrix known only through upper-rounded products: for X ≥ 0, apply_up(X) ≥ P·X
// and adjoint_up(Y) ≥ Pᵀ·Y entry by entry (exact real products).
struct NonnegativeOperator {
  Eigen::Index rows = 0, cols = 0;
  std::function<Eigen::MatrixXd(const Eigen::MatrixXd&)> apply_up, adjoint_up;
};
NonnegativeOperator absolute(const LinearOperator& op);  // |A|
// scale · outer · inner, for outer.cols == inner.rows and scale ≥ 0.
NonnegativeOperator compose(const NonnegativeOperator& outer, const NonnegativeOperator& inner, double scale = 1.0);

// σ_max(A V) for the orthonormal block V (8 columns) that a subspace iteration on AᵀA reaches
// from a seeded random start: an estimate of σ_max from below (up to rounding).
double power_iteration(const LinearOperator& op, const SpectralOptions& options = {});

// sqrt(min over the iterates v of max_j (PᵀP v)_j / v_j), rounded upward: a rigorous upper
// bound of ‖P‖₂ (and so of ‖A‖₂ for P = |A|).
double collatz_upper(const NonnegativeOperator& p, int iterations);

// The smallest s ≥ estimate · (1 + 1e-10) of the sequence estimate · (1 + 10^k · 1e-10) for
// which s²I − WᵀW is proved positive definite (‖W‖₂ < s), or nothing when no s up to
// estimate · 1.01 is proved (or the matrix is too large for options.certify_max_dimension).
std::optional<double> certified_upper(const Eigen::MatrixXd& weight, double estimate);

SpectralNorm dense_spectral_norm(const Eigen::MatrixXd& weight, const SpectralOptions& options = {});
// The estimate by power_iteration (or, for an operator small enough to assemble, the SVD's, with
// σ_min), the upper bound by collatz_upper on |A|.
SpectralNorm operator_spectral_norm(const LinearOperator& op, const SpectralOptions& options = {});

}  // namespace certnn::stability
