// Sound floating-point error bounds: the one place bound code gets its rounding arithmetic.
// Directed operations assume the default round-to-nearest mode (certnn never changes it).
// Accumulated dot products use Higham's a-priori bound γ_n = n·u / (1 − n·u) (Accuracy and Stability of Numerical Algorithms, §3.1),
// valid for any summation order and with fused multiply-adds, plus an underflow term.
#pragma once

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>

namespace certnn::rounding {

inline constexpr double kUnitRoundoff = 0x1p-53;
// Absolute error bound of one product or sum that underflows (half the smallest subnormal,
// rounded up to the smallest subnormal).
inline constexpr double kUnderflowError = 0x1p-1074;

// The next double above (below) x, as std::nextafter towards ±∞ but inlined: the bound methods
// call it in their innermost loops. Steps on the bit pattern, which orders finite doubles of one
// sign; zeros step to the smallest subnormal, ±∞ and NaN stay.
inline double up(double x) {
  if (std::isnan(x) || x == std::numeric_limits<double>::infinity()) return x;
  if (x == 0.0) return std::numeric_limits<double>::denorm_min();
  auto bits = std::bit_cast<std::uint64_t>(x);
  bits = x > 0 ? bits + 1 : bits - 1;
  return std::bit_cast<double>(bits);
}
inline double down(double x) { return -up(-x); }

// Directed operations: the round-to-nearest result, moved one step outward only when it lies on
// the wrong side of the exact result. The rounding error is known exactly from error-free
// transformations (TwoSum, and fused multiply-add residuals for ×, ÷, √), which are exact for
// finite results away from underflow; elsewhere the result is always moved one step.
namespace detail {
// The residuals a·b − p, a − q·b and a − s² are exactly representable (and so computed exactly
// by a fused multiply-add) when the product p, resp. the dividend a, is finite and at least
// about 2^-969 in magnitude (Boldo & Muller); 2^-960 leaves a margin.
inline constexpr double kResidualExact = 0x1p-960;
inline bool residual_exact(double x) { return std::isfinite(x) && std::abs(x) >= kResidualExact; }
// a + b − fl(a + b), exactly (Knuth's TwoSum), for a finite sum.
inline double sum_error(double a, double b, double s) {
  const double bb = s - a;
  return (a - (s - bb)) + (b - bb);
}
}  // namespace detail

inline double add_up(double a, double b) {
  const double s = a + b;
  if (!std::isfinite(s)) return up(s);
  // A NaN error (an intermediate of TwoSum overflowed near the range's end) moves the result.
  return detail::sum_error(a, b, s) <= 0 ? s : up(s);
}
inline double add_down(double a, double b) {
  const double s = a + b;
  if (!std::isfinite(s)) return down(s);
  return detail::sum_error(a, b, s) >= 0 ? s : down(s);
}
inline double sub_up(double a, double b) { return add_up(a, -b); }
inline double sub_down(double a, double b) { return add_down(a, -b); }
inline double mul_up(double a, double b) {
  const double p = a * b;
  if (a == 0.0 || b == 0.0) return p;  // exact (or NaN for 0·∞)
  if (!detail::residual_exact(p)) return up(p);
  return std::fma(a, b, -p) <= 0 ? p : up(p);
}
inline double mul_down(double a, double b) {
  const double p = a * b;
  if (a == 0.0 || b == 0.0) return p;
  if (!detail::residual_exact(p)) return down(p);
  return std::fma(a, b, -p) >= 0 ? p : down(p);
}
// a/b − q has the sign of (a − q·b)·b.
inline double div_up(double a, double b) {
  const double q = a / b;
  if (a == 0.0 && b != 0.0) return q;
  if (!detail::residual_exact(q) || !detail::residual_exact(a) || !std::isfinite(b)) return up(q);
  const double residual = std::fma(-q, b, a);
  return (b > 0 ? residual > 0 : residual < 0) ? up(q) : q;
}
inline double div_down(double a, double b) {
  const double q = a / b;
  if (a == 0.0 && b != 0.0) return q;
  if (!detail::residual_exact(q) || !detail::residual_exact(a) || !std::isfinite(b)) return down(q);
  const double residual = std::fma(-q, b, a);
  return (b > 0 ? residual < 0 : residual > 0) ? down(q) : q;
}
inline double sqrt_up(double a) {
  const double s = std::sqrt(a);
  if (a == 0.0) return s;
  if (!detail::residual_exact(a)) return up(s);
  return std::fma(-s, s, a) <= 0 ? s : up(s);
}
inline double sqrt_down(double a) {
  if (a <= 0.0) return 0.0;
  const double s = std::sqrt(a);
  if (!detail::residual_exact(a)) return down(s);
  return std::fma(-s, s, a) >= 0 ? s : down(s);
}

// γ_n rounded up; +∞ when n·u ≥ 1 (no bound).
inline double gamma(std::int64_t n) {
  const double nu = mul_up(static_cast<double>(n), kUnitRoundoff);
  if (nu >= 1.0) return std::numeric_limits<double>::infinity();
  return div_up(nu, sub_down(1.0, nu));
}

// Bound on |fl(Σ a_i b_i) − Σ a_i b_i| for n terms given s ≥ fl(Σ |a_i||b_i|) computed in
// round-to-nearest: the exact Σ|a_i||b_i| is at most s / (1 − γ_n), so the error is at most
// γ_n · s / (1 − γ_n) plus n underflow errors.
inline double dot_error(std::int64_t n, double abs_sum) {
  const double g = gamma(n);
  const double bound = mul_up(g, div_up(abs_sum, sub_down(1.0, g)));
  return add_up(bound, mul_up(static_cast<double>(2 * n), kUnderflowError));
}

// Upper bound on the exact value of a non-negative sum of n products computed in round-to-nearest
// as s: s / (1 − γ_n) plus n underflow errors. The class keeps the constants for many sums of the
// same length (an element-wise pass over a matrix–vector product).
class NonnegativeSumBound {
 public:
  explicit NonnegativeSumBound(std::int64_t n)
      : denominator_(sub_down(1.0, gamma(n))), underflow_(mul_up(static_cast<double>(2 * n), kUnderflowError)) {}
  double operator()(double s) const { return add_up(div_up(s, denominator_), underflow_); }

