// Linear enclosures of scalar activations, shared by the affine, doubleton and linear-relaxation
// methods. For an activation f and an input interval [l, u], an enclosure is a slope λ and an
// offset interval [a, b] with
//     f(x) − λ·x ∈ [a, b]   for every real x in [l, u]   (exact real arithmetic),
// so y = λ·x + (a + b)/2 + (b − a)/2 · ε with one fresh ε ∈ [−1, 1] encloses f over the set.
// Any slope gives a sound enclosure once [a, b] is computed rigorously; the slope only decides
// how tight it is. Each function states why its offset interval holds.
#pragma once

#include "certnn/core/interval.hpp"

namespace certnn::bounds::relax {

struct LinearEnclosure {
  double slope = 0.0;
  Interval offset;  // f(x) − slope·x over [l, u]
};

// How the slope of a ReLU crossing zero is chosen.
enum class ReluSlope {
  MinimalArea,  // λ = u / (u − l): the minimal-area parallelogram
  Smoothed,     // the seed paper's variant: λ = e·u/(u − l), e = s(s(u/(u − l))), s(t) = (1 − cos πt)/2
};

// The seed paper's slope factor e(t) = s(s(t)).
double smoothed_relu_factor(double t);

// max(x, 0) on [l, u].
LinearEnclosure relu(double l, double u, ReluSlope slope = ReluSlope::MinimalArea);
// x for x ≥ 0, α·x below, on [l, u] (any α ≥ 0; α > 1 gives a concave function).
LinearEnclosure leaky_relu(double alpha, double l, double u);
// Piecewise-linear f(x) = x (x ≥ 0), α·x (x < 0) with a given slope λ: the offset range is the
// hull of the end-point values of each linear piece.
LinearEnclosure piecewise_linear_with_slope(double alpha, double slope, double l, double u);

// Sigmoid and tanh with the DeepZ slope λ = min(f'(l), f'(u)): f' is even and decreasing in |x|,
// so on [l, u] it is smallest at an end point; with λ at most that minimum, f(x) − λx is
// non-decreasing and its range is [f(l) − λl, f(u) − λu].
LinearEnclosure sigmoid(double l, double u);
LinearEnclosure tanh(double l, double u);

}  // namespace certnn::bounds::relax
