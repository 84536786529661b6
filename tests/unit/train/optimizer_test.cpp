// The optimisers minimise a strictly convex quadratic f(θ) = ½ θᵀAθ − cᵀθ (A diagonal, positive)
// to its minimiser θ* = A⁻¹c, and the learning-rate schedules take their documented values.
#include <gtest/gtest.h>

#include <cmath>

#include "certnn/core/error.hpp"
#include "certnn/train/optimizer.hpp"
#include "certnn/train/schedule.hpp"

namespace certnn::train {
namespace {

struct Quadratic {
  Eigen::VectorXd curvature{{1.0, 4.0, 0.25}};  // A's diagonal: condition number 16
  Eigen::VectorXd linear{{1.0, -2.0, 0.5}};     // c
  Eigen::VectorXd gradient(const Eigen::VectorXd& theta) const {
    return curvature.cwiseProduct(theta) - linear;
  }
  Eigen::VectorXd minimiser() const { return linear.cwiseQuotient(curvature); }
};

Eigen::VectorXd minimise(const OptimizerOptions& options, double rate, int steps) {
  const Quadratic f;
  Eigen::VectorXd theta = Eigen::VectorXd::Zero(3);
  Optimizer optimizer(options, theta.size());
  for (int t = 0; t < steps; ++t) optimizer.step(theta, f.gradient(theta), rate);
  return theta;
}

TEST(Optimizer, SgdWithMomentumConvergesOnAQuadratic) {
  OptimizerOptions options;
  options.momentum = 0.9;
  const Eigen::VectorXd theta = minimise(options, 0.05, 1000);
  EXPECT_LT((theta - Quadratic{}.minimiser()).norm(), 1e-8);
}

TEST(Optimizer, PlainGradientDescentConvergesOnAQuadratic) {
  OptimizerOptions options;
  options.momentum = 0.0;
  const Eigen::VectorXd theta = minimise(options, 0.2, 1000);
  EXPECT_LT((theta - Quadratic{}.minimiser()).norm(), 1e-8);
}

TEST(Optimizer, AdamConvergesOnAQuadratic) {
  OptimizerOptions options;
  options.kind = OptimizerKind::Adam;
  // Adam's steps have size about η whatever the gradient's scale; a decaying rate settles it.
  const Quadratic f;
  Eigen::VectorXd theta = Eigen::VectorXd::Zero(3);
  Optimizer optimizer(options, theta.size());
  const int steps = 3000;
  for (int t = 0; t < steps; ++t) optimizer.step(theta, f.gradient(theta), learning_rate_at(Schedule::Cosine, 0.1, t, steps));
  EXPECT_LT((theta - f.minimiser()).norm(), 1e-4);
  EXPECT_EQ(optimizer.steps_taken(), steps);
}

TEST(Optimizer, AdamFirstStepHasTheLearningRateInEveryCoordinate) {
  // After bias correction, m̂ = g and v̂ = g², so the first step is η·g/(|g| + ε) ≈ η·sign(g).
  OptimizerOptions options;
  options.kind = OptimizerKind::Adam;
  Eigen::VectorXd theta = Eigen::VectorXd::Zero(3);
  Optimizer optimizer(options, 3);
  optimizer.step(theta, Eigen::VectorXd{{1e-3, -5.0, 200.0}}, 0.01);
  EXPECT_NEAR(theta[0], -0.01, 1e-7);
  EXPECT_NEAR(theta[1], 0.01, 1e-10);
  EXPECT_NEAR(theta[2], -0.01, 1e-10);
}

TEST(Optimizer, RejectsMismatchedLengthsAndInvalidSettings) {
  Optimizer optimizer({}, 3);
  Eigen::VectorXd theta = Eigen::VectorXd::Zero(2);
  EXPECT_THROW(optimizer.step(theta, Eigen::VectorXd::Zero(2), 0.1), ShapeError);
  OptimizerOptions bad;
  bad.momentum = 1.0;
  EXPECT_THROW(Optimizer(bad, 3), Error);
}

TEST(Schedule, TakesTheDocumentedValues) {
  EXPECT_EQ(learning_rate_at(Schedule::Constant, 0.5, 7, 10), 0.5);
  EXPECT_EQ(learning_rate_at(Schedule::Step, 1.0, 4, 10), 1.0);
  EXPECT_EQ(learning_rate_at(Schedule::Step, 1.0, 5, 10), 0.1);
  EXPECT_EQ(learning_rate_at(Schedule::Step, 1.0, 6, 10), 0.1);
  EXPECT_EQ(learning_rate_at(Schedule::Step, 1.0, 7, 10), 0.01);  // ⌊3·10/4⌋ = 7
  EXPECT_EQ(learning_rate_at(Schedule::Cosine, 2.0, 0, 10), 2.0);
  EXPECT_NEAR(learning_rate_at(Schedule::Cosine, 2.0, 5, 10), 1.0, 1e-15);
  EXPECT_GT(learning_rate_at(Schedule::Cosine, 2.0, 9, 10), 0.0);
}

}  // namespace
}  // namespace certnn::train
