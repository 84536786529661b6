#include "certnn/bounds/relax/softmax.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace certnn::bounds::relax {
namespace {

namespace r = certnn::rounding;
using Eigen::Index;

// t(1 − t) over t ∈ [lo, hi] ⊆ [0, 1]: concave with its peak 1/4 at t = 1/2, so the minimum is at
// an end point and the maximum is 1/4 when 1/2 lies inside, else at an end point. Both factors
// are non-negative, so rounding each towards the wanted side bounds the product.
Interval self_derivative(Interval t) {
  const auto down = [](double v) { return r::mul_down(v, r::sub_down(1.0, v)); };
  const auto up = [](double v) { return r::mul_up(v, r::sub_up(1.0, v)); };
  const double lowest = std::max(0.0, std::min(down(t.lo), down(t.hi)));
  const double highest = t.lo <= 0.5 && 0.5 <= t.hi ? 0.25 : std::max(up(t.lo), up(t.hi));
  return {lowest, highest};
}

// −s_i·s_j over s_i ∈ a, s_j ∈ b, both within [0, 1].
Interval cross_derivative(Interval a, Interval b) { return {-r::mul_up(a.hi, b.hi), -r::mul_down(a.lo, b.lo)}; }

// sup |v − point| over v ∈ range, rounded up (+∞ when a NaN leaves it unknown).
double distance_up(Interval range, double point) {
  const double above = r::sub_up(range.hi, point), below = r::sub_up(point, range.lo);
  if (std::isnan(above) || std::isnan(below)) return std::numeric_limits<double>::infinity();
  return std::max({above, below, 0.0});
}

// The floating-point Jacobian diag(s) − s·sᵀ at p. Its accuracy does not matter for soundness:
// the remainder is measured against whatever matrix this returns.
Eigen::MatrixXd float_jacobian(const Eigen::VectorXd& point) {
  Eigen::ArrayXd s = (point.array() - point.maxCoeff()).exp();
  s /= s.sum();
  Eigen::MatrixXd jacobian = -s.matrix() * s.matrix().transpose();
  jacobian.diagonal() += s.matrix();
  return jacobian;
}

}  // namespace

std::vector<Interval> softmax_range(const Eigen::VectorXd& lower, const Eigen::VectorXd& upper) {
  const Index n = lower.size();
  std::vector<Interval> out(n);
  for (Index i = 0; i < n; ++i) {
    double denominator_up = 1.0, denominator_down = 1.0;
    for (Index j = 0; j < n; ++j) {
      if (j == i) continue;
      denominator_up = r::add_up(denominator_up, r::exp_up(r::sub_up(upper[j], lower[i])));
      denominator_down = r::add_down(denominator_down, r::exp_down(r::sub_down(lower[j], upper[i])));
    }
    out[i] = {std::max(0.0, r::div_down(1.0, denominator_up)), std::min(1.0, r::div_up(1.0, denominator_down))};
  }
  return out;
}

SoftmaxMeanValueForm softmax_mean_value_form(const Eigen::VectorXd& point, const Eigen::VectorXd& lower,
                                             const Eigen::VectorXd& upper) {
  const Index n = point.size();
  SoftmaxMeanValueForm form{softmax_range(point, point), float_jacobian(point), Eigen::MatrixXd(n, n)};
  const std::vector<Interval> range = softmax_range(lower, upper);
  for (Index i = 0; i < n; ++i)
    for (Index j = 0; j < n; ++j) {
      // ∂s_i/∂x_j = s_i·(δ_ij − s_j), enclosed over the box from the range of s.
      const Interval derivative = i == j ? self_derivative(range[i]) : cross_derivative(range[i], range[j]);
      form.remainder(i, j) = distance_up(derivative, form.jacobian(i, j));
    }
  return form;
}

}  // namespace certnn::bounds::relax
