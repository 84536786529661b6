// Exact decisions by sign patterns, on the closed-form conjunctions of l1_conjunctions.hpp:
// unsatisfiable ones must be proved; satisfiable ones never are, and may yield a counterexample
// (a piece's LP point can sit on its boundary, where the rigorous check declines it).
#include "certnn/verify/activation_patterns.hpp"

#include <gtest/gtest.h>

#include "l1_conjunctions.hpp"

namespace certnn::verify {
namespace {

using Eigen::VectorXd;

TEST(ActivationPatterns, CountsTheUnstableNeuronsUpToALimit) {
  const model::Network network = testing::l1_network();
  const Group group = testing::l1_conjunction(0.5, 0.6);
  const bounds::Region region = bounds::crown_region(network, group.box, bounds::Inference::Exact);
  ASSERT_TRUE(unstable_neurons(network, region, 4).has_value());
  EXPECT_EQ(unstable_neurons(network, region, 4)->size(), 4u);
  EXPECT_FALSE(unstable_neurons(network, region, 3).has_value());
  const bounds::Region positive = bounds::crown_region(network, bounds::Box{VectorXd::Constant(2, 0.5), VectorXd::Ones(2)},
                                                       bounds::Inference::Exact);
  EXPECT_EQ(unstable_neurons(network, positive, 0)->size(), 0u);
}

TEST(ActivationPatterns, DecideConjunctionsExactly) {
  testing::check_l1_conjunctions(60, [](const model::Network& network, const bounds::Region& region,
                                         const Group& group, OpenDisjuncts& open) {
    return decide_by_patterns(network, region, group, 8, 64, open);
  });
}

// Disjuncts already closed are left alone, and a region with more unstable neurons than allowed
// is left undecided.
TEST(ActivationPatterns, ClosedDisjunctsAndTheLimitAreRespected) {
  const model::Network network = testing::l1_network();
  const Group group = testing::l1_conjunction(0.5, 0.6);
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
