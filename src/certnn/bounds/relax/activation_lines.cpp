#include "certnn/bounds/relax/activation_lines.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace certnn::bounds::relax {
namespace {

Lines parallel(const LinearEnclosure& e) {
  return Lines{{e.slope, e.offset.lo}, {e.slope, e.offset.hi}};
}

}  // namespace

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
  double chord = (u - leak * l) / (u - l);
  if (!std::isfinite(chord)) chord = 0.5 * (1.0 + leak);
  const double adaptive = u >= -l ? 1.0 : leak;
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

Lines sigmoid_lines(double l, double u) { return parallel(sigmoid(l, u)); }
Lines tanh_lines(double l, double u) { return parallel(tanh(l, u)); }

}  // namespace certnn::bounds::relax
