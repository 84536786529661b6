#include "certnn/bounds/relax/activation.hpp"

#include <cmath>
#include <limits>
#include <numbers>

namespace certnn::bounds::relax {
namespace {

namespace r = certnn::rounding;

// c·x as an interval; exactly 0 when c = 0 (so that an infinite end point gives 0, not NaN).
Interval scaled(Interval c, double x) {
  if (c.lo == 0.0 && c.hi == 0.0) return Interval::point(0.0);
  return c * Interval::point(x);
}
Interval times(double slope, double x) { return scaled(Interval::point(slope), x); }

// An overflow (∞ − ∞, 0·∞) leaves no information on the offset: widen it to the whole line.
LinearEnclosure checked(LinearEnclosure e) {
  if (std::isnan(e.offset.lo)) e.offset.lo = -std::numeric_limits<double>::infinity();
  if (std::isnan(e.offset.hi)) e.offset.hi = std::numeric_limits<double>::infinity();
  return e;
}

// The enclosure of a monotone f with f − λx non-decreasing on [l, u], from rigorous end values.
LinearEnclosure nondecreasing_remainder(double slope, Interval f_at_l, Interval f_at_u, double l, double u) {
  return checked({slope, Interval{(f_at_l - times(slope, l)).lo, (f_at_u - times(slope, u)).hi}});
}

}  // namespace

double smoothed_relu_factor(double t) {
  const auto s = [](double v) { return (1.0 - std::cos(std::numbers::pi * v)) / 2.0; };
  return s(s(t));
}

LinearEnclosure piecewise_linear_with_slope(double alpha, double slope, double l, double u) {
  // On each piece f(x) − λx is linear, so its range there is the hull of its end-point values;
  // the pieces meet at 0 where the remainder is 0.
  Interval offset{0.0, 0.0};
  const bool has_negative = l < 0.0, has_positive = u > 0.0;
  if (has_negative) {
    const Interval coefficient = Interval::point(alpha) - Interval::point(slope);
    offset = hull(offset, scaled(coefficient, l));
    if (!has_positive) offset = hull(scaled(coefficient, u), scaled(coefficient, l));
  }
  if (has_positive) {
    const Interval coefficient = Interval::point(1.0) - Interval::point(slope);
    offset = hull(offset, scaled(coefficient, u));
    if (!has_negative) offset = hull(scaled(coefficient, l), scaled(coefficient, u));
  }
  return checked({slope, offset});
}

LinearEnclosure leaky_relu(double alpha, double l, double u) {
  if (u <= 0.0) return {alpha, {0.0, 0.0}};
  if (l >= 0.0) return {1.0, {0.0, 0.0}};
  // The chord through (l, αl) and (u, u): the tightest single parallelogram for a kink.
  double slope = (u - alpha * l) / (u - l);
  if (!std::isfinite(slope)) slope = alpha <= 1.0 ? std::max(alpha, 0.0) : 1.0;
  return piecewise_linear_with_slope(alpha, slope, l, u);
}

LinearEnclosure relu(double l, double u, ReluSlope choice) {
  if (u <= 0.0) return {0.0, {0.0, 0.0}};
  if (l >= 0.0) return {1.0, {0.0, 0.0}};
  double slope = u / (u - l);
  if (!std::isfinite(slope)) slope = 0.5;
  if (choice == ReluSlope::Smoothed) slope *= smoothed_relu_factor(slope);
  return piecewise_linear_with_slope(0.0, std::clamp(slope, 0.0, 1.0), l, u);
}

LinearEnclosure sigmoid(double l, double u) {
  const Interval at_l{r::sigmoid_down(l), r::sigmoid_up(l)}, at_u{r::sigmoid_down(u), r::sigmoid_up(u)};
  // σ' = σ(1 − σ) is concave in σ, so over an interval of σ its minimum is at an end.
  const auto derivative_down = [](Interval s) {
    return std::min(r::mul_down(s.lo, r::sub_down(1.0, s.lo)), r::mul_down(s.hi, r::sub_down(1.0, s.hi)));
  };
  const double slope = std::max(0.0, std::min(derivative_down(at_l), derivative_down(at_u)));
  return nondecreasing_remainder(slope, at_l, at_u, l, u);
}

LinearEnclosure tanh(double l, double u) {
  const Interval at_l{r::tanh_down(l), r::tanh_up(l)}, at_u{r::tanh_down(u), r::tanh_up(u)};
  // tanh' = 1 − tanh², smallest where |tanh| is largest.
  const auto derivative_down = [](Interval t) {
    const double magnitude = std::max(std::abs(t.lo), std::abs(t.hi));
    return r::sub_down(1.0, r::mul_up(magnitude, magnitude));
  };
  const double slope = std::max(0.0, std::min(derivative_down(at_l), derivative_down(at_u)));
  return nondecreasing_remainder(slope, at_l, at_u, l, u);
}

}  // namespace certnn::bounds::relax
