#include "certnn/bounds/relax/activation_lines.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>

#include "certnn/core/interval.hpp"
#include "certnn/core/rounding.hpp"

namespace certnn::bounds::relax {
namespace {

namespace r = certnn::rounding;

Lines parallel(const LinearEnclosure& e) {
  return Lines{{e.slope, e.offset.lo}, {e.slope, e.offset.hi}};
}

// Enclosures of f and f′ at a point (directed rounding).
struct SmoothFunction {
  Interval (*value)(double);
  Interval (*derivative)(double);
};

// Bounds of g(x) = f(x) − s·x at x, and of g′(x) = f′(x) − s.
Interval remainder(const SmoothFunction& f, double s, double x) { return f.value(x) - Interval::point(s) * Interval::point(x); }

// Sigmoid and tanh are convex for x ≤ 0 and concave for x ≥ 0. On an interval inside one side:
// the chord on the outer side and the tangent at the midpoint m on the inner side. With g = f − s·x
// convex (resp. concave), its maximum (minimum) is at an end point, and its minimum (maximum) is
// bounded through the tangent of g at m, g(x) ≥ g(m) + g′(m)(x − m) (≤ for concave), evaluated in
// interval arithmetic with g′(m) = f′(m) − s enclosed, so the float slopes need not be exact.
// Nothing for an interval crossing 0 (the caller keeps the parallel lines there).
std::optional<Lines> tangent_and_chord(const SmoothFunction& f, double l, double u) {
  if (!(l <= u) || !std::isfinite(l) || !std::isfinite(u) || (l < 0.0 && u > 0.0)) return std::nullopt;
  const bool convex = u <= 0.0;
  const double m = 0.5 * (l + u);
  const Interval fl = f.value(l), fu = f.value(u);
  double chord = u > l ? (0.5 * (fl.lo + fl.hi) - 0.5 * (fu.lo + fu.hi)) / (l - u) : 0.5 * (f.derivative(m).lo + f.derivative(m).hi);
  if (!std::isfinite(chord)) chord = 0.0;
  const Interval tangent_slope = f.derivative(m);
  const double tangent = 0.5 * (tangent_slope.lo + tangent_slope.hi);
  const Interval span{r::sub_down(l, m), r::sub_up(u, m)};
  // Through the tangent point: g(m) + g′(m)·(x − m) over x ∈ [l, u].
  const Interval through_m = remainder(f, tangent, m) + (f.derivative(m) - Interval::point(tangent)) * span;
  const Interval chord_l = remainder(f, chord, l), chord_u = remainder(f, chord, u);
  if (convex)  // chord above (max of g at an end), tangent below
    return Lines{{tangent, through_m.lo}, {chord, std::max(chord_l.hi, chord_u.hi)}};
  return Lines{{chord, std::min(chord_l.lo, chord_u.lo)}, {tangent, through_m.hi}};
}

}  // namespace

double convex_kink_chord_slope(double leak, double l, double u) {
  if (l >= 0.0) return 1.0;
  if (u <= 0.0) return leak;
  const double chord = (u - leak * l) / (u - l);
  return std::isfinite(chord) ? chord : 0.5 * (1.0 + leak);
}

double convex_kink_adaptive_slope(double leak, double l, double u) {
  if (l >= 0.0) return 1.0;
  if (u <= 0.0) return leak;
  return u >= -l ? 1.0 : leak;
}

Lines piecewise_linear_lines(double leak, double l, double u) {
  if (l >= 0.0) return Lines{{1.0, 0.0}, {1.0, 0.0}};
  if (u <= 0.0) return Lines{{leak, 0.0}, {leak, 0.0}};
  if (!std::isfinite(l) || !std::isfinite(u)) {
    // No chord: only the side where the function is convex (or concave) keeps a finite line.
    const double low = std::min(leak, 1.0), high = std::max(leak, 1.0);
    const double infinity = std::numeric_limits<double>::infinity();
    return leak <= 1.0 ? Lines{{low, 0.0}, {high, infinity}, true, low, high}
                       : Lines{{high, -infinity}, {low, 0.0}};
  }
  const double chord = convex_kink_chord_slope(leak, l, u);
  const double adaptive = convex_kink_adaptive_slope(leak, l, u);
  const LinearEnclosure chord_line = piecewise_linear_with_slope(leak, chord, l, u);
  const LinearEnclosure tangent_line = piecewise_linear_with_slope(leak, adaptive, l, u);
  if (leak <= 1.0)  // convex: chord above, a line through the kink below
    return Lines{{adaptive, tangent_line.offset.lo}, {chord, chord_line.offset.hi}, true, leak, 1.0};
  return Lines{{chord, chord_line.offset.lo}, {adaptive, tangent_line.offset.hi}};
}

Line convex_kink_lower_line(const Lines& lines, double leak, double slope, double l, double u) {
  const double clipped = std::clamp(slope, lines.min_slope, lines.max_slope);
  if (!std::isfinite(l) || !std::isfinite(u)) return Line{clipped, 0.0};  // through the kink, below f
  return Line{clipped, piecewise_linear_with_slope(leak, clipped, l, u).offset.lo};
}

Lines sigmoid_lines(double l, double u) {
  const SmoothFunction sigma{[](double x) { return Interval{r::sigmoid_down(x), r::sigmoid_up(x)}; },
                             [](double x) {
                               const Interval s{r::sigmoid_down(x), r::sigmoid_up(x)};
                               return s * (Interval::point(1.0) - s);
                             }};
  return tangent_and_chord(sigma, l, u).value_or(parallel(sigmoid(l, u)));
}
Lines tanh_lines(double l, double u) {
  const SmoothFunction t{[](double x) { return Interval{r::tanh_down(x), r::tanh_up(x)}; },
                         [](double x) {
                           const Interval v{r::tanh_down(x), r::tanh_up(x)};
                           return Interval::point(1.0) - v * v;
                         }};
  return tangent_and_chord(t, l, u).value_or(parallel(tanh(l, u)));
}

}  // namespace certnn::bounds::relax
