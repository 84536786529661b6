// Predictions and the exact check of a success (attack/prediction.hpp): a float64 tie that the
// exact outputs break the other way is no adversarial example, for the check nor for PGD; clear
// margins are decided.
#include "certnn/attack/prediction.hpp"

#include <gtest/gtest.h>

#include "certnn/attack/objective.hpp"
#include "certnn/attack/pgd.hpp"

namespace certnn::attack {
namespace {

// y0 = 3·x, y1 = 1. At x = fl(1/3), 3·x = 1 − 2⁻⁵⁴ exactly (so y1 wins) but rounds to 1 in
// float64, where the tie goes to the first class.
model::Network rounding_tie() {
  model::Network network({1, 1});
  Eigen::MatrixXd weight(2, 1);
  weight << 3.0, 0.0;
  network.set_output(network.add("linear", model::Dense{weight, Eigen::Vector2d(0.0, 1.0)}, {model::kInputValue}));
  return network;
}

TEST(Prediction, AFloat64TieIsNotAnExactSuccess) {
  const model::Network network = rounding_tie();
  const Eigen::VectorXd x = Eigen::VectorXd::Constant(1, 1.0 / 3.0);
  ASSERT_EQ(predict(network, x).front(), 0);  // float64: y0 = y1 = 1, the first wins
  EXPECT_TRUE(reaches_goal(0, 1, std::nullopt));
  // Exactly y1 > y0 by 2⁻⁵⁴, inside the width of the outward-rounded enclosures: too close to
  // call either way, and never a success.
  EXPECT_FALSE(reaches_goal_exactly(network, x, 1, std::nullopt));
  EXPECT_FALSE(reaches_goal_exactly(network, x, 0, std::nullopt));
  EXPECT_FALSE(reaches_goal_exactly(network, x, 1, std::int64_t{0}));
  EXPECT_FALSE(reaches_goal_exactly(network, x, 0, std::int64_t{1}));

  Options options;
  options.eps = 0.0;
  const std::int64_t label[] = {1};
  EXPECT_FALSE(pgd(network, x, label, options).front().success);
}

TEST(Prediction, ClearMarginsAreDecidedBothWays) {
  const model::Network network = rounding_tie();
  const Eigen::VectorXd above = Eigen::VectorXd::Constant(1, 0.5), below = Eigen::VectorXd::Constant(1, 0.25);
  EXPECT_TRUE(reaches_goal_exactly(network, above, 1, std::nullopt));
  EXPECT_FALSE(reaches_goal_exactly(network, above, 0, std::nullopt));
  EXPECT_TRUE(reaches_goal_exactly(network, below, 0, std::nullopt));
  EXPECT_TRUE(reaches_goal_exactly(network, below, 0, std::int64_t{1}));
  EXPECT_FALSE(reaches_goal_exactly(network, below, 1, std::int64_t{0}));
}

}  // namespace
}  // namespace certnn::attack
