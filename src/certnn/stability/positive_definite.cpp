#include "certnn/stability/positive_definite.hpp"

#include <algorithm>
#include <cmath>

#include "certnn/core/rounding.hpp"

namespace certnn::stability {
namespace {

namespace r = certnn::rounding;
using Eigen::Index;

// The right-looking Cholesky factorisation in round-to-nearest; true when it runs to completion
// with every pivot positive. g_ij = (b_ij − Σ_k g_ik g_jk) / g_jj and g_jj = √(b_jj − Σ_k g_jk²),
// each sum in any order: the setting of Rump's Lemma 2.1.
bool cholesky_completes(Eigen::MatrixXd b) {
  const Index n = b.rows();
  for (Index j = 0; j < n; ++j) {
    const double pivot = b(j, j) - b.row(j).head(j).squaredNorm();
    if (!(pivot > 0.0) || !std::isfinite(pivot)) return false;
    const double g = std::sqrt(pivot);
    b(j, j) = g;
    const Index below = n - j - 1;
    if (below == 0) break;
    b.col(j).tail(below) =
        (b.col(j).tail(below) - b.block(j + 1, 0, below, j) * b.row(j).head(j).transpose()) / g;
  }
  return true;
}

}  // namespace

// The argument. Let B = fl↓(A − cI): A with its diagonal lowered by c and rounded downward, so
// A − B is diagonal with entries ≥ c. If the floating-point Cholesky factorisation of B runs to
// completion with factor G (positive diagonal, so GᵀG is positive definite), Rump's Lemma 2.1
// and Theorem 2.3 give GᵀG = B + ΔB with |ΔB| ≤ d dᵀ + (underflow), d_j = √(α_j B_jj),
// α_j = γ_{j+1} / (1 − γ_{j+1}); hence ‖ΔB‖₂ ≤ Σ_j α_j B_jj + (underflow). Then
//   A ⪰ B + cI = GᵀG − ΔB + cI ⪰ GᵀG + (c − ‖ΔB‖₂) I ≻ 0   whenever c ≥ ‖ΔB‖₂.
// Here c is taken larger than Rump's constant, for margin:
//   α = γ_{2(n+2)} ≥ γ_{j+1}/(1 − γ_{j+1}) = (j+1)u / (1 − 2(j+1)u) for every j ≤ n, and
//   B_jj ≤ A_jj (and B_jj > 0 once the factorisation completed), so Σ_j α_j B_jj ≤ α·tr(A);
//   the underflow term 16 n (n + 1 + max_j A_jj) η exceeds both published variants
//   (4n(2(n+1) + max A_jj)η of the paper and 6n(n + max A_jj)η of INTLAB's isspd).
// Every step computing c rounds upward, so the c used is at least the real value of the bound.
bool verify_positive_definite(const Eigen::MatrixXd& a) {
  const Index n = a.rows();
  if (n == 0) return true;
  if (a.cols() != n) return false;
  double trace = 0.0, max_diagonal = 0.0;
  for (Index j = 0; j < n; ++j) {
    const double d = a(j, j);
    if (!(d > 0.0) || !std::isfinite(d)) return false;  // a positive definite matrix has A_jj > 0
    trace = r::add_up(trace, d);
    max_diagonal = std::max(max_diagonal, d);
  }
  for (Index j = 0; j < n; ++j)
    for (Index i = j + 1; i < n; ++i)
      if (!std::isfinite(a(i, j))) return false;
  const double size = static_cast<double>(n);
  const double alpha = r::gamma(2 * (n + 2));
  const double underflow =
      r::mul_up(r::mul_up(16.0 * size, r::add_up(size + 1.0, max_diagonal)), r::kUnderflowError);
  const double shift = r::add_up(r::mul_up(alpha, trace), underflow);
  if (!std::isfinite(shift)) return false;
  Eigen::MatrixXd shifted = a.triangularView<Eigen::Lower>();
  for (Index j = 0; j < n; ++j) shifted(j, j) = r::sub_down(a(j, j), shift);
  return cholesky_completes(std::move(shifted));
}

}  // namespace certnn::stability
