// The activation enclosures of bounds/relax: the seed paper's worked values, and enclosure of the
// activation at dense points of random intervals (the MPFR-exact check is in tests/soundness).
#include "certnn/bounds/relax/activation.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <random>

#include "random_seed.hpp"

namespace certnn::bounds::relax {
namespace {

TEST(RelaxActivation, SmoothedReluFactorMatchesTheSeedPaper) {
  EXPECT_NEAR(smoothed_relu_factor(0.2), 0.0223, 5e-5);
  EXPECT_DOUBLE_EQ(smoothed_relu_factor(0.5), 0.5);
  EXPECT_NEAR(smoothed_relu_factor(0.8), 0.9777, 5e-5);
}

TEST(RelaxActivation, SmoothedReluOnMinusOneToThree) {
  const LinearEnclosure e = relu(-1.0, 3.0, ReluSlope::Smoothed);
  // Range of λx + [a, b] over [−1, 3].
  EXPECT_NEAR(-e.slope + e.offset.lo, -0.711, 1e-3);
  EXPECT_NEAR(3.0 * e.slope + e.offset.hi, 3.0, 1e-9);
}

TEST(RelaxActivation, MinimalAreaReluIsTheTriangleParallelogram) {
  const LinearEnclosure e = relu(-1.0, 3.0);
  EXPECT_DOUBLE_EQ(e.slope, 0.75);
  EXPECT_EQ(e.offset.lo, 0.0);
  EXPECT_NEAR(e.offset.hi, 0.75, 1e-15);
  EXPECT_GE(e.offset.hi, 0.75);
}

TEST(RelaxActivation, StableNeuronsAreExact) {
  EXPECT_EQ(relu(-3.0, -1.0).slope, 0.0);
  EXPECT_EQ(relu(1.0, 3.0).slope, 1.0);
  EXPECT_EQ(relu(1.0, 3.0).offset.hi, 0.0);
  EXPECT_EQ(leaky_relu(0.1, -3.0, -1.0).slope, 0.1);
  EXPECT_EQ(leaky_relu(0.1, -3.0, -1.0).offset.hi, 0.0);
}

TEST(RelaxActivation, InfiniteEndsGiveFiniteOrInfiniteButNeverNaN) {
  const double inf = std::numeric_limits<double>::infinity();
  for (const LinearEnclosure& e : {relu(-inf, 1.0), relu(-1.0, inf), leaky_relu(0.2, -inf, inf), sigmoid(-inf, inf),
                                   tanh(-inf, 2.0), tanh(-2.0, inf)}) {
    EXPECT_FALSE(std::isnan(e.slope));
    EXPECT_FALSE(std::isnan(e.offset.lo));
    EXPECT_FALSE(std::isnan(e.offset.hi));
    EXPECT_LE(e.offset.lo, e.offset.hi);
  }
  // Slope 0: the offset is the range (0, 1), rounded outward by at most a few ulps.
  EXPECT_EQ(sigmoid(-inf, inf).slope, 0.0);
  EXPECT_NEAR(sigmoid(-inf, inf).offset.lo, 0.0, 1e-300);
  EXPECT_NEAR(sigmoid(-inf, inf).offset.hi, 1.0, 1e-15);
}

TEST(RelaxActivation, EncloseTheActivationOnRandomIntervals) {
  std::mt19937 rng = testing::seeded_generator();
  std::uniform_real_distribution<double> centre(-6.0, 6.0), log_width(-8.0, 1.5), alpha(0.0, 3.0);
  using Relaxation = std::function<LinearEnclosure(double, double)>;
  for (int trial = 0; trial < 2000; ++trial) {
    const double c = centre(rng), w = std::pow(10.0, log_width(rng)), a = alpha(rng);
    const double l = c - w, u = c + w;
    const std::vector<std::pair<std::function<double(double)>, Relaxation>> cases = {
        {[](double x) { return std::max(x, 0.0); }, [](double l, double u) { return relu(l, u); }},
        {[](double x) { return std::max(x, 0.0); }, [](double l, double u) { return relu(l, u, ReluSlope::Smoothed); }},
        {[a](double x) { return x >= 0 ? x : a * x; }, [a](double l, double u) { return leaky_relu(a, l, u); }},
        {[](double x) { return 1.0 / (1.0 + std::exp(-x)); }, [](double l, double u) { return sigmoid(l, u); }},
        {[](double x) { return std::tanh(x); }, [](double l, double u) { return tanh(l, u); }},
    };
    for (const auto& [f, relaxation] : cases) {
      const LinearEnclosure e = relaxation(l, u);
      for (int k = 0; k <= 64; ++k) {
        const double x = k == 64 ? u : l + (u - l) * k / 64.0;
        // Long double evaluation of the remainder; the slack covers libm and the long double steps.
        const long double remainder = static_cast<long double>(f(x)) - static_cast<long double>(e.slope) * x;
        const long double slack = 4e-16L * (1.0L + std::abs(static_cast<long double>(f(x))));
        ASSERT_GE(remainder + slack, e.offset.lo) << "l=" << l << " u=" << u << " x=" << x;
        ASSERT_LE(remainder - slack, e.offset.hi) << "l=" << l << " u=" << u << " x=" << x;
      }
    }
  }
}

}  // namespace
}  // namespace certnn::bounds::relax
