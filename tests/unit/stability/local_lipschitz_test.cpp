// The local Lipschitz bound over a box (stability/local_lipschitz.hpp): at most the global bound
// on small boxes, at least ‖J(x)‖₂ at points of the box and every difference quotient of pairs
// in it; Softmax refused with a message naming the node.
#include "certnn/stability/local_lipschitz.hpp"

#include <gtest/gtest.h>

#include <random>

#include "certnn/core/error.hpp"
#include "certnn/model/forward.hpp"
#include "certnn/stability/jacobian.hpp"
#include "certnn/stability/lipschitz_upper.hpp"
#include "random_seed.hpp"
#include "stability/stability_test_networks.hpp"

namespace certnn::stability {
namespace {

using Eigen::Index;
using Eigen::MatrixXd;
using Eigen::VectorXd;

using testing::kForwardSlack;

MatrixXd points_in(const bounds::Box& box, std::mt19937& random, Index count) {
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  MatrixXd points(box.size(), count);
  for (Index s = 0; s < count; ++s)
    for (Index i = 0; i < box.size(); ++i) points(i, s) = box.lower[i] + unit(random) * (box.upper[i] - box.lower[i]);
  return points;
}

TEST(LocalLipschitz, BetweenTheGradientsInTheBoxAndTheGlobalBound) {
  std::mt19937 random = certnn::testing::seeded_generator();
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  for (const auto& [name, network] : testing::test_networks()) {
    SCOPED_TRACE(name);
    const double global = lipschitz_upper(network, layer_stabilities(network)).output;
    const VectorXd centre = VectorXd::NullaryExpr(network.input_size(), [&] { return unit(random); });
    for (const double eps : {0.0, 1e-3, 0.05}) {
      SCOPED_TRACE(eps);
      const bounds::Box box = bounds::linf_ball(centre, eps, std::nullopt);
      const double local = local_lipschitz_upper(network, box);
      if (eps <= 1e-3) {
        EXPECT_LE(local, global);
      }
      const MatrixXd points = points_in(box, random, 8);
      EXPECT_LE(jacobian_norms(network, points).norms.maxCoeff(), local * (1 + kForwardSlack));
      if (eps == 0.0) continue;
      const MatrixXd others = points_in(box, random, 8);
      const MatrixXd fx = model::forward<double>(network, points), fy = model::forward<double>(network, others);
      for (Index t = 0; t < points.cols(); ++t)
        EXPECT_LE((fx.col(t) - fy.col(t)).norm(), local * (points.col(t) - others.col(t)).norm() * (1 + kForwardSlack) + 1e-12);
    }
  }
}

// On a dense layer the Jacobian is W everywhere: the local bound is the certified ‖W‖₂.
TEST(LocalLipschitz, DenseLayerIsItsSpectralNorm) {
  std::mt19937 random = certnn::testing::seeded_generator();
  std::normal_distribution<double> normal;
  model::Network network({1, 9});
  const MatrixXd w = MatrixXd::NullaryExpr(4, 9, [&] { return normal(random); });
  network.set_output(network.add("fc", model::Dense{w, VectorXd::Zero(4)}, {model::kInputValue}));
  const double local = local_lipschitz_upper(network, bounds::Box{VectorXd::Zero(9), VectorXd::Ones(9)});
  const double norm = dense_spectral_norm(w).estimate;
  EXPECT_GE(local, norm);
  EXPECT_LE(local, norm * (1 + 1e-6));
}

// A Relu that is off on the whole box cuts the Jacobian: the local bound is 0 there.
TEST(LocalLipschitz, InactiveReluGivesZero) {
  model::Network network({1, 2});
  MatrixXd w = MatrixXd::Identity(2, 2);
  const auto h = network.add("fc", model::Dense{w, VectorXd::Constant(2, -5.0)}, {model::kInputValue});
  network.set_output(network.add("relu", model::Relu{}, {h}));
  // Zero up to the underflow terms of the rounding bounds.
  EXPECT_LE(local_lipschitz_upper(network, bounds::Box{VectorXd::Zero(2), VectorXd::Ones(2)}), 1e-150);
  EXPECT_GE(local_lipschitz_upper(network, bounds::Box{VectorXd::Constant(2, 4.0), VectorXd::Constant(2, 6.0)}), 1.0);
}

TEST(LocalLipschitz, SoftmaxIsRefusedNamingTheNode) {
  const model::Network network = testing::torch_network("normalized");
  try {
    local_lipschitz_upper(network, bounds::Box{VectorXd::Zero(network.input_size()), VectorXd::Ones(network.input_size())});
    FAIL() << "expected Unsupported";
  } catch (const Unsupported& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("local lipschitz: layer Softmax (node '"), std::string::npos) << message;
  }
}

}  // namespace
}  // namespace certnn::stability
