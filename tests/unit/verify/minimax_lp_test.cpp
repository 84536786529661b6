// The small LP of exact sub-box decisions: its optimum's sign decides feasibility, its point is
// feasible when the system is, and its weights certify infeasibility when it is not.
#include "certnn/verify/minimax_lp.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

#include "random_seed.hpp"

namespace certnn::verify {
namespace {

using Eigen::MatrixXd;
using Eigen::VectorXd;

// min over the box of w·(G x − h), evaluated at the minimising vertex.
double box_minimum(const MatrixXd& g, const VectorXd& h, const VectorXd& w, const VectorXd& lower,
                   const VectorXd& upper) {
  const VectorXd c = g.transpose() * w;
  return c.cwiseProduct(lower).cwiseMin(c.cwiseProduct(upper)).sum() - w.dot(h);
}

TEST(MinimaxLp, AnInfeasibleIntervalIsCertified) {
  // x ≤ 0.3 and x ≥ 0.5 over [0, 1]: the best point is x = 0.4, 0.1 from each row.
  MatrixXd g(2, 1);
  g << 1, -1;
  const VectorXd h = (VectorXd(2) << 0.3, -0.5).finished();
  const auto s = solve_minimax(g, h, VectorXd::Zero(1), VectorXd::Ones(1));
  ASSERT_TRUE(s.has_value());
  EXPECT_GT(s->value, 0.0);
  EXPECT_NEAR(s->point[0], 0.4, 1e-12);
  EXPECT_NEAR(s->weights[0], 0.5, 1e-12);
  EXPECT_NEAR(s->weights[1], 0.5, 1e-12);
  EXPECT_NEAR(box_minimum(g, h, s->weights, VectorXd::Zero(1), VectorXd::Ones(1)), 0.1, 1e-12);
}

TEST(MinimaxLp, TheBoxItselfCanBeWhatMakesASystemInfeasible) {
  // x0 + x1 ≤ −1 has solutions, but none in [0, 1]²; the weight is all on that row.
  MatrixXd g(2, 2);
  g << 1, 1, 1, -1;
  const VectorXd h = (VectorXd(2) << -1.0, 5.0).finished();
  const auto s = solve_minimax(g, h, VectorXd::Zero(2), VectorXd::Ones(2));
  ASSERT_TRUE(s.has_value());
  EXPECT_GT(s->value, 0.0);
  EXPECT_GT(box_minimum(g, h, s->weights, VectorXd::Zero(2), VectorXd::Ones(2)), 0.0);
}

// Random systems over random boxes, many of them on the edge of feasibility: a feasible answer
// comes with a point meeting every row, an infeasible one with weights whose box minimum is
// positive, and no sampled point contradicts an infeasible answer.
TEST(MinimaxLp, RandomSystemsGetAPointOrACertificate) {
  std::mt19937 rng = testing::seeded_generator();
  std::normal_distribution<double> normal;
  std::uniform_int_distribution<int> size(1, 6), rows(1, 12);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  int feasible = 0, infeasible = 0;
  for (int trial = 0; trial < 400; ++trial) {
    const int n = size(rng), m = rows(rng);
    const VectorXd lower = VectorXd::NullaryExpr(n, [&] { return normal(rng); });
    const VectorXd upper = lower + VectorXd::NullaryExpr(n, [&] { return trial % 7 == 0 ? 0.0 : unit(rng); });
    const MatrixXd g = MatrixXd::NullaryExpr(m, n, [&] { return normal(rng); });
    // Thresholds around the rows' values at a random point of the box.
    const VectorXd inside = lower + (upper - lower).cwiseProduct(VectorXd::NullaryExpr(n, [&] { return unit(rng); }));
    const VectorXd h = g * inside + 0.3 * VectorXd::NullaryExpr(m, [&] { return normal(rng); });
    const auto s = solve_minimax(g, h, lower, upper);
    ASSERT_TRUE(s.has_value()) << trial;
    ASSERT_TRUE((s->point.array() >= lower.array()).all() && (s->point.array() <= upper.array()).all());
    EXPECT_NEAR(s->weights.sum(), 1.0, 1e-12);
    EXPECT_TRUE((s->weights.array() >= 0.0).all());
    if (s->value <= 0.0) {
      ++feasible;
      EXPECT_LE(((g * s->point - h).maxCoeff()), 1e-9) << trial;
    } else {
      ++infeasible;
      EXPECT_GT(box_minimum(g, h, s->weights, lower, upper), -1e-12) << trial;
      for (int k = 0; k < 200; ++k) {
        const VectorXd x = lower + (upper - lower).cwiseProduct(VectorXd::NullaryExpr(n, [&] { return unit(rng); }));
        ASSERT_GT((g * x - h).maxCoeff(), 0.0) << trial;
      }
    }
  }
  EXPECT_GT(feasible, 50);
  EXPECT_GT(infeasible, 50);
}

TEST(MinimaxLp, BadDataGivesNothing) {
  const MatrixXd g = MatrixXd::Ones(1, 2);
  const VectorXd h = VectorXd::Ones(1);
  EXPECT_FALSE(solve_minimax(g, h, VectorXd::Ones(2), VectorXd::Zero(2)).has_value());
  VectorXd nan = h;
  nan[0] = std::numeric_limits<double>::quiet_NaN();
  EXPECT_FALSE(solve_minimax(g, nan, VectorXd::Zero(2), VectorXd::Ones(2)).has_value());
  EXPECT_FALSE(solve_minimax(MatrixXd(0, 2), VectorXd(0), VectorXd::Zero(2), VectorXd::Ones(2)).has_value());
}

}  // namespace
}  // namespace certnn::verify
