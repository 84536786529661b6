// Exact decisions by enumerating linear pieces (verify/linear_pieces.hpp). On the closed-form
// network y0 = |x0| + |x1|, y1 = x0 − x1 over [-1, 1]², the conjunction y0 ≤ t ∧ y1 ≥ s is
// satisfiable exactly when s ≤ t: unsatisfiable ones must be proved, satisfiable ones never are,
// and a returned counterexample must be one. Networks with layers the enclosed forms do not pass,
// and LP budgets too small to finish, must leave every disjunct open. On random two-layer ReLU
// networks the verdicts are checked against dense sampling (a disjunct a grid point satisfies is
// never proved) and against a rigorous CROWN bound (a disjunct below it is always proved).
#include "certnn/verify/linear_pieces.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <iostream>
#include <random>
#include <string>
#include <utility>

#include "certnn/bounds/back_substitution.hpp"
#include "certnn/model/forward.hpp"
#include "certnn/verify/enclosed_forms.hpp"
#include "l1_conjunctions.hpp"
#include "random_seed.hpp"

namespace certnn::verify {
namespace {

using Eigen::MatrixXd;
using Eigen::VectorXd;

constexpr int kManyLps = 4000;

// The unsafe set y0 − y1 ≤ b over [-1, 1]².
Group difference_at_most(double b) {
  spec::Disjunct d{VectorXd::Constant(2, -1.0), VectorXd::Constant(2, 1.0), {}};
  d.output.push_back(spec::OutputConstraint{(VectorXd(2) << 1, -1).finished(), Interval::point(b)});
  return group_disjuncts(spec::Property{2, 2, {d}}).front();
}

VectorXd forward_at(const model::Network& network, const VectorXd& x) {
  return model::forward<double>(network, model::Batch<double>(x)).col(0);
}

TEST(LinearPieces, DecideConjunctionsOfTheL1NetworkExactly) {
  testing::check_l1_conjunctions(40, [](const model::Network& network, const bounds::Region& region,
                                         const Group& group, OpenDisjuncts& open) {
    return decide_by_linear_pieces(network, region, group, kManyLps, open);
  });
}

// The same network with sigmoids for ReLUs: the forms do not pass them, so nothing is decided,
// neither the infeasible conjunction nor the one every input satisfies.
TEST(LinearPieces, UnsupportedLayersLeaveEverythingOpen) {
  model::Network network({2});
  MatrixXd hidden(4, 2);
  hidden << 1, 0, -1, 0, 0, 1, 0, -1;
  MatrixXd out(2, 4);
  out << 1, 1, 1, 1, 1, -1, 0, 0;
  const auto h = network.add("hidden", model::Dense{hidden, VectorXd::Zero(4)}, {model::kInputValue});
  const auto a = network.add("sigmoid", model::Sigmoid{}, {h});
  network.set_output(network.add("out", model::Dense{out, VectorXd::Zero(2)}, {a}));
  ASSERT_FALSE(FormCalculus::supports(network));
  // y0 = σ(x0) + σ(−x0) + σ(x1) + σ(−x1) = 2 and |y1| < 1: y0 ≤ 1 is infeasible, and every input
  // satisfies y0 ≤ 10 ∧ y1 ≥ −10.
  for (const auto& [t, s] : {std::pair{1.0, -10.0}, std::pair{10.0, -10.0}}) {
    const Group group = testing::l1_conjunction(t, s);
    const bounds::Region region = bounds::crown_region(network, group.box, bounds::Inference::Exact);
    OpenDisjuncts open{1};
    EXPECT_FALSE(decide_by_linear_pieces(network, region, group, kManyLps, open).has_value()) << t;
    EXPECT_EQ(open[0], 1) << t;
  }
}

// An infeasible conjunction needs LPs on all four unstable ReLUs: a budget of up to two LPs runs
// out before the pieces are decided and proves nothing. With the budget it needs, it is proved.
TEST(LinearPieces, AnExhaustedBudgetProvesNothing) {
  const model::Network network = testing::l1_network();
  const Group group = testing::l1_conjunction(0.5, 0.6);
  const bounds::Region region = bounds::crown_region(network, group.box, bounds::Inference::Exact);
  for (int budget : {0, 1, 2}) {
    OpenDisjuncts open{1};
    EXPECT_FALSE(decide_by_linear_pieces(network, region, group, budget, open).has_value()) << budget;
    EXPECT_EQ(open[0], 1) << budget;
  }
  OpenDisjuncts open{1};
  EXPECT_FALSE(decide_by_linear_pieces(network, region, group, kManyLps, open).has_value());
  EXPECT_EQ(open[0], 0);
}

// A disjunct already closed is not reopened, and a satisfiable one that is closed yields no
// counterexample (only open disjuncts are searched).
TEST(LinearPieces, ClosedDisjunctsStayClosed) {
  const model::Network network = testing::l1_network();
  for (const auto& [t, s] : {std::pair{0.5, 0.6}, std::pair{0.5, 0.2}}) {
    const Group group = testing::l1_conjunction(t, s);
    const bounds::Region region = bounds::crown_region(network, group.box, bounds::Inference::Exact);
    OpenDisjuncts closed{0};
    EXPECT_FALSE(decide_by_linear_pieces(network, region, group, kManyLps, closed).has_value()) << s;
    EXPECT_EQ(closed[0], 0) << s;
  }
}

// 2 → h1 → ReLU → h2 → ReLU → 2, weights N(0, 1/fan-in), biases uniform in [-0.5, 0.5].
model::Network random_relu_network(std::mt19937& rng) {
  std::normal_distribution<double> normal;
  std::uniform_real_distribution<double> bias(-0.5, 0.5);
  std::uniform_int_distribution<int> width(6, 8);
  const Eigen::Index h1 = width(rng), h2 = width(rng);
  const auto dense = [&](Eigen::Index in, Eigen::Index out) {
    const double scale = 1.0 / std::sqrt(static_cast<double>(in));
    return model::Dense{MatrixXd::NullaryExpr(out, in, [&] { return scale * normal(rng); }),
                        VectorXd::NullaryExpr(out, [&] { return bias(rng); })};
  };
  model::Network network({2});
  auto v = network.add("dense_1", dense(2, h1), {model::kInputValue});
  v = network.add("relu_1", model::Relu{}, {v});
  v = network.add("dense_2", dense(h1, h2), {v});
  v = network.add("relu_2", model::Relu{}, {v});
  network.set_output(network.add("dense_3", dense(h2, 2), {v}));
  return network;
}

// y0 − y1 at every point of a (k + 1) × (k + 1) grid over [-1, 1]², points as columns.
struct Grid {
  MatrixXd points;
  VectorXd difference;
};
Grid difference_on_grid(const model::Network& network, int k) {
  Grid grid{MatrixXd(2, (k + 1) * (k + 1)), VectorXd()};
  for (int i = 0; i <= k; ++i)
    for (int j = 0; j <= k; ++j)
      grid.points.col(i * (k + 1) + j) << -1.0 + 2.0 * i / k, -1.0 + 2.0 * j / k;
  const MatrixXd y = model::forward<double>(network, grid.points);
  grid.difference = y.row(0) - y.row(1);
  return grid;
}

TEST(LinearPieces, RandomReluNetworksAgreeWithSamplingAndWithCrown) {
  std::mt19937 rng = testing::seeded_generator();
  std::uniform_real_distribution<double> unit(-1.0, 1.0);
  int proved_below_grid = 0, witnesses = 0;
  constexpr int kNetworks = 12;
  for (int trial = 0; trial < kNetworks; ++trial) {
    const model::Network network = random_relu_network(rng);
    const Grid grid = difference_on_grid(network, 200);
    const double grid_min = grid.difference.minCoeff();
    const std::string where = "network " + std::to_string(trial) + ", grid minimum " + std::to_string(grid_min);

    // A grid point satisfies y0 − y1 ≤ min + 0.05 (with room for any rounding of the forward
    // pass): never proved, and a counterexample is one.
    {
      const double b = grid_min + 0.05;
      const Group group = difference_at_most(b);
      const bounds::Region region = bounds::crown_region(network, group.box, bounds::Inference::Exact);
      OpenDisjuncts open{1};
      const auto witness = decide_by_linear_pieces(network, region, group, kManyLps, open);
      EXPECT_EQ(open[0], 1) << where;
      if (witness) {
        ++witnesses;
        EXPECT_TRUE(group.box.contains(witness->input)) << where;
        const VectorXd y = forward_at(network, witness->input);
        EXPECT_LE(y[0] - y[1], b) << where;
      }
    }

    // Below the grid minimum the disjunct may or may not be satisfiable (the grid can miss the
    // true minimum): a counterexample must be one, and a proof must agree with every sample.
    {
      const double b = grid_min - 0.05;
      const Group group = difference_at_most(b);
      const bounds::Region region = bounds::crown_region(network, group.box, bounds::Inference::Exact);
      OpenDisjuncts open{1};
      const auto witness = decide_by_linear_pieces(network, region, group, kManyLps, open);
      if (witness) {
        EXPECT_EQ(open[0], 1) << where;
        EXPECT_TRUE(group.box.contains(witness->input)) << where;
        const VectorXd y = forward_at(network, witness->input);
        EXPECT_LE(y[0] - y[1], b) << where;
      }
      if (open[0] == 0) {
        ++proved_below_grid;
        EXPECT_GT(grid_min, b) << where;
        const MatrixXd samples = MatrixXd::NullaryExpr(2, 4000, [&] { return unit(rng); });
        const MatrixXd y = model::forward<double>(network, samples);
        EXPECT_GT((y.row(0) - y.row(1)).minCoeff(), b) << where;
      }
    }

    // Below CROWN's rigorous lower bound of y0 − y1 the disjunct is infeasible: it must be proved.
    {
      const Group probe = difference_at_most(0.0);
      const bounds::Region region = bounds::crown_region(network, probe.box, bounds::Inference::Exact);
      const MatrixXd objective = (MatrixXd(2, 1) << 1, -1).finished();
      const double crown_lower = bounds::back_substitute(network, region, network.output(), objective).lower[0];
      ASSERT_TRUE(std::isfinite(crown_lower)) << where;
      ASSERT_LE(crown_lower, grid_min + 1e-9) << where;
      const double b = crown_lower - 0.01;
      const Group group = difference_at_most(b);
      OpenDisjuncts open{1};
      EXPECT_FALSE(decide_by_linear_pieces(network, region, group, kManyLps, open).has_value()) << where;
      EXPECT_EQ(open[0], 0) << where << ", CROWN lower bound " << crown_lower;
    }
  }
  // The pieces are exact, so the gap of 0.05 below the grid minimum (which the 0.01 spacing of the
  // grid and the networks' small slopes keep above the true minimum) is proved almost always.
  EXPECT_GE(proved_below_grid, kNetworks / 2);
  std::cout << proved_below_grid << " of " << kNetworks << " proved 0.05 below the grid minimum, " << witnesses
            << " counterexamples 0.05 above it\n";
}

}  // namespace
}  // namespace certnn::verify
