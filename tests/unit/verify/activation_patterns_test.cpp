// Exact decisions by sign patterns, on the closed-form network y0 = |x0| + |x1|, y1 = x0 − x1
// over [-1, 1]², where all four ReLUs are unstable: the conjunction y0 ≤ t ∧ y1 ≥ s is
// satisfiable exactly when s ≤ t (at x = (s, 0) when 0 ≤ s ≤ t ≤ 1), a fact CROWN's separate
// constraint bounds cannot see. Unsatisfiable conjunctions must be proved; satisfiable ones never
// are, and may yield a counterexample (a piece's LP point can sit on its boundary, where the
// rigorous check declines it).
#include "certnn/verify/activation_patterns.hpp"

#include <gtest/gtest.h>

#include <random>

#include "certnn/model/forward.hpp"
#include "l1_network.hpp"
#include "random_seed.hpp"

namespace certnn::verify {
namespace {

using Eigen::VectorXd;

Group conjunction(double t, double s) {
  spec::Disjunct d{VectorXd::Constant(2, -1.0), VectorXd::Constant(2, 1.0), {}};
  d.output.push_back(spec::OutputConstraint{(VectorXd(2) << 1, 0).finished(), Interval::point(t)});
  d.output.push_back(spec::OutputConstraint{(VectorXd(2) << 0, -1).finished(), Interval::point(-s)});
  return group_disjuncts(spec::Property{2, 2, {d}}).front();
}

TEST(ActivationPatterns, CountsTheUnstableNeuronsUpToALimit) {
  const model::Network network = testing::l1_network();
  const Group group = conjunction(0.5, 0.6);
  const bounds::Region region = bounds::crown_region(network, group.box, bounds::Inference::Exact);
  ASSERT_TRUE(unstable_neurons(network, region, 4).has_value());
  EXPECT_EQ(unstable_neurons(network, region, 4)->size(), 4u);
  EXPECT_FALSE(unstable_neurons(network, region, 3).has_value());
  const bounds::Region positive = bounds::crown_region(network, bounds::Box{VectorXd::Constant(2, 0.5), VectorXd::Ones(2)},
                                                       bounds::Inference::Exact);
  EXPECT_EQ(unstable_neurons(network, positive, 0)->size(), 0u);
}

TEST(ActivationPatterns, DecideConjunctionsExactly) {
  std::mt19937 rng = testing::seeded_generator();
  std::uniform_real_distribution<double> threshold(0.05, 0.95), gap(1e-3, 0.2);
  const model::Network network = testing::l1_network();
  int witnesses = 0;
  for (int trial = 0; trial < 60; ++trial) {
    const double t = threshold(rng);
    const bool satisfiable = trial % 2 == 0;
    const double s = satisfiable ? t - gap(rng) : t + gap(rng);
    const Group group = conjunction(t, s);
    const bounds::Region region = bounds::crown_region(network, group.box, bounds::Inference::Exact);
    OpenDisjuncts open{1};
    const auto witness = decide_by_patterns(network, region, group, 8, 64, open);
    if (satisfiable) {
      // Never proved; a counterexample, when the pieces' LP points give one, really is one.
      EXPECT_EQ(open[0], 1) << "t " << t << " s " << s;
      if (witness) {
        const VectorXd y = model::forward<double>(network, model::Batch<double>(witness->input)).col(0);
        EXPECT_LE(y[0], t);
        EXPECT_GE(y[1], s);
        ++witnesses;
      }
    } else {
      EXPECT_FALSE(witness.has_value());
      EXPECT_EQ(open[0], 0) << "t " << t << " s " << s;
    }
  }
  EXPECT_GT(witnesses, 0);
}

// Disjuncts already closed are left alone, and a region with more unstable neurons than allowed
// is left undecided.
TEST(ActivationPatterns, ClosedDisjunctsAndTheLimitAreRespected) {
  const model::Network network = testing::l1_network();
  const Group group = conjunction(0.5, 0.6);
  const bounds::Region region = bounds::crown_region(network, group.box, bounds::Inference::Exact);
  OpenDisjuncts closed{0};
  EXPECT_FALSE(decide_by_patterns(network, region, group, 8, 64, closed).has_value());
  EXPECT_EQ(closed[0], 0);
  OpenDisjuncts open{1};
  EXPECT_FALSE(decide_by_patterns(network, region, group, 3, 64, open).has_value());
  EXPECT_EQ(open[0], 1);
  EXPECT_FALSE(decide_by_patterns(network, region, group, 4, 64, open).has_value());
  EXPECT_EQ(open[0], 0);
}

}  // namespace
}  // namespace certnn::verify
