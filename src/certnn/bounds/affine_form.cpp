#include "certnn/bounds/affine_form.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>

#include "certnn/core/error.hpp"
#include "certnn/core/rounding.hpp"

namespace certnn::bounds {
namespace {

namespace r = certnn::rounding;
using Eigen::Index;
using Eigen::MatrixXd;
using Eigen::VectorXd;

constexpr double kInf = std::numeric_limits<double>::infinity();

// A float point and radius with [lo, hi] ⊆ [mid − rad, mid + rad] exactly.
struct Midpoint {
  double mid = 0.0, rad = 0.0;
};
Midpoint midpoint(Interval v) {
  if (v.lo == v.hi) return {v.lo, 0.0};
  // Halving each end first cannot overflow; the radius is measured from whatever mid is.
  const double mid = 0.5 * v.lo + 0.5 * v.hi;
  return {mid, std::max(r::sub_up(v.hi, mid), r::sub_up(mid, v.lo))};
}

double sum_up(double a, double b, double c) { return r::add_up(r::add_up(a, b), c); }

// Upper bound on the rounding error of k products a·G_ij (j = 1..k) against their exact values,
// summed over j, given magnitude ≥ Σ_j |G_ij|: each product errs by at most u·|a·G_ij| (γ_1 covers
// it), or by half the smallest subnormal when it underflows.
double scaling_error(double a, double magnitude, Index k) {
  if (a == 0.0 || a == 1.0 || a == -1.0) return 0.0;  // exact products
  return r::add_up(r::mul_up(r::gamma(1), r::mul_up(std::abs(a), magnitude)),
                   r::mul_up(static_cast<double>(k), r::kUnderflowError));
}

// Adds sign × the fresh symbols of `form` into g, a dense n × (at least symbols()) matrix.
void add_fresh_into(MatrixXd& g, const AffineForm& form, double sign) {
  for (std::size_t t = 0; t < form.fresh.size(); ++t)
    g(form.fresh[t].row, form.fresh_first + static_cast<Index>(t)) += sign * form.fresh[t].coefficient;
}

}  // namespace

AffineForm input_form(const Box& box, SymbolCount& symbols) {
  const Index n = box.size();
  AffineForm form{VectorXd(n), MatrixXd(n, 0), 0, {}, VectorXd::Zero(n), VectorXd()};
  VectorXd coefficient = VectorXd::Zero(n);
  for (Index i = 0; i < n; ++i) {
    const double lo = box.lower[i], hi = box.upper[i];
    if (std::isnan(lo) || std::isnan(hi) || lo > hi)
      throw Error("affine: input box element " + std::to_string(i) + " is not an interval [" + std::to_string(lo) +
                  ", " + std::to_string(hi) + "]");
    const Midpoint m = midpoint(Interval{lo, hi});
    form.centre[i] = m.mid;
    coefficient[i] = std::isfinite(m.rad) ? m.rad : 0.0;
    if (!std::isfinite(lo) || !std::isfinite(hi)) form.radius[i] = kInf;  // finalize() makes the row unbounded
  }
  finalize(form);
  append_fresh_symbols(form, coefficient, symbols);
  return form;
}

void finalize(AffineForm& form) {
  const Index n = form.size();
  VectorXd sums = form.generators.cols() > 0 ? VectorXd(form.generators.cwiseAbs().rowwise().sum()) : VectorXd::Zero(n);
  for (const AffineForm::FreshSymbol& f : form.fresh) sums[f.row] += std::abs(f.coefficient);
  form.magnitude.resize(n);
  std::vector<bool> unbounded;
  for (Index i = 0; i < n; ++i) {
    const double magnitude = r::nonnegative_sum_up(form.symbols(), sums[i]);
    if (std::isfinite(form.centre[i]) && std::isfinite(form.radius[i]) && std::isfinite(magnitude)) {
      form.magnitude[i] = magnitude;
      continue;
    }
    if (unbounded.empty()) unbounded.resize(n, false);
    unbounded[i] = true;
    form.centre[i] = 0.0;
    if (form.generators.cols() > 0) form.generators.row(i).setZero();
    form.radius[i] = kInf;
    form.magnitude[i] = 0.0;
  }
  if (!unbounded.empty())
    for (AffineForm::FreshSymbol& f : form.fresh)
      if (unbounded[f.row]) f.coefficient = 0.0;
}

MatrixXd dense_generators(const AffineForm& form) {
  if (form.fresh.empty()) return form.generators;
  MatrixXd g(form.size(), form.symbols());
  g.leftCols(form.generators.cols()) = form.generators;
  g.rightCols(form.symbols() - form.generators.cols()).setZero();
  add_fresh_into(g, form, 1.0);
  return g;
}

void materialize(AffineForm& form) {
  if (form.fresh.empty()) return;
  form.generators = dense_generators(form);
  form.fresh.clear();
  form.fresh_first = 0;
}

VectorXd total_radius(const AffineForm& form) {
  VectorXd total(form.size());
  for (Index i = 0; i < form.size(); ++i) total[i] = r::add_up(form.magnitude[i], form.radius[i]);
  return total;
}

Box enclosing_box(const AffineForm& form) {
  const VectorXd total = total_radius(form);
  Box box{VectorXd(form.size()), VectorXd(form.size())};
  for (Index i = 0; i < form.size(); ++i) {
    box.lower[i] = r::sub_down(form.centre[i], total[i]);
    box.upper[i] = r::add_up(form.centre[i], total[i]);
  }
  return box;
}

AffineForm apply_elementwise(AffineForm x, std::span<const Interval> slope, std::span<const Interval> offset,
                             bool fresh_offsets, SymbolCount& symbols) {
  const Index n = x.size(), k = x.symbols();
  const VectorXd total = total_radius(x);
  VectorXd point_slope(n), fresh = VectorXd::Zero(n);
  for (Index i = 0; i < n; ++i) {
    // a·x_i + b = â·c + b̂ + â·(Gε) + â·δ + (a − â)·x_i + (b − b̂), with |x_i| ≤ |c| + Σ|G| + r.
    const Midpoint a = midpoint(slope[i]), b = midpoint(offset[i]);
    const double c = x.centre[i];
    const Midpoint centre = midpoint(Interval{r::mul_down(a.mid, c), r::mul_up(a.mid, c)} + Interval::point(b.mid));
    point_slope[i] = a.mid;
    x.centre[i] = centre.mid;
    const double slope_error = r::mul_up(a.rad, r::add_up(std::abs(c), total[i]));
    double radius = sum_up(r::mul_up(std::abs(a.mid), x.radius[i]), centre.rad,
                           r::add_up(scaling_error(a.mid, x.magnitude[i], k), slope_error));
    if (fresh_offsets && b.rad > 0.0 && std::isfinite(b.rad))
      fresh[i] = b.rad;
    else
      radius = r::add_up(radius, b.rad);
    x.radius[i] = radius;
  }
  x.generators.array().colwise() *= point_slope.array();
  for (AffineForm::FreshSymbol& f : x.fresh) f.coefficient *= point_slope[f.row];
  finalize(x);
  append_fresh_symbols(x, fresh, symbols);
  return x;
}

AffineForm add_forms(const AffineForm& x, const AffineForm& y, double sign) {
  const Index n = x.size();
  AffineForm sum{VectorXd(n), MatrixXd::Zero(n, std::max(x.symbols(), y.symbols())), 0, {}, VectorXd(n), VectorXd()};
  // Each coefficient receives one term of x and one of y: one rounded addition at most,
  // |fl(g + h) − (g + h)| ≤ u·(|g| + |h|), exact on underflow.
  sum.generators.leftCols(x.generators.cols()) = x.generators;
  sum.generators.leftCols(y.generators.cols()) += sign * y.generators;
  add_fresh_into(sum.generators, x, 1.0);
  add_fresh_into(sum.generators, y, sign);
  for (Index i = 0; i < n; ++i) {
    const Midpoint centre = midpoint(Interval::point(x.centre[i]) + Interval::point(sign * y.centre[i]));
    sum.centre[i] = centre.mid;
    const double addition_error = r::mul_up(r::gamma(1), r::add_up(x.magnitude[i], y.magnitude[i]));
    sum.radius[i] = sum_up(r::add_up(x.radius[i], y.radius[i]), centre.rad, addition_error);
  }
  finalize(sum);
  return sum;
}

AffineForm select_rows(const AffineForm& x, const std::vector<std::int64_t>& source, double fill) {
  const Index n = static_cast<Index>(source.size());
  const MatrixXd g = dense_generators(x);
  AffineForm y{VectorXd(n), MatrixXd::Zero(n, g.cols()), 0, {}, VectorXd(n), VectorXd()};
  for (Index o = 0; o < n; ++o) {
    const std::int64_t s = source[o];
    y.centre[o] = s < 0 ? fill : x.centre[s];
    y.radius[o] = s < 0 ? 0.0 : x.radius[s];
    if (s >= 0) y.generators.row(o) = g.row(s);
  }
  finalize(y);
  return y;
}

void append_fresh_symbols(AffineForm& form, const VectorXd& coefficient, SymbolCount& symbols) {
  const Index count = (coefficient.array() > 0.0).count();
  if (count == 0) return;
  // One block of fresh symbols per form: extend it when the new numbers follow on, else move the
  // old block into the dense part first.
  if (!form.fresh.empty() && form.symbols() != symbols.count) materialize(form);
  if (form.fresh.empty()) form.fresh_first = symbols.count;
  for (Index i = 0; i < form.size(); ++i) {
    if (!(coefficient[i] > 0.0)) continue;
    form.fresh.push_back({i, coefficient[i]});
    form.magnitude[i] = r::add_up(form.magnitude[i], coefficient[i]);
  }
  symbols.count += count;
}

void radius_to_symbols(AffineForm& form, double tolerance, SymbolCount& symbols, Index capacity) {
  std::vector<Index> rows;
  for (Index i = 0; i < form.size(); ++i) {
    const double r_i = form.radius[i];
    if (std::isfinite(r_i) && r_i > tolerance * (form.magnitude[i] + std::abs(form.centre[i]))) rows.push_back(i);
  }
  if (capacity <= 0 || rows.empty()) return;
  if (static_cast<Index>(rows.size()) > capacity) {
    std::nth_element(rows.begin(), rows.begin() + capacity, rows.end(),
                     [&](Index a, Index b) { return form.radius[a] > form.radius[b]; });
    rows.resize(capacity);
  }
  VectorXd coefficient = VectorXd::Zero(form.size());
  for (Index i : rows) {
    coefficient[i] = form.radius[i];
    form.radius[i] = 0.0;
  }
  append_fresh_symbols(form, coefficient, symbols);
}

void consolidate(const std::vector<AffineForm*>& forms, SymbolCount& symbols, Index limit) {
  limit = std::max<Index>(limit, 0);
  if (symbols.count <= limit) return;
  for (AffineForm* form : forms) materialize(*form);
  VectorXd weight = VectorXd::Zero(symbols.count);
  for (const AffineForm* form : forms)
    if (form->symbols() > 0) weight.head(form->symbols()) += form->generators.cwiseAbs().colwise().sum().transpose();
  std::vector<Index> order(symbols.count);
  std::iota(order.begin(), order.end(), Index{0});
  const Index removed_count = symbols.count - limit;
  std::nth_element(order.begin(), order.begin() + removed_count, order.end(),
                   [&](Index a, Index b) { return weight[a] < weight[b]; });
  std::vector<bool> removed(symbols.count, false);
  for (Index t = 0; t < removed_count; ++t) removed[order[t]] = true;

  for (AffineForm* form : forms) {
    const Index k = form->symbols();
    Index kept = 0, dropped = 0;
    for (Index j = 0; j < k; ++j) (removed[j] ? dropped : kept) += 1;
    if (dropped == 0) continue;
    // Kept symbols keep their order, so symbol j becomes the number of kept symbols before it,
    // in every form alike.
    MatrixXd generators(form->size(), kept);
    VectorXd moved = VectorXd::Zero(form->size());
    for (Index j = 0, target = 0; j < k; ++j) {
      if (removed[j])
        moved += form->generators.col(j).cwiseAbs();
      else
        generators.col(target++) = form->generators.col(j);
    }
    for (Index i = 0; i < form->size(); ++i)
      form->radius[i] = r::add_up(form->radius[i], r::nonnegative_sum_up(dropped, moved[i]));
    form->generators = std::move(generators);
    finalize(*form);
  }
  symbols.count = limit;
}

}  // namespace certnn::bounds
