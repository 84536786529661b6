// Pairs of linear lines bounding a scalar activation over an input interval [l, u], for the
// back-substitution methods (bounds/back_substitution.hpp):
//     lower.slope·x + lower.offset ≤ f(x) ≤ upper.slope·x + upper.offset   for every real x in [l, u].
// Slopes are any floats; each offset is computed rigorously for the slope actually used, so the
// lines hold in exact arithmetic however the slope was rounded.
#pragma once

#include "certnn/bounds/relax/activation.hpp"

namespace certnn::bounds::relax {

struct Line {
  double slope = 0.0, offset = 0.0;
};

struct Lines {
  Line lower, upper;
  // For a convex kink crossed by [l, u] (ReLU, LeakyReLU with leak ≤ 1), the lower line may take
  // any slope in [min_slope, max_slope] with offset 0 (alpha-CROWN optimises it).
  bool free_lower = false;
  double min_slope = 0.0, max_slope = 0.0;
};

// f(x) = x for x ≥ 0, leak·x below (ReLU: leak = 0). Stable intervals give the exact line twice.
// Crossing intervals: the chord on the concave side and, on the convex side, CROWN's adaptive
// slope (1 when u ≥ −l, else leak), which minimises the area between line and function.
Lines piecewise_linear_lines(double leak, double l, double u);
// The slopes piecewise_linear_lines chooses, without the rigorous offsets (training
// differentiates its own): the chord's, (u − leak·l) / (u − l), and the adaptive one, 1 when
// u ≥ −l, else leak; the exact line's slope on an interval that does not cross 0.
double convex_kink_chord_slope(double leak, double l, double u);
double convex_kink_adaptive_slope(double leak, double l, double u);
// The lower line of a convex kink with a chosen slope, clipped into [min_slope, max_slope].
Line convex_kink_lower_line(const Lines& lines, double leak, double slope, double l, double u);

// Sigmoid and tanh: on an interval where the function is convex (x ≤ 0) or concave (x ≥ 0), the
// chord on one side and the tangent at the midpoint on the other (CROWN); across 0, the parallel
// lines of the DeepZ enclosure (activation.hpp).
Lines sigmoid_lines(double l, double u);
Lines tanh_lines(double l, double u);

}  // namespace certnn::bounds::relax
