// The global Lipschitz bounds (stability/lipschitz_upper.hpp, lipschitz_lower.hpp): the lower
// bound never exceeds the upper one, random difference quotients never exceed the upper bound,
// on every test network; a single dense layer's bound is its exact spectral norm; residual sums;
// gradient-step blocks x − h Aᵀσ(Ax + a) are bounded as a whole.
#include "certnn/stability/lipschitz_upper.hpp"

#include <gtest/gtest.h>

#include <Eigen/SVD>
#include <cmath>
#include <random>

#include "certnn/model/forward.hpp"
#include "certnn/stability/jacobian.hpp"
#include "certnn/stability/lipschitz_lower.hpp"
#include "random_seed.hpp"
#include "stability/stability_test_networks.hpp"

namespace certnn::stability {
namespace {

using Eigen::Index;
using Eigen::MatrixXd;
using Eigen::VectorXd;

using testing::kForwardSlack;

bounds::Box unit_box(Index n) { return {VectorXd::Zero(n), VectorXd::Ones(n)}; }

TEST(LipschitzBounds, LowerNeverExceedsUpperOnTheTestNetworks) {
  for (const auto& [name, network] : testing::test_networks()) {
    SCOPED_TRACE(name);
    const auto layers = layer_stabilities(network);
    const LipschitzUpper upper = lipschitz_upper(network, layers);
    LowerBoundOptions options;
    options.samples = 32;
    options.ascent_steps = 20;
    const LipschitzLower lower = lipschitz_lower(network, {unit_box(network.input_size())}, options);
    std::cout << name << ": upper " << upper.output << " lower " << lower.value() << " gap "
              << upper.output / lower.value() << "\n";
    EXPECT_GT(lower.value(), 0.0);
    EXPECT_LE(lower.value(), upper.output);
    EXPECT_TRUE(std::isfinite(upper.output));
  }
}

TEST(LipschitzBounds, RandomDifferenceQuotientsStayBelowTheUpperBound) {
  std::mt19937 random = certnn::testing::seeded_generator();
  std::normal_distribution<double> normal;
  for (const auto& [name, network] : testing::test_networks(false)) {
    SCOPED_TRACE(name);
    const double upper = lipschitz_upper(network, layer_stabilities(network)).output;
    const Index n = network.input_size(), pairs = 200;
    const MatrixXd x = MatrixXd::NullaryExpr(n, pairs, [&] { return normal(random); });
    MatrixXd y = x;
    for (Index t = 0; t < pairs; ++t) {
      const double distance = std::pow(10.0, -4.0 + 4.0 * static_cast<double>(t) / pairs);
      y.col(t) += distance * VectorXd::NullaryExpr(n, [&] { return normal(random); }).normalized();
    }
    const MatrixXd fx = model::forward<double>(network, x), fy = model::forward<double>(network, y);
    for (Index t = 0; t < pairs; ++t)
      EXPECT_LE((fx.col(t) - fy.col(t)).norm() / (x.col(t) - y.col(t)).norm(), upper * (1 + kForwardSlack)) << t;
    // And the Jacobian norms at the points.
    const JacobianNorms norms = jacobian_norms(network, x.leftCols(20));
    EXPECT_LE(norms.norms.maxCoeff(), upper * (1 + kForwardSlack));
  }
}

TEST(LipschitzBounds, SingleDenseLayerIsItsSpectralNorm) {
  std::mt19937 random = certnn::testing::seeded_generator();
  std::normal_distribution<double> normal;
  model::Network network({1, 30});
  const MatrixXd w = MatrixXd::NullaryExpr(12, 30, [&] { return normal(random); });
  network.set_output(network.add("fc", model::Dense{w, VectorXd::Zero(12)}, {model::kInputValue}));
  const double upper = lipschitz_upper(network, layer_stabilities(network)).output;
  const Eigen::JacobiSVD<Eigen::Matrix<long double, -1, -1>> svd(w.cast<long double>());
  const long double exact = svd.singularValues()[0];
  EXPECT_GE(static_cast<long double>(upper), exact);
  EXPECT_LE((upper - exact) / exact, 1e-6);
  const LipschitzLower lower = lipschitz_lower(network, {unit_box(30)});
  EXPECT_NEAR(lower.value(), static_cast<double>(exact), 1e-9 * exact);
}

// x ↦ relu(W1 x) + x, then W2: the branches add, and the bound follows the DAG.
TEST(LipschitzBounds, ResidualBranchesAdd) {
  model::Network network({1, 4});
  MatrixXd w1 = 2.0 * MatrixXd::Identity(4, 4), w2 = 3.0 * MatrixXd::Identity(4, 4);
  const auto h = network.add("fc1", model::Dense{w1, VectorXd::Zero(4)}, {model::kInputValue});
  const auto a = network.add("relu", model::Relu{}, {h});
  const auto sum = network.add("sum", model::AddTensors{}, {a, model::kInputValue});
  network.set_output(network.add("fc2", model::Dense{w2, VectorXd::Zero(4)}, {sum}));
  const LipschitzUpper upper = lipschitz_upper(network, layer_stabilities(network));
  EXPECT_NEAR(upper.value[sum], 3.0, 1e-8);
  EXPECT_NEAR(upper.output, 9.0, 1e-8);
  EXPECT_GE(upper.output, 9.0);
  // Exactly 9 at a point where every unit is active.
  const LipschitzLower lower = lipschitz_lower(network, {unit_box(4)});
  EXPECT_NEAR(lower.value(), 9.0, 1e-9);
}

// Dense → Relu → Dense with non-negative weights of opposite structure: the pair bound
// ‖|W2||W1|‖ is far below ‖W2‖‖W1‖ and wins.
TEST(LipschitzBounds, ActivationChainsTighten) {
  model::Network network({1, 2});
  MatrixXd w1(2, 2), w2(2, 2);
  w1 << 1, 0, 0, 0;
  w2 << 0, 0, 0, 1;
  const auto h = network.add("fc1", model::Dense{w1, VectorXd::Zero(2)}, {model::kInputValue});
  const auto a = network.add("relu", model::Relu{}, {h});
  network.set_output(network.add("fc2", model::Dense{w2, VectorXd::Zero(2)}, {a}));
  const LipschitzUpper upper = lipschitz_upper(network, layer_stabilities(network));
  EXPECT_EQ(upper.tightened, 1);
  EXPECT_LE(upper.output, 1e-100);
}

// x ± M σ(A x + a) with M = ∓h Aᵀ + E: the block as a whole, h c ‖A‖² = `step` for σ = Relu or
// Tanh (c = 1); E a perturbation of the given size.
model::Network gradient_block(std::mt19937& random, double step, bool subtract, bool smooth, double perturbation) {
  std::normal_distribution<double> normal;
  const MatrixXd a = MatrixXd::NullaryExpr(5, 6, [&] { return normal(random); });
  const double norm = Eigen::JacobiSVD<MatrixXd>(a).singularValues()[0];
  const double h = step / (norm * norm);
  MatrixXd m = h * a.transpose() + perturbation * MatrixXd::NullaryExpr(6, 5, [&] { return normal(random); });
  if (!subtract) m = -m;
  model::Network network({1, 6});
  const auto inner = network.add("inner", model::Dense{a, VectorXd::NullaryExpr(5, [&] { return normal(random); })},
                                 {model::kInputValue});
  const auto act = smooth ? network.add("tanh", model::Tanh{}, {inner}) : network.add("relu", model::Relu{}, {inner});
  const auto outer = network.add("outer", model::Dense{m, VectorXd::Zero(6)}, {act});
  network.set_output(subtract ? network.add("step", model::SubTensors{}, {model::kInputValue, outer})
                              : network.add("step", model::AddTensors{}, {model::kInputValue, outer}));
  return network;
}

TEST(LipschitzBounds, GradientStepBlocksAreBoundedAsAWhole) {
  std::mt19937 random = certnn::testing::seeded_generator();
  std::normal_distribution<double> normal;
  for (const bool subtract : {false, true})
    for (const bool smooth : {false, true}) {
      SCOPED_TRACE(std::string(subtract ? "x - M s(Ax)" : "x + M s(Ax)") + (smooth ? ", tanh" : ", relu"));
      // Non-expansive (h‖A‖² ≤ 2): 1, where the sum rule gives 1 + h‖A‖².
      const model::Network stable = gradient_block(random, 1.8, subtract, smooth, 0.0);
      const LipschitzUpper bound = lipschitz_upper(stable, layer_stabilities(stable));
      EXPECT_EQ(bound.tightened, 1);
      EXPECT_GE(bound.output, 1.0);
      EXPECT_LE(bound.output, 1.0 + 1e-9);
      // Too long a step: max(1, h‖A‖² − 1) = 2.
      const model::Network expansive = gradient_block(random, 3.0, subtract, smooth, 0.0);
      EXPECT_NEAR(lipschitz_upper(expansive, layer_stabilities(expansive)).output, 2.0, 1e-6);
      // Every variant, perturbed too, stays above the Jacobian norms at random points.
      for (const double perturbation : {0.0, 0.01, 0.5})
        for (const double step : {0.5, 1.8, 3.0}) {
          const model::Network network = gradient_block(random, step, subtract, smooth, perturbation);
          const double upper = lipschitz_upper(network, layer_stabilities(network)).output;
          const MatrixXd x = MatrixXd::NullaryExpr(6, 200, [&] { return 2.0 * normal(random); });
          EXPECT_LE(jacobian_norms(network, x).norms.maxCoeff(), upper * (1 + kForwardSlack))
              << "step " << step << ", perturbation " << perturbation;
          EXPECT_LE(lipschitz_lower(network, {unit_box(6)}).value(), upper * (1 + kForwardSlack));
        }
    }
}

}  // namespace
}  // namespace certnn::stability
