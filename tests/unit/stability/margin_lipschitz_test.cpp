// The Lipschitz bounds of the margins y[label] − y[j] (stability/margin_lipschitz.hpp): never
// below a margin's Jacobian row norm or its difference quotients on the test networks, never
// above √2 times the network's bound; exactly the row-difference norm for a single Dense layer;
// and on a ReLU MLP the last layer's rows beat the √2 bound.
#include "certnn/stability/margin_lipschitz.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <iostream>
#include <random>
#include <string>

#include "certnn/core/error.hpp"
#include "certnn/core/rounding.hpp"
#include "certnn/model/forward.hpp"
#include "certnn/stability/jacobian.hpp"
#include "random_seed.hpp"
#include "stability/stability_test_networks.hpp"

namespace certnn::stability {
namespace {

using Eigen::Index;
using Eigen::MatrixXd;
using Eigen::VectorXd;

using testing::kForwardSlack;

// The class of margin output c of label's margins (attack::margin_network's order).
Index class_of(Index c, Index label) { return c < label ? c : c + 1; }

TEST(MarginLipschitz, BoundsEveryMarginOnTheTestNetworks) {
  std::mt19937 random = certnn::testing::seeded_generator();
  std::normal_distribution<double> normal;
  for (const auto& [name, network] : testing::test_networks(false)) {
    const Index classes = network.output_size();
    if (classes < 2) continue;
    SCOPED_TRACE(name);
    const LipschitzUpper upper = lipschitz_upper(network, layer_stabilities(network));
    const Index n = network.input_size(), pairs = 100;
    const MatrixXd x = MatrixXd::NullaryExpr(n, pairs, [&] { return normal(random); });
    MatrixXd y = x;
    for (Index t = 0; t < pairs; ++t) {
      const double distance = std::pow(10.0, -4.0 + 4.0 * static_cast<double>(t) / pairs);
      y.col(t) += distance * VectorXd::NullaryExpr(n, [&] { return normal(random); }).normalized();
    }
    const MatrixXd fx = model::forward<double>(network, x), fy = model::forward<double>(network, y);
    const std::vector<MatrixXd> jacobians_at_x = jacobians(network, x.leftCols(10));
    for (Index label = 0; label < classes; ++label) {
      const VectorXd bound = margin_lipschitz_upper(network, upper, label);
      ASSERT_EQ(bound.size(), classes - 1);
      for (Index c = 0; c < bound.size(); ++c) {
        const Index j = class_of(c, label);
        SCOPED_TRACE("margin " + std::to_string(label) + " - " + std::to_string(j));
        EXPECT_TRUE(std::isfinite(bound[c]));
        EXPECT_LE(bound[c], rounding::mul_up(rounding::sqrt_up(2.0), upper.output));
        for (Index t = 0; t < pairs; ++t) {
          const double change = (fx(label, t) - fx(j, t)) - (fy(label, t) - fy(j, t));
          EXPECT_LE(std::abs(change) / (x.col(t) - y.col(t)).norm(), bound[c] * (1 + kForwardSlack)) << t;
        }
        for (const MatrixXd& jacobian : jacobians_at_x)
          EXPECT_LE((jacobian.row(label) - jacobian.row(j)).norm(), bound[c] * (1 + kForwardSlack));
      }
    }
  }
}

TEST(MarginLipschitz, ASingleDenseLayerGivesTheRowDifferenceNorms) {
  std::mt19937 random = certnn::testing::seeded_generator();
  std::normal_distribution<double> normal;
  model::Network network({1, 20});
  const MatrixXd w = MatrixXd::NullaryExpr(5, 20, [&] { return normal(random); });
  network.set_output(network.add("fc", model::Dense{w, VectorXd::Zero(5)}, {model::kInputValue}));
  const LipschitzUpper upper = lipschitz_upper(network, layer_stabilities(network));
  for (Index label = 0; label < 5; ++label) {
    const VectorXd bound = margin_lipschitz_upper(network, upper, label);
    for (Index c = 0; c < 4; ++c) {
      const Index j = class_of(c, label);
      const long double exact = (w.row(label).cast<long double>() - w.row(j).cast<long double>()).norm();
      EXPECT_GE(static_cast<long double>(bound[c]), exact) << label << " - " << j;
      EXPECT_LE(static_cast<long double>(bound[c]), exact * (1 + 1e-12L)) << label << " - " << j;
    }
  }
}

// digits_mlp (64 → 32 → ReLU → 32 → ReLU → 10): the last layer's rows bring every margin's bound
// below √2 times the network's bound, most by a quarter or more (measured: 0.57 to 0.91 of it,
// 0.72 on average).
TEST(MarginLipschitz, TheLastLayersRowsBeatTheSqrtTwoBound) {
  const model::Network network = onnx::import_model(std::string(CERTNN_SOURCE_DIR) + "/examples/digits_mlp.onnx");
  const LipschitzUpper upper = lipschitz_upper(network, layer_stabilities(network));
  const double global = rounding::mul_up(rounding::sqrt_up(2.0), upper.output);
  double largest = 0.0, sum = 0.0;
  const Index classes = network.output_size();
  for (Index label = 0; label < classes; ++label) {
    const VectorXd bound = margin_lipschitz_upper(network, upper, label);
    largest = std::max(largest, bound.maxCoeff());
    sum += bound.sum();
  }
  const double mean = sum / static_cast<double>(classes * (classes - 1));
  std::cout << "digits_mlp: margin bounds up to " << largest / global << ", on average " << mean / global
            << " of sqrt(2) L = " << global << "\n";
  EXPECT_LT(largest, 0.95 * global);
  EXPECT_LT(mean, 0.8 * global);
}

TEST(MarginLipschitz, RefusesALabelOutsideTheOutputs) {
  model::Network network({1, 3});
  network.set_output(network.add("fc", model::Dense{MatrixXd::Ones(2, 3), VectorXd::Zero(2)}, {model::kInputValue}));
  const LipschitzUpper upper = lipschitz_upper(network, layer_stabilities(network));
  EXPECT_THROW(margin_lipschitz_upper(network, upper, 2), Error);
  EXPECT_THROW(margin_lipschitz_upper(network, upper, -1), Error);
}

}  // namespace
}  // namespace certnn::stability
