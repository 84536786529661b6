#include "certnn/bounds/interval_linear_algebra.hpp"

#include <cmath>
#include <limits>

#include "certnn/core/rounding.hpp"

namespace certnn::bounds {
namespace {

namespace r = certnn::rounding;
using Eigen::Index;
using Eigen::MatrixXd;
using Eigen::VectorXd;

constexpr double kInf = std::numeric_limits<double>::infinity();

// The larger of two bounds, NaN when either is NaN (std::max would drop a NaN first argument).
double max_or_nan(double a, double b) { return std::isnan(a) || std::isnan(b) ? std::nan("") : std::max(a, b); }

}  // namespace

IntervalVector midpoint_radius(const VectorXd& lower, const VectorXd& upper) {
  IntervalVector out{VectorXd(lower.size()), VectorXd(lower.size())};
  for (Index i = 0; i < lower.size(); ++i) {
    // Any float will do as the midpoint: the radius covers the distance to both ends, rounded up.
    const double mid = lower[i] == upper[i] ? lower[i] : 0.5 * lower[i] + 0.5 * upper[i];
    out.mid[i] = mid;
    out.rad[i] = max_or_nan(std::max(r::sub_up(upper[i], mid), 0.0), r::sub_up(mid, lower[i]));
  }
  return out;
}

VectorXd magnitude_up(const IntervalVector& x) {
  VectorXd out(x.size());
  for (Index i = 0; i < x.size(); ++i) out[i] = r::add_up(std::abs(x.mid[i]), x.rad[i]);
  return out;
}

VectorXd nonnegative_sums_up(VectorXd computed, Index terms) {
  const r::NonnegativeSumBound bound(terms);
  for (Index i = 0; i < computed.size(); ++i) computed[i] = bound(computed[i]);
  return computed;
}

template <class Matrix>
MatrixXd abs_products_up(const Matrix& m, Index fan_in, const MatrixXd& v) {
  // The computed non-negative sums are at most a factor (1 − γ) below the exact ones.
  MatrixXd out = m.cwiseAbs() * v;
  const r::NonnegativeSumBound bound(fan_in);
  for (Index j = 0; j < out.cols(); ++j)
    for (Index i = 0; i < out.rows(); ++i) out(i, j) = bound(out(i, j));
  return out;
}

template <class Matrix>
VectorXd abs_product_up(const Matrix& m, Index fan_in, const VectorXd& v) {
  return abs_products_up(m, fan_in, MatrixXd(v)).col(0);
}

VectorXd product_error(Index terms, const VectorXd& magnitude, double weight_sum) {
  const double gamma = r::gamma(terms);
  const double underflow = r::mul_up(r::mul_up(2.0 * static_cast<double>(terms), r::kUnderflowError), weight_sum);
  VectorXd out(magnitude.size());
  for (Index i = 0; i < out.size(); ++i) out[i] = r::add_up(r::mul_up(gamma, magnitude[i]), underflow);
  return out;
}

double sum_up(const VectorXd& v) {
  double sum = 0.0;
  for (Index i = 0; i < v.size(); ++i) sum = r::add_up(sum, v[i]);
  return sum;
}

template <class Matrix>
IntervalVector multiply(const Matrix& m, Index fan_in, const IntervalVector& x) {
  // M·q = M·mid + M·(q − mid): the first within dot_error of fl(M·mid), the second within |M|·rad.
  // dot_error is valid for any upper bound on the exact Σ|m_ij||mid_j| in place of its computed value.
  MatrixXd weights(x.size(), 2);
  weights << x.rad, x.mid.cwiseAbs();
  const MatrixXd magnitudes = abs_products_up(m, fan_in, weights);
  IntervalVector out{m * x.mid, magnitudes.col(0)};
  for (Index i = 0; i < out.size(); ++i) out.rad[i] = r::add_up(out.rad[i], r::dot_error(fan_in, magnitudes(i, 1)));
  return out;
}

double orthogonality_defect(const MatrixXd& q) {
  const Index n = q.rows();
  if (q.cols() != n) return kInf;
  const MatrixXd gram = q.transpose() * q;
  // Entry (i, j) of the computed Gram matrix is within γ_n·Σ_k|q_ki||q_kj| + 2n·2^-1074 of the
  // exact one, and Σ_k|q_ki||q_kj| ≤ ‖q_i‖₂‖q_j‖₂ (Cauchy–Schwarz) with rigorous column norms.
  VectorXd norms(n);
  for (Index j = 0; j < n; ++j) norms[j] = r::sqrt_up(r::nonnegative_sum_up(n, q.col(j).squaredNorm()));
  const double norm_sum = sum_up(norms);
  const double gamma = r::gamma(n);
  const double underflow = r::mul_up(2.0 * static_cast<double>(n) * static_cast<double>(n), r::kUnderflowError);
  double defect = 0.0;
  for (Index i = 0; i < n; ++i) {
    double row = r::add_up(r::mul_up(gamma, r::mul_up(norms[i], norm_sum)), underflow);
    for (Index j = 0; j < n; ++j) {
      const double g = gram(j, i);  // the exact QᵀQ is symmetric: column i bounds row i
      const double deviation = j == i ? std::max(r::sub_up(g, 1.0), r::sub_up(1.0, g)) : std::abs(g);
      row = r::add_up(row, deviation);
    }
    if (std::isnan(row)) return kInf;
    defect = std::max(defect, row);
  }
  return defect;
}

std::optional<IntervalVector> orthogonal_inverse_image(const MatrixXd& q, double defect, const MatrixXd& a,
                                                       const IntervalVector& x, const VectorXd& error) {
  if (!(defect < 0.5) || q.rows() != q.cols() || a.rows() != q.rows()) return std::nullopt;
  const Index n = q.rows(), m = a.cols();
  const MatrixXd transposed = q.transpose();
  // w = Qᵀ(A·q + e) = M·q + (QᵀA − M)·q + Qᵀe with M = fl(QᵀA).
  const MatrixXd product = transposed * a;
  IntervalVector w = multiply(product, m, x);
  const VectorXd magnitude = magnitude_up(x);
  MatrixXd weights(n, 2);  // |A|·|q| and e, both taken through |Qᵀ|
  weights << abs_product_up(a, m, magnitude), error;
  const MatrixXd images = abs_products_up(transposed, n, weights);
  const VectorXd product_rounding = product_error(n, images.col(0), sum_up(magnitude));
  const VectorXd error_image = images.col(1);
  double norm = 0.0;  // ‖w‖∞ over the box of w
  for (Index i = 0; i < n; ++i) {
    w.rad[i] = r::add_up(r::add_up(w.rad[i], product_rounding[i]), error_image[i]);
    norm = max_or_nan(norm, r::add_up(std::abs(w.mid[i]), w.rad[i]));
  }
  // Q⁻¹z = (I + R)⁻¹w lies within ρ/(1 − ρ)·‖w‖∞ of w in every coordinate.
  const double spread = r::mul_up(r::div_up(defect, r::sub_down(1.0, defect)), norm);
  for (Index i = 0; i < n; ++i) w.rad[i] = r::add_up(w.rad[i], spread);
  return w;
}

template MatrixXd abs_products_up<MatrixXd>(const MatrixXd&, Index, const MatrixXd&);
template MatrixXd abs_products_up<SparseRowMatrix>(const SparseRowMatrix&, Index, const MatrixXd&);
template VectorXd abs_product_up<MatrixXd>(const MatrixXd&, Index, const VectorXd&);
template VectorXd abs_product_up<SparseRowMatrix>(const SparseRowMatrix&, Index, const VectorXd&);
template IntervalVector multiply<MatrixXd>(const MatrixXd&, Index, const IntervalVector&);
template IntervalVector multiply<SparseRowMatrix>(const SparseRowMatrix&, Index, const IntervalVector&);

}  // namespace certnn::bounds
