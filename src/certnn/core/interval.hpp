// Closed real intervals [lo, hi] with outward-rounded arithmetic (core/rounding.hpp): the result
// of each operation encloses every exact real result for operands in the operand intervals.
#pragma once

#include <algorithm>

#include "certnn/core/rounding.hpp"

namespace certnn {

struct Interval {
  double lo = 0.0, hi = 0.0;

  static Interval point(double x) { return {x, x}; }
  bool contains(double x) const { return lo <= x && x <= hi; }
  double width_up() const { return rounding::sub_up(hi, lo); }
};

inline Interval operator+(Interval a, Interval b) {
  return {rounding::add_down(a.lo, b.lo), rounding::add_up(a.hi, b.hi)};
}
inline Interval operator-(Interval a, Interval b) {
  return {rounding::sub_down(a.lo, b.hi), rounding::sub_up(a.hi, b.lo)};
}
inline Interval operator*(Interval a, Interval b) {
  namespace r = rounding;
  return {std::min({r::mul_down(a.lo, b.lo), r::mul_down(a.lo, b.hi), r::mul_down(a.hi, b.lo), r::mul_down(a.hi, b.hi)}),
          std::max({r::mul_up(a.lo, b.lo), r::mul_up(a.lo, b.hi), r::mul_up(a.hi, b.lo), r::mul_up(a.hi, b.hi)})};
}
// The smallest interval holding both.
inline Interval hull(Interval a, Interval b) { return {std::min(a.lo, b.lo), std::max(a.hi, b.hi)}; }

}  // namespace certnn
