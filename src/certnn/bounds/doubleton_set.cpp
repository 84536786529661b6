#include "certnn/bounds/doubleton_set.hpp"

#include <Eigen/QR>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "certnn/core/error.hpp"
#include "certnn/core/rounding.hpp"

namespace certnn::bounds {
namespace {

namespace r = certnn::rounding;
using Eigen::Index;
using Eigen::MatrixXd;
using Eigen::VectorXd;

constexpr double kInf = std::numeric_limits<double>::infinity();

MatrixXd to_dense(const MatrixXd& m) { return m; }
MatrixXd to_dense(const SparseRowMatrix& m) { return MatrixXd(m); }
MatrixXd to_dense(MatrixXd&& m) { return std::move(m); }

Index input_count(const Doubleton& x) {
  return x.input_scale.size() > 0 ? x.input_scale.size() : x.input_part.cols();
}

MatrixXd dense_input_part(const Doubleton& x) {
  if (x.input_scale.size() > 0) return x.input_scale.asDiagonal();
  return x.input_part;
}

// ≥ |C|·1 exactly: the largest change of C·r0 over r0 ∈ [−1, 1]^{n0}.
VectorXd input_radius(const MatrixXd& input_part) {
  VectorXd out = input_part.cwiseAbs().rowwise().sum();
  for (Index i = 0; i < out.size(); ++i) out[i] = r::nonnegative_sum_up(input_part.cols(), out[i]);
  return out;
}
VectorXd input_radius(const Doubleton& x) {
  if (x.input_scale.size() > 0) return x.input_scale.cwiseAbs();
  return input_radius(x.input_part);
}

void add_up_to(VectorXd& sum, const VectorXd& term) {
  for (Index i = 0; i < sum.size(); ++i) sum[i] = r::add_up(sum[i], term[i]);
}

// The box c + error_image ± (input_radius + fresh), rounded outward, NaN ends widened to ±∞.
Box hull(const VectorXd& centre, const VectorXd& radius_of_input, const IntervalVector& error_image,
         const VectorXd& fresh) {
  const Index n = centre.size();
  Box box{VectorXd(n), VectorXd(n)};
  for (Index i = 0; i < n; ++i) {
    const double radius = r::add_up(r::add_up(radius_of_input[i], error_image.rad[i]), fresh[i]);
    box.lower[i] = r::sub_down(r::add_down(centre[i], error_image.mid[i]), radius);
    box.upper[i] = r::add_up(r::add_up(centre[i], error_image.mid[i]), radius);
    if (std::isnan(box.lower[i])) box.lower[i] = -kInf;
    if (std::isnan(box.upper[i])) box.upper[i] = kInf;
  }
  return box;
}

Box unbounded_box(Index n) { return Box{VectorXd::Constant(n, -kInf), VectorXd::Constant(n, kInf)}; }

DoubletonImage unbounded_image(Index n) {
  DoubletonImage y;
  y.centre = VectorXd::Zero(n);
  y.unbounded = true;
  return y;
}

bool all_finite(const Doubleton& x) {
  return x.centre.allFinite() && x.input_part.allFinite() && x.input_scale.allFinite() && x.basis.allFinite() &&
         x.error.mid.allFinite() && x.error.rad.allFinite();
}

// A·q as an interval vector, whatever A's storage.
IntervalVector image_of_error(const DoubletonImage& y) {
  return std::visit([&](const auto& a) { return multiply(a, y.image_fan_in, y.error); }, y.image);
}

// Strategy 1: the error part becomes the box A·q + ε in the standard coordinates.
void rebase_identity(const IntervalVector& image, const VectorXd& fresh, Doubleton& x) {
  x.identity_basis = true;
  x.basis = MatrixXd();
  x.error = image;
  add_up_to(x.error.rad, fresh);
}

// The columns of A whose error is not exactly 0 (the others contribute nothing), with their q.
struct ActiveColumns {
  MatrixXd image;
  IntervalVector error;
};
ActiveColumns active_columns(DoubletonImage& y) {
  std::vector<Index> keep;
  for (Index j = 0; j < y.error.size(); ++j)
    if (y.error.mid[j] != 0.0 || y.error.rad[j] != 0.0) keep.push_back(j);
  const auto kept = static_cast<Index>(keep.size());
  if (kept == 0) return {MatrixXd(y.size(), 0), IntervalVector::zero(0)};
  MatrixXd a = std::visit([](auto& m) { return to_dense(std::move(m)); }, y.image);
  if (kept == y.error.size()) return {std::move(a), y.error};
  ActiveColumns active{MatrixXd(y.size(), kept), IntervalVector::zero(kept)};
  for (Index k = 0; k < kept; ++k) {
    active.image.col(k) = a.col(keep[k]);
    active.error.mid[k] = y.error.mid[keep[k]];
    active.error.rad[k] = y.error.rad[keep[k]];
  }
  return active;
}

// Pivoted: the columns of A scaled by the widths of their errors, beside the fresh errors'
// directions scaled by theirs, so that Q's leading columns follow the widest errors.
MatrixXd orthogonal_factor(const ActiveColumns& active, const VectorXd& fresh, DoubletonStrategy strategy) {
  if (strategy == DoubletonStrategy::QrPivoted) {
    MatrixXd scaled(active.image.rows(), active.image.cols() + fresh.size());
    scaled.leftCols(active.image.cols()) = active.image * active.error.rad.asDiagonal();
    scaled.rightCols(fresh.size()) = fresh.asDiagonal();
    return Eigen::ColPivHouseholderQR<MatrixXd>(scaled).householderQ();
  }
  return Eigen::HouseholderQR<MatrixXd>(active.image).householderQ();
}

// Strategies 2 and 3: B' = Q, q' ⊇ Q⁻¹(A·q + ε).
void rebase_orthogonal(DoubletonImage& y, DoubletonStrategy strategy, Doubleton& x) {
  const ActiveColumns active = active_columns(y);
  if (active.image.cols() == 0) {  // A·q = 0: only the fresh errors remain
    rebase_identity(IntervalVector::zero(y.size()), y.fresh, x);
    return;
  }
  MatrixXd q = orthogonal_factor(active, y.fresh, strategy);
  const std::optional<IntervalVector> error =
      orthogonal_inverse_image(q, orthogonality_defect(q), active.image, active.error, y.fresh);
  if (!error) {
    rebase_identity(multiply(active.image, active.image.cols(), active.error), y.fresh, x);
    return;
  }
  x.identity_basis = false;
  x.basis = std::move(q);
  x.error = *error;
}

}  // namespace

Doubleton unbounded_doubleton(Index n) {
  Doubleton x;
  x.centre = VectorXd::Zero(n);
  x.unbounded = true;
  return x;
}

Doubleton input_doubleton(const Box& box) {
  const Index n = box.size();
  for (Index i = 0; i < n; ++i)
    if (!(box.lower[i] <= box.upper[i]))
      throw Error("doubleton: input element " + std::to_string(i) + " has bounds [" + std::to_string(box.lower[i]) +
                  ", " + std::to_string(box.upper[i]) + "], not an interval");
  if (!box.lower.allFinite() || !box.upper.allFinite()) return unbounded_doubleton(n);
  const IntervalVector range = midpoint_radius(box.lower, box.upper);
  Doubleton x;
  x.centre = range.mid;
  x.input_scale = range.rad;
  x.identity_basis = true;
  x.error = IntervalVector::zero(n);
  if (!all_finite(x)) return unbounded_doubleton(n);
  return x;
}

Box enclosing_box(const Doubleton& x) {
  if (x.unbounded) return unbounded_box(x.size());
  const IntervalVector error_image = x.identity_basis ? x.error : multiply(x.basis, x.basis.cols(), x.error);
  return hull(x.centre, input_radius(x), error_image, VectorXd::Zero(x.size()));
}

Box enclosing_box(const DoubletonImage& y) {
  if (y.unbounded) return unbounded_box(y.size());
  return hull(y.centre, input_radius(y.input_part), image_of_error(y), y.fresh);
}

void add_fresh_error(DoubletonImage& y, const VectorXd& radius) {
  if (!y.unbounded) add_up_to(y.fresh, radius);
}

template <class Matrix>
DoubletonImage map_affine(const Doubleton& x, const Matrix& map, Index fan_in, const IntervalVector& offset) {
  const Index n = map.rows(), n0 = input_count(x);
  if (x.unbounded) return unbounded_image(n);
  // An error vector that is exactly 0 contributes nothing (the input's): it is dropped.
  const bool has_error = (x.error.mid.array() != 0.0).any() || (x.error.rad.array() != 0.0).any();
  const bool product_basis = has_error && !x.identity_basis;
  const VectorXd error_magnitude = product_basis ? magnitude_up(x.error) : VectorXd();
  // Bounds on |L|·|c|, |L|·(|C|·1) and |L|·|B|·|q| in one pass over |L|.
  MatrixXd weights(x.size(), product_basis ? 3 : 2);
  weights.col(0) = x.centre.cwiseAbs();
  weights.col(1) = input_radius(x);
  if (product_basis) weights.col(2) = abs_product_up(x.basis, x.basis.cols(), error_magnitude);
  const MatrixXd magnitudes = abs_products_up(map, fan_in, weights);

  DoubletonImage y;
  // Centre fl(L·c + mid β): a sum of fan_in + 1 products; the offset's radius is a fresh error.
  y.centre = map * x.centre + offset.mid;
  y.fresh = VectorXd(n);
  for (Index i = 0; i < n; ++i)
    y.fresh[i] = r::add_up(r::dot_error(fan_in + 1, r::add_up(magnitudes(i, 0), std::abs(offset.mid[i]))),
                           offset.rad[i]);
  // Input part fl(L·C), its rounding over r0 ∈ [−1, 1]^{n0} (weights 1) a fresh error.
  if (x.input_scale.size() > 0) {
    y.input_part = to_dense(map);  // fl(L·diag(d)): one product per entry
    y.input_part.array().rowwise() *= x.input_scale.transpose().array();
    add_up_to(y.fresh, product_error(1, magnitudes.col(1), static_cast<double>(n0)));
  } else {
    y.input_part.noalias() = map * x.input_part;
    add_up_to(y.fresh, product_error(fan_in, magnitudes.col(1), static_cast<double>(n0)));
  }
  // Error part: L·B·q = A·q exactly for A = L when B = I; else A = fl(L·B), whose rounding on q
  // (weights |q|) is a fresh error.
  if (!has_error) {
    y.image = MatrixXd(n, 0);
    y.error = IntervalVector::zero(0);
  } else if (x.identity_basis) {
    y.image = map;
    y.image_fan_in = fan_in;
    y.error = x.error;
  } else {
    add_up_to(y.fresh, product_error(fan_in, magnitudes.col(2), sum_up(error_magnitude)));
    y.image = MatrixXd(map * x.basis);
    y.image_fan_in = x.basis.cols();
    y.error = x.error;
  }
  return y;
}

Doubleton stack(const Doubleton& x, const Doubleton& y) {
  const Index nx = x.size(), ny = y.size();
  if (x.unbounded || y.unbounded) return unbounded_doubleton(nx + ny);
  Doubleton s;
  s.centre.resize(nx + ny);
  s.centre << x.centre, y.centre;
  const MatrixXd cx = dense_input_part(x), cy = dense_input_part(y);
  s.input_part.resize(nx + ny, cx.cols());
  s.input_part << cx, cy;
  s.error.mid.resize(x.error.size() + y.error.size());
  s.error.rad.resize(s.error.mid.size());
  s.error.mid << x.error.mid, y.error.mid;
  s.error.rad << x.error.rad, y.error.rad;
  s.identity_basis = x.identity_basis && y.identity_basis;
  if (!s.identity_basis) {
    s.basis = MatrixXd::Zero(nx + ny, s.error.size());
    s.basis.topLeftCorner(nx, x.error.size()) = x.identity_basis ? MatrixXd::Identity(nx, nx) : x.basis;
    s.basis.bottomRightCorner(ny, y.error.size()) = y.identity_basis ? MatrixXd::Identity(ny, ny) : y.basis;
  }
  return s;
}

Doubleton append_errors(DoubletonImage&& y) {
  const Index n = y.size();
  if (y.unbounded) return unbounded_doubleton(n);
  const ActiveColumns active = active_columns(y);
  std::vector<Index> rows;  // the elements with a fresh error
  for (Index i = 0; i < n; ++i)
    if (y.fresh[i] != 0.0) rows.push_back(i);
  const Index m = active.image.cols(), k = static_cast<Index>(rows.size());
  Doubleton x;
  x.identity_basis = false;
  x.basis = MatrixXd::Zero(n, m + k);
  x.basis.leftCols(m) = active.image;
  x.error = IntervalVector::zero(m + k);
  x.error.mid.head(m) = active.error.mid;
  x.error.rad.head(m) = active.error.rad;
  for (Index t = 0; t < k; ++t) {
    x.basis(rows[t], m + t) = y.fresh[rows[t]];  // ε_i = fresh_i·u with u ∈ [−1, 1]
    x.error.rad[m + t] = 1.0;
  }
  x.centre = std::move(y.centre);
  x.input_part = std::move(y.input_part);
  if (!all_finite(x)) return unbounded_doubleton(n);
  return x;
}

Doubleton rebase(DoubletonImage&& y, DoubletonStrategy strategy) {
  const Index n = y.size();
  if (y.unbounded) return unbounded_doubleton(n);
  Doubleton x;
  if (strategy == DoubletonStrategy::Identity)
    rebase_identity(image_of_error(y), y.fresh, x);
  else
    rebase_orthogonal(y, strategy, x);
  x.centre = std::move(y.centre);
  x.input_part = std::move(y.input_part);
  if (!all_finite(x)) return unbounded_doubleton(n);
  return x;
}

template DoubletonImage map_affine<MatrixXd>(const Doubleton&, const MatrixXd&, Index, const IntervalVector&);
template DoubletonImage map_affine<SparseRowMatrix>(const Doubleton&, const SparseRowMatrix&, Index,
                                                    const IntervalVector&);

}  // namespace certnn::bounds