 private:
  double denominator_, underflow_;
};
inline double nonnegative_sum_up(std::int64_t n, double s) { return NonnegativeSumBound(n)(s); }

// Libm functions are not correctly rounded: glibc documents exp within 1 ulp and tanh within
// 2 ulp on x86-64. Widening by kLibmSlackUlps steps covers those with margin; tests check the
// enclosures against MPFR.
inline constexpr int kLibmSlackUlps = 4;
inline double widen_up(double x, int steps = kLibmSlackUlps) {
  for (int i = 0; i < steps; ++i) x = up(x);
  return x;
}
inline double widen_down(double x, int steps = kLibmSlackUlps) {
  for (int i = 0; i < steps; ++i) x = down(x);
  return x;
}
inline double exp_up(double x) { return widen_up(std::exp(x)); }
inline double exp_down(double x) { return std::max(0.0, widen_down(std::exp(x))); }
inline double tanh_up(double x) { return std::min(1.0, widen_up(std::tanh(x))); }
inline double tanh_down(double x) { return std::max(-1.0, widen_down(std::tanh(x))); }
// 1 / (1 + exp(−x)) with each step rounded outward.
inline double sigmoid_down(double x) { return std::max(0.0, div_down(1.0, add_up(1.0, exp_up(-x)))); }
inline double sigmoid_up(double x) { return std::min(1.0, div_up(1.0, add_down(1.0, exp_down(-x)))); }

}  // namespace certnn::rounding
