// The hinge losses of linear_loss.hpp: their gradients agree with central finite differences
// away from the kinks, the robust loss is the worst case of the standard one over the L∞ ball,
// and a dataset with other than two classes is refused by name.
#include <gtest/gtest.h>

#include <cmath>

#include "certnn/core/error.hpp"
#include "certnn/train/linear_loss.hpp"
#include "random_seed.hpp"
#include "train/synthetic_data.hpp"

namespace certnn::train {
namespace {

constexpr double kStep = 1e-6;  // finite-difference step
// The hinge and ‖w‖₁ are piecewise linear, so away from kinks central differences are exact up
// to rounding: about u·|L|/h.
constexpr double kGradientTolerance = 1e-7;

// Whether a step of kStep in any parameter can cross a kink: a hinge argument or a weight within
// reach of zero. ‖x‖₁ + 1 bounds how far one step moves an argument.
bool near_a_kink(const LinearClassifier& c, const Eigen::MatrixXd& x, const Eigen::VectorXd& y,
                 const LinearObjective& objective) {
  const double reach = 10.0 * kStep * (x.cwiseAbs().colwise().sum().maxCoeff() + 1.0 + objective.eps * x.rows());
  const Eigen::VectorXd scores = c.scores(x);
  const double robust = objective.mode == LinearMode::LinearRobust ? objective.eps * c.weight.lpNorm<1>() : 0.0;
  for (Eigen::Index i = 0; i < x.cols(); ++i)
    if (std::abs(1.0 - y[i] * scores[i] + robust) < reach) return true;
  return (c.weight.array().abs() < 10.0 * kStep).any();
}

void expect_gradient_matches_differences(const LinearObjective& objective) {
  std::mt19937 generator = testing::seeded_generator();
  std::normal_distribution<double> normal(0.0, 1.0);
  const data::Dataset dataset = testing::synthetic_binary_dataset(40, 5, generator());
  const Eigen::VectorXd targets = binary_targets(dataset);
  int checked = 0;
  for (int trial = 0; trial < 50 && checked < 10; ++trial) {
    LinearClassifier c{Eigen::VectorXd::NullaryExpr(6, [&] { return normal(generator); }), normal(generator)};
    if (near_a_kink(c, dataset.inputs, targets, objective)) continue;
    ++checked;
    const LossAndGradient at = linear_loss(c, dataset.inputs, targets, objective);
    for (Eigen::Index j = 0; j <= c.weight.size(); ++j) {
      LinearClassifier plus = c, minus = c;
      double& p = j < c.weight.size() ? plus.weight[j] : plus.bias;
      double& m = j < c.weight.size() ? minus.weight[j] : minus.bias;
      p += kStep;
      m -= kStep;
      const double difference = (linear_loss(plus, dataset.inputs, targets, objective).loss -
                                 linear_loss(minus, dataset.inputs, targets, objective).loss) /
                                (2.0 * kStep);
      const double analytic = j < c.weight.size() ? at.weight_gradient[j] : at.bias_gradient;
      EXPECT_NEAR(analytic, difference, kGradientTolerance * (1.0 + std::abs(difference))) << "parameter " << j;
    }
  }
  EXPECT_GE(checked, 5) << "too few points away from the kinks";
}

TEST(LinearLoss, StandardGradientMatchesFiniteDifferences) {
  expect_gradient_matches_differences({LinearMode::Standard, 0.0, 0.0});
}

TEST(LinearLoss, StandardGradientWithWeightDecayMatchesFiniteDifferences) {
  expect_gradient_matches_differences({LinearMode::Standard, 0.0, 0.3});
}

TEST(LinearLoss, RobustGradientMatchesFiniteDifferences) {
  expect_gradient_matches_differences({LinearMode::LinearRobust, 0.05, 0.0});
  expect_gradient_matches_differences({LinearMode::LinearRobust, 0.2, 0.1});
}

TEST(LinearLoss, RobustLossIsTheStandardLossAtTheWorstCasePoints) {
  const data::Dataset dataset = testing::synthetic_binary_dataset(30, 4, 7);
  const Eigen::VectorXd targets = binary_targets(dataset);
  const LinearClassifier c{Eigen::VectorXd{{2.0, -0.5, 0.25, 0.0, 1.0}}, -1.0};
  const double eps = 0.1;
  Eigen::MatrixXd worst(dataset.inputs.rows(), dataset.size());
  for (Eigen::Index s = 0; s < dataset.size(); ++s)
    worst.col(s) = linear_worst_case_point(c, dataset.inputs.col(s), targets[s], eps);
  const double robust = linear_loss(c, dataset.inputs, targets, {LinearMode::LinearRobust, eps, 0.0}).loss;
  const double at_worst = linear_loss(c, worst, targets, {LinearMode::Standard, 0.0, 0.0}).loss;
  EXPECT_NEAR(robust, at_worst, 1e-12);
  EXPECT_GT(robust, linear_loss(c, dataset.inputs, targets, {}).loss);
}

TEST(LinearLoss, WorstCasePointStaysInTheClippedBall) {
  const LinearClassifier c{Eigen::VectorXd{{1.0, -1.0, 0.0}}, 0.0};
  const Eigen::VectorXd x{{0.05, 0.5, 0.3}};
  // y = +1: the score falls by moving x₀ down and x₁ up; x₂ has no weight and stays.
  const Eigen::VectorXd clipped = linear_worst_case_point(c, x, 1.0, 0.1, bounds::Domain{0.0, 1.0});
  EXPECT_EQ(clipped, (Eigen::VectorXd{{0.0, 0.6, 0.3}}));
  const Eigen::VectorXd free = linear_worst_case_point(c, x, -1.0, 0.1);
  EXPECT_NEAR(free[0], 0.15, 1e-15);
  EXPECT_NEAR(free[1], 0.4, 1e-15);
  EXPECT_EQ(free[2], 0.3);
}

TEST(LinearLoss, RefusesADatasetWithoutExactlyTwoClasses) {
  data::Dataset three = testing::synthetic_binary_dataset(6, 1, 1);
  three.name = "three-way";
  three.classes = 3;
  three.labels[0] = 2;
  try {
    binary_targets(three);
    FAIL() << "no error";
  } catch (const Error& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("'three-way' has 3 classes (labels 0, 1, 2)"), std::string::npos) << message;
  }
}

}  // namespace
}  // namespace certnn::train
