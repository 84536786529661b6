#include "certnn/stability/spectral_norm.hpp"

#include <Eigen/Eigenvalues>
#include <Eigen/QR>
#include <Eigen/SVD>
#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <tuple>
#include <utility>

#include "certnn/core/rounding.hpp"
#include "certnn/stability/positive_definite.hpp"

namespace certnn::stability {
namespace {

namespace r = certnn::rounding;
using Eigen::Index;
using Eigen::MatrixXd;
using Eigen::VectorXd;

constexpr double kInf = std::numeric_limits<double>::infinity();

// The Collatz iterates are kept positive: a zero entry (a column of P that is all zeros) is
// raised to this fraction of the largest, which changes nothing but keeps the ratios defined.
constexpr double kCollatzFloor = 1e-30;

// Vectors iterated together by power_iteration.
constexpr Index kPowerBlock = 8;

// ‖W‖_F rounded upward (‖W‖₂ ≤ ‖W‖_F).
double frobenius_upper(const MatrixXd& w) {
  double sum = 0.0;
  for (Index i = 0; i < w.size(); ++i) sum = r::add_up(sum, r::mul_up(w.data()[i], w.data()[i]));
  return r::sqrt_up(sum);
}

MatrixXd scale_up(MatrixXd m, double scale) {
  if (scale != 1.0)
    for (Index i = 0; i < m.size(); ++i) m.data()[i] = r::mul_up(m.data()[i], scale);
  return m;
}

// Below this size on the smaller side, singular values come from the one-sided Jacobi SVD
// (accurate to the last bits, but ten times slower on a 256x784 layer); above it, from the
// eigenvalues of the Gram matrix of the smaller side (σ_min then carries a relative error of
// about n·u·(σ_max/σ_min)²: four digits or more for condition numbers up to 1e5). Eigen 3.4's
// divide-and-conquer SVD is not used: it returns a σ_min off by 15% on some small convolutions.
constexpr Index kJacobiMaxDimension = 128;

// σ_max and σ_min (the smallest of the min(rows, cols) singular values) of a non-empty matrix.
std::pair<double, double> extreme_singular_values(const MatrixXd& a) {
  const Index small = std::min(a.rows(), a.cols());
  if (small <= kJacobiMaxDimension) {
    const Eigen::JacobiSVD<MatrixXd, Eigen::ColPivHouseholderQRPreconditioner> svd(a);
    return {svd.singularValues()[0], svd.singularValues()[small - 1]};
  }
  const MatrixXd gram = a.rows() <= a.cols() ? MatrixXd(a * a.transpose()) : MatrixXd(a.transpose() * a);
  const Eigen::VectorXd eigenvalues = Eigen::SelfAdjointEigenSolver<MatrixXd>(gram, Eigen::EigenvaluesOnly).eigenvalues();
  return {std::sqrt(std::max(0.0, eigenvalues[small - 1])), std::sqrt(std::max(0.0, eigenvalues[0]))};
}

}  // namespace

std::string_view upper_bound_method_name(UpperBoundMethod method) {
  switch (method) {
    case UpperBoundMethod::Exact: return "exact";
    case UpperBoundMethod::Cholesky: return "cholesky";
    case UpperBoundMethod::Collatz: return "collatz";
    case UpperBoundMethod::Frobenius: return "frobenius";
  }
  return "";
}

NonnegativeOperator absolute(const LinearOperator& op) {
  return {op.rows, op.cols, [op](const MatrixXd& x) { return abs_apply_up(op, x); },
          [op](const MatrixXd& y) { return abs_adjoint_up(op, y); }};
}

// Monotonicity makes the composition an upper bound: for X ≥ 0, inner.apply_up(X) ≥ P_in X ≥ 0,
// and a non-negative P_out maps a larger non-negative argument to a larger image.
NonnegativeOperator compose(const NonnegativeOperator& outer, const NonnegativeOperator& inner, double scale) {
  return {outer.rows, inner.cols,
          [outer, inner, scale](const MatrixXd& x) { return scale_up(outer.apply_up(inner.apply_up(x)), scale); },
          [outer, inner, scale](const MatrixXd& y) { return scale_up(inner.adjoint_up(outer.adjoint_up(y)), scale); }};
}

// Subspace iteration: V ← orth(AᵀA V) on a block of kPowerBlock vectors, the estimate being the
// largest singular value of A V. A block converges at the rate σ_{k+1}/σ_1 instead of σ_2/σ_1,
// which matters for convolutions, whose top singular values come in near-degenerate clusters.
// With V orthonormal, σ_max(AV) ≤ σ_max(A) (up to rounding).
double power_iteration(const LinearOperator& op, const SpectralOptions& options) {
  if (op.rows == 0 || op.cols == 0) return 0.0;
  std::mt19937_64 random(options.seed);
  std::normal_distribution<double> normal;
  const Index block = std::min<Index>(kPowerBlock, op.cols);
  MatrixXd v = Eigen::HouseholderQR<MatrixXd>(MatrixXd::NullaryExpr(op.cols, block, [&] { return normal(random); }))
                   .householderQ() * MatrixXd::Identity(op.cols, block);
  double estimate = 0.0;
  for (int iteration = 0; iteration < options.power_iterations; ++iteration) {
    const MatrixXd image = op.apply(v);
    const Eigen::SelfAdjointEigenSolver<MatrixXd> gram(image.transpose() * image, Eigen::EigenvaluesOnly);
    const double norm = std::sqrt(std::max(0.0, gram.eigenvalues()[block - 1]));
    if (norm == 0.0 || !std::isfinite(norm)) return estimate;
    const bool settled = std::abs(norm - estimate) <= options.power_tolerance * norm;
    estimate = std::max(estimate, norm);
    if (settled) break;
    v = Eigen::HouseholderQR<MatrixXd>(op.apply_adjoint(image)).householderQ() * MatrixXd::Identity(op.cols, block);
  }
  return estimate;
}

// For a non-negative symmetric M = PᵀP and v > 0, D = diag(v): ρ(M) = ρ(D⁻¹MD) ≤ ‖D⁻¹MD‖∞ =
// max_j (Mv)_j / v_j, since a spectral radius is at most any induced norm. ‖P‖₂² = ρ(M). Each
// computed (Mv)_j is an upper bound (NonnegativeOperator), each ratio is rounded upward.
double collatz_upper(const NonnegativeOperator& p, int iterations) {
  if (p.rows == 0 || p.cols == 0) return 0.0;
  VectorXd v = VectorXd::Ones(p.cols);
  double best = kInf;
  for (int iteration = 0; iteration < std::max(1, iterations); ++iteration) {
    const VectorXd w = p.adjoint_up(p.apply_up(v));
    double ratio = 0.0;
    for (Index j = 0; j < w.size(); ++j) ratio = std::max(ratio, r::div_up(w[j], v[j]));
    if (std::isnan(ratio)) break;
    best = std::min(best, ratio);
    const double largest = w.maxCoeff();
    if (!(largest > 0.0) || !std::isfinite(largest)) break;
    v = (w / largest).cwiseMax(kCollatzFloor);
  }
  return r::sqrt_up(best);
}

// Why the proof bounds ‖W‖₂ (the Gram matrix G is formed over the smaller dimension n, which has
// the same largest eigenvalue ‖W‖₂²; k is the other dimension):
//   the computed G (symmetrised from its lower triangle) differs from the exact WᵀW by E with
//   |E_ij| ≤ e_ij = dot_error(k, fl(|W|ᵀ|W|)_ij) (γ_k bound of a dot product), so
//   ‖E‖₂ ≤ ‖e‖₂ ≤ ‖e‖∞ =: ρ (e is symmetric and non-negative);
//   with t ≤ s² − ρ and A = tI − G rounded downward on the diagonal, A positive definite gives
//   s²I − WᵀW = (s² − ρ − t)I + (ρI − E) + (tI − G) ≻ 0, i.e. ‖W‖₂² < s².
std::optional<double> certified_upper(const MatrixXd& weight, double estimate) {
  if (!(estimate > 0.0) || !std::isfinite(estimate)) return std::nullopt;
  const bool wide = weight.rows() < weight.cols();
  const std::int64_t inner = wide ? weight.cols() : weight.rows();
  const MatrixXd abs_weight = weight.cwiseAbs();
  const MatrixXd gram = wide ? MatrixXd(weight * weight.transpose()) : MatrixXd(weight.transpose() * weight);
  const MatrixXd abs_gram =
      wide ? MatrixXd(abs_weight * abs_weight.transpose()) : MatrixXd(abs_weight.transpose() * abs_weight);
  const Index n = gram.rows();
  double rho = 0.0;
  for (Index i = 0; i < n; ++i) {
    double row = 0.0;
    for (Index j = 0; j < n; ++j) row = r::add_up(row, r::dot_error(inner, abs_gram(std::max(i, j), std::min(i, j))));
    rho = std::max(rho, row);
  }
  if (!std::isfinite(rho)) return std::nullopt;
  MatrixXd shifted = -gram;
  for (double delta = 1e-10; delta <= 1.001e-2; delta *= 10.0) {
    const double s = r::mul_up(estimate, r::add_up(1.0, delta));
    const double t = r::sub_down(r::mul_down(s, s), rho);
    if (!(t > 0.0)) continue;
    for (Index j = 0; j < n; ++j) shifted(j, j) = r::sub_down(t, gram(j, j));
    if (verify_positive_definite(shifted)) return s;
  }
  return std::nullopt;
}

SpectralNorm dense_spectral_norm(const MatrixXd& weight, const SpectralOptions& options) {
  SpectralNorm norm;
  const Index small = std::min(weight.rows(), weight.cols());
  if (small == 0 || weight.isZero(0.0)) {
    norm.method = UpperBoundMethod::Exact;
    if (small > 0) norm.smallest = 0.0;
    return norm;
  }
  const LinearOperator op = dense_operator(weight);
  if (small <= options.svd_max_dimension) {
    std::tie(norm.estimate, norm.smallest) = extreme_singular_values(weight);
  } else {
    norm.estimate = power_iteration(op, options);
  }
  const double collatz = collatz_upper(absolute(op), options.collatz_iterations);
  const double frobenius = frobenius_upper(weight);
  norm.upper = std::min(collatz, frobenius);
  norm.method = collatz <= frobenius ? UpperBoundMethod::Collatz : UpperBoundMethod::Frobenius;
  if (small <= options.certify_max_dimension)
    if (const auto certified = certified_upper(weight, norm.estimate); certified && *certified < norm.upper) {
      norm.upper = *certified;
      norm.method = UpperBoundMethod::Cholesky;
    }
  return norm;
}

SpectralNorm operator_spectral_norm(const LinearOperator& op, const SpectralOptions& options) {
  SpectralNorm norm;
  const Index small = std::min(op.rows, op.cols);
  if (small > 0 && small <= options.svd_max_dimension && op.rows * op.cols <= options.svd_max_entries) {
    std::tie(norm.estimate, norm.smallest) = extreme_singular_values(op.apply(MatrixXd::Identity(op.cols, op.cols)));
  } else {
    norm.estimate = power_iteration(op, options);
  }
  norm.upper = collatz_upper(absolute(op), options.collatz_iterations);
  norm.method = UpperBoundMethod::Collatz;
  return norm;
}

}  // namespace certnn::stability
