// Per-layer figures (stability/layer_stability.hpp): the constants of the element-wise layers,
// MaxPool's sqrt(windows per element) against a brute-force worst case, the condition numbers of
// dense and diagonal layers and the ill-conditioning flag.
#include "certnn/stability/layer_stability.hpp"

#include <gtest/gtest.h>

#include <Eigen/QR>
#include <Eigen/SVD>
#include <cmath>
#include <random>

#include "certnn/model/forward.hpp"
#include "certnn/model/shape_inference.hpp"
#include "random_seed.hpp"

namespace certnn::stability {
namespace {

using Eigen::Index;
using Eigen::MatrixXd;
using Eigen::VectorXd;
using model::kInputValue;

LayerStability single(const Shape& shape, model::LayerOp op, const StabilityOptions& options = {}) {
  model::Network network(shape);
  network.set_output(network.add("layer", std::move(op), {kInputValue}));
  return layer_stability(network, network.nodes().front(), options);
}

TEST(LayerStability, ElementWiseConstants) {
  EXPECT_EQ(single({1, 3}, model::Relu{}).upper, 1.0);
  EXPECT_EQ(single({1, 3}, model::LeakyRelu{2.5}).upper, 2.5);
  EXPECT_EQ(single({1, 3}, model::LeakyRelu{0.1}).upper, 1.0);
  EXPECT_EQ(single({1, 3}, model::Sigmoid{}).upper, 0.25);
  EXPECT_EQ(single({1, 3}, model::Tanh{}).upper, 1.0);
  EXPECT_EQ(single({1, 3}, model::Softmax{3}).upper, 0.5);
  const LayerStability mul = single({1, 3}, model::MulConstant{VectorXd(Eigen::Vector3d(-4, 0.5, 2))});
  EXPECT_EQ(mul.upper, 4.0);
  EXPECT_EQ(*mul.condition_number, 8.0);
  EXPECT_FALSE(mul.ill_conditioned);
  const LayerStability div = single({1, 3}, model::DivConstant{VectorXd(Eigen::Vector3d(-4, 0.5, 2))});
  EXPECT_EQ(div.upper, 2.0);
  model::BatchNorm bn;
  bn.scale = VectorXd(Eigen::Vector2d(3, -1));
  bn.bias = VectorXd::Zero(2);
  bn.mean = VectorXd::Zero(2);
  bn.variance = VectorXd(Eigen::Vector2d(4, 1));
  bn.epsilon = 0.0;
  bn.channel_stride = 2;
  const LayerStability norm = single({1, 2, 2}, bn);
  EXPECT_GE(norm.upper, 1.5);
  EXPECT_LE(norm.upper, 1.5 * (1 + 1e-15));
  EXPECT_DOUBLE_EQ(*norm.condition_number, 1.5);
}

// Softmax's Jacobian norm reaches 1/2 for two equal logits, never more.
TEST(LayerStability, SoftmaxJacobianNormIsAtMostOneHalf) {
  std::mt19937 random = testing::seeded_generator();
  std::normal_distribution<double> normal;
  for (int trial = 0; trial < 50; ++trial) {
    const VectorXd x = 3.0 * VectorXd::NullaryExpr(5, [&] { return normal(random); });
    const VectorXd y = x.array().exp() / x.array().exp().sum();
    const MatrixXd jacobian = MatrixXd(y.asDiagonal()) - y * y.transpose();
    EXPECT_LE(Eigen::JacobiSVD<MatrixXd>(jacobian).singularValues()[0], 0.5 + 1e-15);
  }
}

// MaxPool with overlapping windows: the bound sqrt(m) is reached by raising one element that is
// the maximum of all its windows.
TEST(LayerStability, MaxPoolCountsOverlappingWindows) {
  for (const auto& [kernel, stride] : std::vector<std::pair<Index, Index>>{{2, 2}, {3, 1}, {3, 2}, {2, 1}}) {
    model::MaxPool pool;
    pool.window.channels = 1;
    pool.window.in_h = pool.window.in_w = 7;
    pool.window.kernel_h = pool.window.kernel_w = kernel;
    pool.window.stride_h = pool.window.stride_w = stride;
    model::complete_window(pool.window);
    const LayerStability figures = single({1, 1, 7, 7}, pool);
    model::Network network({1, 1, 7, 7});
    network.set_output(network.add("pool", pool, {kInputValue}));
    double worst = 0.0;
    for (Index i = 0; i < 49; ++i) {
      MatrixXd x = MatrixXd::Zero(49, 2);
      x(i, 1) = 1.0;
      const MatrixXd y = model::forward<double>(network, x);
      worst = std::max(worst, (y.col(1) - y.col(0)).norm());
    }
    EXPECT_DOUBLE_EQ(figures.estimate, worst) << kernel << " " << stride;
    EXPECT_GE(figures.upper, worst);
  }
}

TEST(LayerStability, DenseConditionNumberAndWarning) {
  std::mt19937 random = testing::seeded_generator();
  const auto orthogonal = [&](Index n) {
    std::normal_distribution<double> normal;
    return MatrixXd(Eigen::HouseholderQR<MatrixXd>(MatrixXd::NullaryExpr(n, n, [&] { return normal(random); })).householderQ());
  };
  VectorXd s(4);
  s << 10, 1, 1, 1e-7;
  const MatrixXd w = orthogonal(4) * s.asDiagonal() * orthogonal(4).transpose();
  const LayerStability figures = single({1, 4}, model::Dense{w, VectorXd::Zero(4)});
  ASSERT_TRUE(figures.condition_number.has_value());
  EXPECT_NEAR(*figures.condition_number, 1e8, 1e8 * 1e-6);
  EXPECT_TRUE(figures.ill_conditioned);
  StabilityOptions lenient;
  lenient.ill_conditioned_threshold = 1e9;
  EXPECT_FALSE(single({1, 4}, model::Dense{w, VectorXd::Zero(4)}, lenient).ill_conditioned);
  EXPECT_FALSE(single({1, 4}, model::Relu{}).condition_number.has_value());
}

}  // namespace
}  // namespace certnn::stability
