// The scalar activation code of the bound path against MPFR:
//  - core/rounding.hpp's exp_up/down, tanh_up/down and sigmoid_up/down enclose the real function
//    at random points of every part of the format (±0, subnormals, the overflow and underflow
//    thresholds of exp, huge values, ±∞ as limits), and are tight where the result is normal;
//  - bounds/relax's linear enclosures (every slope variant: ReLU minimal-area and smoothed, leaky
//    ReLU's chord, piecewise-linear with an arbitrary slope, the DeepZ sigmoid and tanh) satisfy
//    f(x) − λ·x ∈ [a, b] at the end points, many interior points, the kink and the critical points
//    where f'(x) = λ, of random intervals (narrow, degenerate, crossing zero, huge, half-infinite).
//
// Exactness of the comparisons: a double d and a real v compare as d ≤ v exactly when
// d ≤ RNDD_p(v) for any precision p ≥ 53 (d is itself a p-bit number), so one correctly rounded
// MPFR operation per end decides each comparison exactly. The piecewise-linear remainders are
// computed that way; sigmoid and tanh are transcendental, so their remainders are enclosed with
// 256-bit directed steps (an error far below any double's resolution, and never inward).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <iostream>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "certnn/bounds/relax/activation.hpp"
#include "certnn/core/rounding.hpp"
#include "mpfr_reference.hpp"
#include "random_doubles.hpp"
#include "test_seed.hpp"

