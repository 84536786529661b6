// core/rounding.hpp's directed operations against MPFR: *_down(a, b) ≤ a ∘ b ≤ *_up(a, b) for the
// exact real result, on moderate and extreme operands (zeros, subnormals, near overflow), and the
// result is the round-to-nearest value itself whenever that is exact.
#include <gtest/gtest.h>

#include <functional>

#include "certnn/core/rounding.hpp"
#include "mpfr_reference.hpp"
#include "random_doubles.hpp"
#include "test_seed.hpp"

namespace certnn::soundness {
namespace {

namespace r = certnn::rounding;
constexpr mpfr_prec_t kBits = 2200;  // sums of doubles of any exponents are exact at this precision

struct Operation {
  const char* name;
  std::function<double(double, double)> down, up, nearest;
  std::function<int(mpfr_ptr, mpfr_srcptr, mpfr_srcptr)> exact;  // returns MPFR's ternary value
};

const std::vector<Operation>& operations() {
  static const std::vector<Operation> ops = {
      {"add", r::add_down, r::add_up, [](double a, double b) { return a + b; },
       [](mpfr_ptr z, mpfr_srcptr a, mpfr_srcptr b) { return mpfr_add(z, a, b, MPFR_RNDN); }},
      {"sub", r::sub_down, r::sub_up, [](double a, double b) { return a - b; },
       [](mpfr_ptr z, mpfr_srcptr a, mpfr_srcptr b) { return mpfr_sub(z, a, b, MPFR_RNDN); }},
      {"mul", r::mul_down, r::mul_up, [](double a, double b) { return a * b; },
       [](mpfr_ptr z, mpfr_srcptr a, mpfr_srcptr b) { return mpfr_mul(z, a, b, MPFR_RNDN); }},
      {"div", r::div_down, r::div_up, [](double a, double b) { return a / b; },
       [](mpfr_ptr z, mpfr_srcptr a, mpfr_srcptr b) { return mpfr_div(z, a, b, MPFR_RNDN); }},
      {"sqrt", [](double a, double) { return r::sqrt_down(a); }, [](double a, double) { return r::sqrt_up(a); },
       [](double a, double) { return std::sqrt(a); },
       [](mpfr_ptr z, mpfr_srcptr a, mpfr_srcptr) { return mpfr_sqrt(z, a, MPFR_RNDN); }},
  };
  return ops;
}

TEST(DirectedRounding, EnclosesTheExactResultAndIsTightWhenExact) {
  Rng rng(announce_seed());
  constexpr int kCases = 200'000;
  int exact_cases = 0;
  for (int k = 0; k < kCases; ++k) {
    const bool extreme = chance(rng, 0.5);
    double a = extreme ? random_extreme(rng) : random_moderate(rng);
    double b = extreme ? random_extreme(rng) : random_moderate(rng);
    if (chance(rng, 0.1)) b = a;  // cancellation and squares
    for (const Operation& op : operations()) {
      const double lo = op.down(a, b), hi = op.up(a, b), nearest = op.nearest(a, b);
      if (std::isnan(nearest)) continue;  // 0/0, ∞ − ∞, √(−1): no real result
      if (std::string(op.name) == "div" && b == 0.0) continue;
      const Mpfr x(a, kBits), y(b, kBits);
      Mpfr z(kBits);
      const int inexact = op.exact(z.get(), x.get(), y.get());
      if (!mpfr_number_p(z.get())) continue;  // an infinite operand
      ASSERT_TRUE(at_most(lo, z) && at_least(hi, z))
          << op.name << "(" << hex(a) << ", " << hex(b) << ") = " << z.to_string() << " not in [" << hex(lo) << ", "
          << hex(hi) << "]";
      // An exact result representable as a double comes back unchanged (no needless widening).
      if (inexact == 0 && mpfr_get_d(z.get(), MPFR_RNDN) == nearest && std::abs(nearest) >= 0x1p-900 &&
          std::abs(nearest) <= 0x1p900 && std::abs(a) >= 0x1p-900 && (b == 0.0 || std::abs(b) >= 0x1p-900)) {
        const Mpfr back(nearest, kBits);
        if (mpfr_equal_p(back.get(), z.get())) {
          ASSERT_EQ(lo, nearest) << op.name << "(" << hex(a) << ", " << hex(b) << ")";
          ASSERT_EQ(hi, nearest) << op.name << "(" << hex(a) << ", " << hex(b) << ")";
          ++exact_cases;
        }
      }
    }
  }
  std::cout << kCases << " operand pairs, " << exact_cases << " exact results kept exact\n";
  EXPECT_GT(exact_cases, kCases / 20);
}

}  // namespace
}  // namespace certnn::soundness
