// The back-substitution methods: exact on linear networks, enclosing on every layer kind they
// accept, never looser than IBP, alpha-crown never looser than crown, split regions and the
// bound's gradient with respect to the relaxation parameters.
#include "certnn/bounds/crown.hpp"

#include <gtest/gtest.h>

#include "bound_test_support.hpp"
#include "certnn/bounds/back_substitution.hpp"
#include "certnn/bounds/ibp.hpp"
#include "certnn/bounds/slope_optimisation.hpp"
#include "certnn/core/error.hpp"
#include "random_seed.hpp"

namespace certnn::bounds {
namespace {

using namespace test;

// Linear layers only: back-substitution is exact up to rounding, so the bounds match the range
// Σ_j |A_ij|·r_j around A·c + b of the composed map.
TEST(Crown, LinearNetworksAreExactToRounding) {
  std::mt19937 rng = testing::seeded_generator();
  for (int trial = 0; trial < 5; ++trial) {
    Network network({6});
    const MatrixXd a = random_matrix(rng, 8, 6, 1.0), b = random_matrix(rng, 3, 8, 1.0);
    const VectorXd bias_a = random_vector(rng, 8, -1, 1), bias_b = random_vector(rng, 3, -1, 1);
    const auto h = network.add("a", model::Dense{a, bias_a}, {model::kInputValue});
    network.set_output(network.add("b", model::Dense{b, bias_b}, {h}));
    const Box input = box_around(random_vector(rng, 6, -1, 1), random_vector(rng, 6, 0.01, 0.5));
    const Box bound = CrownMethod().propagate(network, input, Options{}).output;
    const MatrixXd composed = b * a;
    const VectorXd centre = composed * (0.5 * (input.lower + input.upper)) + b * bias_a + bias_b;
    const VectorXd radius = composed.cwiseAbs() * (0.5 * input.width());
    for (Index i = 0; i < 3; ++i) {
      EXPECT_NEAR(bound.lower[i], centre[i] - radius[i], 1e-12);
      EXPECT_NEAR(bound.upper[i], centre[i] + radius[i], 1e-12);
    }
  }
}

TEST(Crown, EnclosesEveryAcceptedKindAndRefusesSoftmaxByName) {
  std::mt19937 rng = testing::seeded_generator();
  const Network network = every_kind_network(rng);
  try {
    CrownMethod().check(network);
    FAIL() << "the every-kind network has a softmax";
  } catch (const Unsupported& e) {
    EXPECT_NE(std::string(e.what()).find("crown: layer Softmax (node '"), std::string::npos) << e.what();
  }
  for (int trial = 0; trial < 6; ++trial) {
    const Network mlp = relu_mlp(rng, 8, 24, 4, 5);
    const Box input = box_around(random_vector(rng, 8, -1, 1), VectorXd::Constant(8, 0.1));
    for (const std::string name : {"crown", "alpha-crown"}) {
      const Box bound = make_method(name)->propagate(mlp, input, Options{}).output;
      EXPECT_EQ(count_outside(mlp, input, bound, rng, 300), 0) << name;
    }
  }
}

// CROWN's boxes are intersected with IBP's, and alpha-crown keeps the best of iterates that start
// at CROWN's slopes: each is at least as tight as the one before, output by output.
TEST(Crown, TighterThanIntervalsAndAlphaTighterThanCrown) {
  std::mt19937 rng = testing::seeded_generator();
  double crown_total = 0, ibp_total = 0, alpha_total = 0;
  for (int trial = 0; trial < 6; ++trial) {
    const Network network = relu_mlp(rng, 10, 32, 4, 6);
    const Box input = box_around(random_vector(rng, 10, -1, 1), VectorXd::Constant(10, 0.1));
    const Box ibp = IbpMethod().propagate(network, input, Options{}).output;
    const Box crown = CrownMethod().propagate(network, input, Options{}).output;
    const Box alpha = AlphaCrownMethod().propagate(network, input, Options{}).output;
    for (Index i = 0; i < crown.size(); ++i) {
      EXPECT_GE(crown.lower[i], ibp.lower[i]);
      EXPECT_LE(crown.upper[i], ibp.upper[i]);
      EXPECT_GE(alpha.lower[i], crown.lower[i]);
      EXPECT_LE(alpha.upper[i], crown.upper[i]);
    }
    ibp_total += mean_width(ibp);
    crown_total += mean_width(crown);
    alpha_total += mean_width(alpha);
  }
  EXPECT_LT(crown_total, 0.5 * ibp_total);
  EXPECT_LT(alpha_total, crown_total);
}

// A child box's region built inside its parent's: every enclosure lies within the parent's and
// still holds every sampled value of the child box.
TEST(BackSubstitution, EnclosedRegionsAreNestedAndSound) {
  std::mt19937 rng = testing::seeded_generator();
  for (int trial = 0; trial < 4; ++trial) {
    const Network network = relu_mlp(rng, 5, 24, 4, 3);
    const Box parent_box = box_around(random_vector(rng, 5, -1, 1), VectorXd::Constant(5, 0.4));
    Box child_box = parent_box;
    child_box.upper[trial] = 0.5 * (parent_box.lower[trial] + parent_box.upper[trial]);
    const Region parent = crown_region(network, parent_box, Inference::Exact);
    const Region nested = crown_region(network, child_box, Inference::Exact, {}, &parent);
    const MatrixXd points = points_in(child_box, rng, 2000);
    const std::vector<model::Batch<double>> values = model::forward_values<double>(network, points);
    for (std::size_t v = 0; v < nested.values.size(); ++v) {
      const Box& b = nested.values[v];
      EXPECT_TRUE((b.lower.array() >= parent.values[v].lower.array()).all()) << "value " << v;
      EXPECT_TRUE((b.upper.array() <= parent.values[v].upper.array()).all()) << "value " << v;
      for (Index s = 0; s < points.cols(); ++s) EXPECT_TRUE(b.contains(values[v].col(s))) << "value " << v;
    }
  }
}

// A split z ≥ 0 (or ≤ 0) restricts the region: its bounds hold at every input satisfying the
// split, and β multipliers keep them sound.
TEST(BackSubstitution, SplitRegionsHoldOnTheirSubProblem) {
  std::mt19937 rng = testing::seeded_generator();
  const Network network = relu_mlp(rng, 4, 16, 3, 2);
  const Box input = box_around(random_vector(rng, 4, -1, 1), VectorXd::Constant(4, 0.3));
  const Region region = crown_region(network, input, Inference::Exact);
  // The first unstable ReLU input.
  std::int32_t node = -1;
  Index neuron = -1;
  for (std::size_t k = 0; k < network.nodes().size() && node < 0; ++k) {
    if (!std::holds_alternative<model::Relu>(network.nodes()[k].op)) continue;
    const Box& z = region.values[network.nodes()[k].inputs[0]];
    for (Index i = 0; i < z.size() && node < 0; ++i)
      if (z.lower[i] < 0 && z.upper[i] > 0) {
        node = static_cast<std::int32_t>(k);
        neuron = i;
      }
  }
  ASSERT_GE(node, 0) << "no unstable neuron";
  const MatrixXd points = points_in(input, rng, 4000);
  const std::vector<model::Batch<double>> values = model::forward_values<double>(network, points);
  const MatrixXd objectives = (MatrixXd(2, 4) << 1, 0, -1, 0, 0, 1, 0, -1).finished();
  for (const int sign : {+1, -1}) {
    Region split = region;
    split_region(split, network, node, neuron, sign);
    RelaxationParameters parameters = initial_parameters(network, split, objectives.cols());
    parameters.beta[static_cast<std::size_t>(node)] = MatrixXd::Constant(region.values[network.nodes()[node].inputs[0]].size(), 4, 0.7);
    for (const RelaxationParameters* p : {static_cast<const RelaxationParameters*>(nullptr),
                                          static_cast<const RelaxationParameters*>(&parameters)}) {
      const VectorXd lower = back_substitute(network, split, network.output(), objectives, p).lower;
      for (Index s = 0; s < points.cols(); ++s) {
        const double z = values[network.nodes()[node].inputs[0]](neuron, s);
        if (sign * z < 0) continue;  // outside the sub-problem
        const VectorXd y = values[network.output()].col(s);
        EXPECT_LE(lower[0], y[0] + 1e-12);
        EXPECT_LE(lower[1], y[1] + 1e-12);
        EXPECT_LE(lower[2], -y[0] + 1e-12);
        EXPECT_LE(lower[3], -y[1] + 1e-12);
      }
    }
  }
}

// The analytic gradient of a bound with respect to one lower slope matches a finite difference
// (the bound is piecewise linear in the slope; a small step stays on one piece).
TEST(BackSubstitution, BoundGradientMatchesFiniteDifferences) {
  std::mt19937 rng = testing::seeded_generator();
  int checked = 0;
  for (int trial = 0; trial < 10 && checked < 20; ++trial) {
    const Network network = relu_mlp(rng, 5, 12, 3, 1);
    const Box input = box_around(random_vector(rng, 5, -1, 1), VectorXd::Constant(5, 0.4));
    const Region region = crown_region(network, input, Inference::Exact);
    const MatrixXd objective = MatrixXd::Ones(1, 1);
    RelaxationParameters parameters = initial_parameters(network, region, 1);
    for (auto& slopes : parameters.lower_slope)
      if (slopes.size()) slopes.setConstant(0.5);
    const LinearBound bound = back_substitute(network, region, network.output(), objective, &parameters, true);
    const RelaxationParameters gradient = bound_gradient(network, region, network.output(), bound, parameters);
    for (std::size_t k = 0; k < gradient.lower_slope.size(); ++k)
      for (Index i = 0; i < gradient.lower_slope[k].rows(); ++i) {
        const double g = gradient.lower_slope[k](i, 0);
        if (g == 0.0) continue;
        RelaxationParameters moved = parameters;
        constexpr double kStep = 1e-7;
        moved.lower_slope[k](i, 0) += kStep;
        const double after = back_substitute(network, region, network.output(), objective, &moved).lower[0];
        EXPECT_NEAR((after - bound.lower[0]) / kStep, g, 1e-4 * (1 + std::abs(g))) << "node " << k << " neuron " << i;
        ++checked;
      }
  }
  EXPECT_GT(checked, 0);
}

}  // namespace
}  // namespace certnn::bounds