namespace certnn::soundness {
namespace {

namespace r = certnn::rounding;
namespace relax = certnn::bounds::relax;

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kMax = std::numeric_limits<double>::max();
constexpr double kTiny = std::numeric_limits<double>::denorm_min();
constexpr mpfr_prec_t kBits = 256;
// Width allowed to a directed enclosure of a normal result, relative to it: the libm slack of
// rounding.hpp (4 ulps each way) plus a few directed steps is about 12 ulps = 12·2^-52 < 2^-48;
// 2^-46 leaves a margin and still fails an enclosure that widens by a fixed relative amount.
constexpr double kDirectedWidth = 0x1p-46;

// ---- MPFR enclosures of the functions ----------------------------------------------------------

struct RealEnclosure {
  Mpfr lo{kBits}, hi{kBits};
};

RealEnclosure mpfr_exp(double x) {
  RealEnclosure e;
  mpfr_set_d(e.lo.get(), x, MPFR_RNDN);
  mpfr_set_d(e.hi.get(), x, MPFR_RNDN);
  mpfr_exp(e.lo.get(), e.lo.get(), MPFR_RNDD);
  mpfr_exp(e.hi.get(), e.hi.get(), MPFR_RNDU);
  return e;
}

RealEnclosure mpfr_tanh(double x) {
  RealEnclosure e;
  mpfr_set_d(e.lo.get(), x, MPFR_RNDN);
  mpfr_set_d(e.hi.get(), x, MPFR_RNDN);
  mpfr_tanh(e.lo.get(), e.lo.get(), MPFR_RNDD);
  mpfr_tanh(e.hi.get(), e.hi.get(), MPFR_RNDU);
  return e;
}

// 1 / (1 + exp(−x)), each step rounded in the direction that moves the end outward.
RealEnclosure mpfr_sigmoid(double x) {
  RealEnclosure e;
  Mpfr t(kBits);
  mpfr_set_d(t.get(), -x, MPFR_RNDN);
  mpfr_exp(t.get(), t.get(), MPFR_RNDU);
  mpfr_add_ui(t.get(), t.get(), 1, MPFR_RNDU);
  mpfr_ui_div(e.lo.get(), 1, t.get(), MPFR_RNDD);
  mpfr_set_d(t.get(), -x, MPFR_RNDN);
  mpfr_exp(t.get(), t.get(), MPFR_RNDD);
  mpfr_add_ui(t.get(), t.get(), 1, MPFR_RNDD);
  mpfr_ui_div(e.hi.get(), 1, t.get(), MPFR_RNDU);
  return e;
}

// ---- Part 1: directed exp, tanh, sigmoid -----------------------------------------------------

// Points of every kind: the format's extremes, the ranges where each function changes regime,
// and the thresholds where exp overflows, becomes subnormal and underflows to zero.
double random_point(Rng& rng) {
  static const double thresholds[] = {709.782712893384,  708.3964185322641, 745.1332191019411, 744.4400719213812,
                                      19.06154746539849, 18.714973875118524, 36.7368005696771,  37.42994775023705,
                                      0.0,               1.0,               0x1p-26,           0x1p-27};
  const double u = uniform(rng, 0.0, 1.0);
  if (u < 0.25) return random_extreme(rng);
  if (u < 0.45) return uniform(rng, -760.0, 730.0);
  if (u < 0.65) return uniform(rng, -45.0, 45.0);
  if (u < 0.75) return random_sign(rng) * std::ldexp(random_significand(rng), static_cast<int>(uniform_int(rng, -60, 0)));
  if (u < 0.95) {
    // A threshold, a few ulps or a small relative step either side.
    double x = random_sign(rng) * thresholds[uniform_int(rng, 0, std::size(thresholds) - 1)];
    if (chance(rng, 0.5)) {
      for (std::int64_t k = uniform_int(rng, -8, 8); k != 0; k += k > 0 ? -1 : 1) x = k > 0 ? r::up(x) : r::down(x);
    } else {
      x += std::ldexp(uniform(rng, -1.0, 1.0), static_cast<int>(uniform_int(rng, -40, -2)));
    }
    return x;
  }
  static const double specials[] = {0.0, -0.0, kTiny, -kTiny, 0x1p-1022, -0x1p-1022, kMax, -kMax, kInf, -kInf};
  return specials[uniform_int(rng, 0, std::size(specials) - 1)];
}

struct DirectedFunction {
  const char* name;
  double (*down)(double);
  double (*up)(double);
  RealEnclosure (*exact)(double);
  std::int64_t checked = 0, tight = 0;
};

TEST(ActivationMpfr, DirectedExpTanhSigmoidEncloseTheRealFunction) {
  const std::uint64_t seed = announce_seed();
  Rng rng = case_generator(seed, 2, 0);
  std::vector<DirectedFunction> functions = {{"exp", r::exp_down, r::exp_up, mpfr_exp},
                                             {"tanh", r::tanh_down, r::tanh_up, mpfr_tanh},
                                             {"sigmoid", r::sigmoid_down, r::sigmoid_up, mpfr_sigmoid}};
  constexpr int kPoints = 120'000;
  int failures = 0;
  for (int k = 0; k < kPoints && failures < 10; ++k) {
    const double x = random_point(rng);
    for (DirectedFunction& f : functions) {
      const double lo = f.down(x), hi = f.up(x);
      const RealEnclosure exact = f.exact(x);
      ++f.checked;
      if (!(at_most(lo, exact.lo) && at_least(hi, exact.hi))) {
        ++failures;
        ADD_FAILURE() << f.name << "(" << hex(x) << ") = [" << exact.lo.to_string(40) << ", " << exact.hi.to_string(40)
                      << "] not inside [" << hex(lo) << ", " << hex(hi) << "] (seed " << seed << ")";
        continue;
      }
      // Not vacuous: where the value is a normal double, the enclosure is a few ulps wide.
      const double value = mpfr_get_d(exact.lo.get(), MPFR_RNDN);
      if (std::isfinite(hi) && std::abs(value) >= 0x1p-1000 && std::abs(value) <= 0x1p1000) {
        EXPECT_LE(hi - lo, kDirectedWidth * std::abs(value))
            << f.name << "(" << hex(x) << ") enclosed by the loose [" << hex(lo) << ", " << hex(hi) << "]";
        ++f.tight;
      }
    }
  }
  EXPECT_EQ(failures, 0);
  for (const DirectedFunction& f : functions) {
    std::cout << f.name << "_down/_up: " << f.checked << " points enclose MPFR, " << f.tight
              << " of them checked a few ulps tight\n";
    EXPECT_GE(f.checked, 100'000);
    EXPECT_GE(f.tight, f.checked / 4);
  }
}

// ---- Part 2: linear enclosures -----------------------------------------------------------------

// The remainder f(x) − λ·x at a point, enclosed in [lo, hi].
struct Remainder {
  Mpfr lo{kBits}, hi{kBits};
};

// f(x) − λ·x for f(x) = x (x ≥ 0), α·x (x < 0): f(x) is exact at 106 bits, and the remainder is
// one correctly rounded fused operation per end (exact comparisons, see the header comment).
Remainder piecewise_remainder(double alpha, double slope, double x) {
  Remainder rem;
  Mpfr fx(106), lambda(slope, 53), point(x, 53);
  if (x >= 0.0)
    mpfr_set_d(fx.get(), x, MPFR_RNDN);
  else
    mpfr_mul_d(fx.get(), point.get(), alpha, MPFR_RNDN);  // exact: 53 × 53 bits
  // fx − λx = −(λx − fx)
  mpfr_fms(rem.lo.get(), lambda.get(), point.get(), fx.get(), MPFR_RNDU);
  mpfr_neg(rem.lo.get(), rem.lo.get(), MPFR_RNDN);
  mpfr_fms(rem.hi.get(), lambda.get(), point.get(), fx.get(), MPFR_RNDD);
  mpfr_neg(rem.hi.get(), rem.hi.get(), MPFR_RNDN);
  return rem;
}

Remainder smooth_remainder(const RealEnclosure& fx, double slope, double x) {
  Remainder rem;
  Mpfr lambda(slope, 53), point(x, 53);
  mpfr_fms(rem.lo.get(), lambda.get(), point.get(), fx.lo.get(), MPFR_RNDU);
  mpfr_neg(rem.lo.get(), rem.lo.get(), MPFR_RNDN);
  mpfr_fms(rem.hi.get(), lambda.get(), point.get(), fx.hi.get(), MPFR_RNDD);
  mpfr_neg(rem.hi.get(), rem.hi.get(), MPFR_RNDN);
  return rem;
}

// Random intervals of several shapes; ends may be infinite (the enclosure must then hold for every
// real point of the half-line).
struct RandomInterval {
  double l, u;
  const char* shape;
};

RandomInterval random_interval(Rng& rng, bool smooth) {
  auto sorted = [](double a, double b, const char* shape) { return RandomInterval{std::min(a, b), std::max(a, b), shape}; };
  const double u = uniform(rng, 0.0, 1.0);
  if (u < 0.25) {  // crossing zero, with independent magnitudes on each side
    const int lo_exp = static_cast<int>(uniform_int(rng, smooth ? -30 : -60, smooth ? 7 : 60));
    const int hi_exp = static_cast<int>(uniform_int(rng, smooth ? -30 : -60, smooth ? 7 : 60));
    return {-std::ldexp(random_significand(rng), lo_exp), std::ldexp(random_significand(rng), hi_exp), "crossing"};
  }
  if (u < 0.45) {  // moderate ends, or for sigmoid/tanh the range where they bend
    if (smooth) return sorted(uniform(rng, -40.0, 40.0), uniform(rng, -40.0, 40.0), "moderate");
    return sorted(random_moderate(rng), random_moderate(rng), "moderate");
  }
  if (u < 0.65) {  // narrow: a few ulps to a relative 2^-20, or degenerate
    const double c = smooth ? uniform(rng, -30.0, 30.0) : random_moderate(rng);
    if (chance(rng, 0.25)) return {c, c, "degenerate"};
    double hi = c;
    for (std::int64_t k = uniform_int(rng, 1, 6); k > 0; --k) hi = r::up(hi);
    if (chance(rng, 0.5)) hi = c + std::abs(c) * std::ldexp(uniform(rng, 0.0, 1.0), -20) + kTiny;
    return {c, hi, "narrow"};
  }
  if (u < 0.85) return sorted(random_extreme(rng), random_extreme(rng), "extreme");
  if (u < 0.93) {  // near zero, subnormal ends
    return sorted(random_subnormal(rng), chance(rng, 0.5) ? random_subnormal(rng) : 0.0, "subnormal");
  }
  const double end = smooth ? uniform(rng, -20.0, 20.0) : random_moderate(rng);
  if (chance(rng, 0.1)) return {-kInf, kInf, "whole line"};
  return chance(rng, 0.5) ? RandomInterval{-kInf, end, "half-infinite"} : RandomInterval{end, kInf, "half-infinite"};
}

// The real points checked in [l, u]: the finite ends and their inner neighbours, the kink at 0,
// uniformly and log-uniformly drawn interior points, and for half-infinite intervals large ones.
void interval_points(Rng& rng, double l, double u, int interior, std::vector<double>& points) {
  points.clear();
  auto add = [&](double x) {
    if (std::isfinite(x) && l <= x && x <= u) points.push_back(x);
  };
  add(l);
  add(u);
  add(r::up(l));
  add(r::down(u));
  add(0.0);
  add(kTiny);
  add(-kTiny);
  add(kMax);
  add(-kMax);
  const double lo = std::isfinite(l) ? l : -kMax, hi = std::isfinite(u) ? u : kMax;
  for (int k = 0; k < interior; ++k) {
    const double t = uniform(rng, 0.0, 1.0);
    double x = chance(rng, 0.5) ? lo + t * (hi - lo) : lo * (1 - t) + hi * t;  // two roundings of the same
    if (!std::isfinite(x)) x = lo / 2 + hi / 2;
    add(std::clamp(x, lo, hi));
    // Log-uniform magnitudes reach the parts of a wide interval near zero.
    const double magnitude = std::ldexp(random_significand(rng), static_cast<int>(uniform_int(rng, -1074, 1023)));
    add(chance(rng, 0.5) ? magnitude : -magnitude);
  }
}

// The points where f'(x) = λ (f − λx is extremal there; the enclosure's ends must cover them) and
// their neighbours, for tanh (1 − tanh² = λ) and sigmoid (σ(1 − σ) = λ).
void critical_points(bool is_tanh, double slope, std::vector<double>& points) {
  if (!(slope > 0.0) || slope >= (is_tanh ? 1.0 : 0.25)) return;
  Mpfr t(kBits);
  mpfr_set_d(t.get(), slope, MPFR_RNDN);
  if (is_tanh) {  // x* = atanh(√(1 − λ))
    mpfr_ui_sub(t.get(), 1, t.get(), MPFR_RNDN);
    mpfr_sqrt(t.get(), t.get(), MPFR_RNDN);
    mpfr_atanh(t.get(), t.get(), MPFR_RNDN);
  } else {  // σ* = (1 + √(1 − 4λ)) / 2, x* = log(σ* / (1 − σ*))
    Mpfr s(kBits), one_minus(kBits);
    mpfr_mul_ui(t.get(), t.get(), 4, MPFR_RNDN);
    mpfr_ui_sub(t.get(), 1, t.get(), MPFR_RNDN);
    mpfr_sqrt(t.get(), t.get(), MPFR_RNDN);
    mpfr_add_ui(s.get(), t.get(), 1, MPFR_RNDN);
    mpfr_div_2ui(s.get(), s.get(), 1, MPFR_RNDN);
    mpfr_ui_sub(one_minus.get(), 1, s.get(), MPFR_RNDN);
    if (mpfr_sgn(one_minus.get()) <= 0) return;
    mpfr_div(t.get(), s.get(), one_minus.get(), MPFR_RNDN);
    mpfr_log(t.get(), t.get(), MPFR_RNDN);
  }
  const double x = mpfr_get_d(t.get(), MPFR_RNDN);
  if (!std::isfinite(x)) return;
  for (double c : {x, -x}) {
    double below = c, above = c;
    points.push_back(c);
    for (int k = 0; k < 3; ++k) {
      points.push_back(below = r::down(below));
      points.push_back(above = r::up(above));
    }
  }
}

struct EnclosureVariant {
  std::string name;
  bool smooth = false, is_tanh = false;
  // The enclosure over [l, u]; α for the piecewise-linear variants.
  std::function<relax::LinearEnclosure(Rng&, double, double, double& alpha)> make;
  std::int64_t intervals = 0, points = 0, critical = 0;
};

std::string describe(const RandomInterval& iv, const relax::LinearEnclosure& e, double alpha, double x) {
  std::ostringstream s;
  s << iv.shape << " interval [" << hex(iv.l) << ", " << hex(iv.u) << "], alpha " << hex(alpha) << ": slope "
    << hex(e.slope) << ", offset [" << hex(e.offset.lo) << ", " << hex(e.offset.hi) << "], at x = " << hex(x);
  return s.str();
}

// α for the leaky variants: 0, small, 1, a random value in [0, 1], above 1 (concave), or negative
// (not monotone: ONNX's LeakyRelu puts no sign on α, so the networks may carry one).
double random_alpha(Rng& rng) {
  switch (uniform_int(rng, 0, 5)) {
    case 0: return 0.0;
    case 1: return 0.01;
    case 2: return 1.0;
    case 3: return uniform(rng, 0.0, 1.0);
    case 4: return uniform(rng, -2.0, 0.0);
    default: return uniform(rng, 1.0, 4.0);
  }
}

// Any slope is sound once the offset is rigorous: negative, above 1, equal to a piece's slope, huge.
double random_slope(Rng& rng, double alpha) {
  switch (uniform_int(rng, 0, 5)) {
    case 0: return alpha;
    case 1: return 1.0;
    case 2: return uniform(rng, -2.0, 3.0);
    case 3: return random_moderate(rng);
    case 4: return random_extreme(rng);
    default: return uniform(rng, 0.0, 1.0);
  }
}

TEST(ActivationMpfr, LinearEnclosuresHoldAtEndInteriorAndCriticalPoints) {
  const std::uint64_t seed = announce_seed();
  std::vector<EnclosureVariant> variants;
  variants.push_back({"relu minimal-area", false, false, [](Rng&, double l, double u, double& alpha) {
                        alpha = 0.0;
                        return relax::relu(l, u, relax::ReluSlope::MinimalArea);
                      }});
  variants.push_back({"relu smoothed", false, false, [](Rng&, double l, double u, double& alpha) {
                        alpha = 0.0;
                        return relax::relu(l, u, relax::ReluSlope::Smoothed);
                      }});
  variants.push_back({"leaky_relu chord", false, false, [](Rng& rng, double l, double u, double& alpha) {
                        alpha = random_alpha(rng);
                        return relax::leaky_relu(alpha, l, u);
                      }});
  variants.push_back({"piecewise_linear any slope", false, false, [](Rng& rng, double l, double u, double& alpha) {
                        alpha = random_alpha(rng);
                        return relax::piecewise_linear_with_slope(alpha, random_slope(rng, alpha), l, u);
                      }});
  variants.push_back({"sigmoid DeepZ", true, false, [](Rng&, double l, double u, double& alpha) {
                        alpha = 0.0;
                        return relax::sigmoid(l, u);
                      }});
  variants.push_back({"tanh DeepZ", true, true, [](Rng&, double l, double u, double& alpha) {
                        alpha = 0.0;
                        return relax::tanh(l, u);
                      }});

  constexpr int kIntervalsPiecewise = 25'000, kIntervalsSmooth = 5'000;
  int failures = 0;
  std::vector<double> points;
  for (std::size_t v = 0; v < variants.size(); ++v) {
    EnclosureVariant& variant = variants[v];
    const int intervals = variant.smooth ? kIntervalsSmooth : kIntervalsPiecewise;
    const int failures_before = failures;
    for (int k = 0; k < intervals && failures < failures_before + 5; ++k) {
      Rng rng = case_generator(seed, 3 + v, static_cast<std::uint64_t>(k));
      const RandomInterval iv = random_interval(rng, variant.smooth);
      double alpha = 0.0;
      const relax::LinearEnclosure e = variant.make(rng, iv.l, iv.u, alpha);
      ++variant.intervals;
      if (std::isnan(e.slope) || std::isnan(e.offset.lo) || std::isnan(e.offset.hi) || !(e.offset.lo <= e.offset.hi)) {
        ++failures;
        ADD_FAILURE() << variant.name << ": malformed enclosure, " << describe(iv, e, alpha, 0.0);
        continue;
      }
      interval_points(rng, iv.l, iv.u, variant.smooth ? 4 : 8, points);
      if (variant.smooth) {
        std::vector<double> critical;
        critical_points(variant.is_tanh, e.slope, critical);
        for (double x : critical)
          if (iv.l <= x && x <= iv.u) {
            points.push_back(x);
            ++variant.critical;
          }
      }
      for (double x : points) {
        ++variant.points;
        const Remainder rem = variant.smooth
                                  ? smooth_remainder(variant.is_tanh ? mpfr_tanh(x) : mpfr_sigmoid(x), e.slope, x)
                                  : piecewise_remainder(alpha, e.slope, x);
        if (at_most(e.offset.lo, rem.lo) && at_least(e.offset.hi, rem.hi)) continue;
        ++failures;
        ADD_FAILURE() << variant.name << " (seed " << seed << ", interval " << k << "): f(x) - slope*x = ["
                      << rem.lo.to_string(40) << ", " << rem.hi.to_string(40) << "] outside the offset; "
                      << describe(iv, e, alpha, x);
        break;
      }
    }
  }
  EXPECT_EQ(failures, 0);
  for (const EnclosureVariant& variant : variants) {
    std::cout << variant.name << ": " << variant.intervals << " intervals, " << variant.points
              << " points with f(x) - slope*x inside the offset";
    if (variant.smooth) std::cout << " (" << variant.critical << " of them where f'(x) = slope)";
    std::cout << "\n";
    EXPECT_GE(variant.points, 10 * variant.intervals);
    if (variant.smooth) {
      EXPECT_GT(variant.critical, 0);
    }
  }
}

}  // namespace
}  // namespace certnn::soundness
