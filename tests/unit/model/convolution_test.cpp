// The batched kernels of model/convolution.hpp and model/pooling.hpp: the convolution against its
// dense matrix from the definition, on batches that span several unfolded chunks; each adjoint against its
// map through ⟨A x, y⟩ = ⟨x, Aᵀ y⟩; the weight gradient through linearity in the weight.
#include "certnn/model/convolution.hpp"

#include <gtest/gtest.h>

#include <random>

#include "certnn/model/pooling.hpp"
#include "certnn/model/shape_inference.hpp"
#include "random_seed.hpp"
#include "random_windows.hpp"
#include "unrolled_convolution.hpp"

namespace certnn::model {
namespace {

using Eigen::Index;
using Eigen::MatrixXd;

MatrixXd random_matrix(Index rows, Index cols, std::mt19937& random) {
  std::normal_distribution<double> normal;
  return MatrixXd::NullaryExpr(rows, cols, [&] { return normal(random); });
}

// A window whose unfolded sample is large enough that a batch of 40 spans three chunks.
Window2d wide_window() {
  Window2d w;
  w.channels = 2;
  w.in_h = w.in_w = 40;
  w.kernel_h = w.kernel_w = 3;
  w.pad_top = w.pad_left = w.pad_bottom = w.pad_right = 1;
  complete_window(w);
  return w;
}

double inner(const MatrixXd& a, const MatrixXd& b) { return a.cwiseProduct(b).sum(); }

TEST(ConvolutionKernel, BatchSpanningSeveralChunksAgreesWithTheDirectSum) {
  std::mt19937 random = certnn::testing::seeded_generator();
  const Window2d w = wide_window();
  const MatrixXd weight = random_matrix(5, w.channels * 9, random);
  const MatrixXd x = random_matrix(w.channels * w.in_h * w.in_w, 40, random);
  const MatrixXd y = convolve<double>(weight, w, x);
  ASSERT_EQ(y.rows(), 5 * w.out_h * w.out_w);
  ASSERT_EQ(y.cols(), 40);
  const MatrixXd reference = certnn::testing::unrolled_convolution(Conv2d{w, 5, weight, Eigen::VectorXd::Zero(5)}) * x;
  EXPECT_LT((y - reference).cwiseAbs().maxCoeff(), 1e-12);
  const Eigen::MatrixXf single = convolve<float>(weight.cast<float>(), w, x.cast<float>());
  EXPECT_LT((single.cast<double>() - y).cwiseAbs().maxCoeff(), 1e-4);
}

TEST(ConvolutionKernel, AdjointAndWeightGradientAgreeWithTheMapOnRandomWindows) {
  std::mt19937 random = certnn::testing::seeded_generator();
  for (int trial = 0; trial < 40; ++trial) {
    const Window2d w = trial == 0 ? wide_window() : certnn::testing::random_window(random, 3, 9, 11, false);
    const Index out_channels = 4, batch = trial == 0 ? 40 : 7;
    const MatrixXd weight = random_matrix(out_channels, w.channels * w.kernel_h * w.kernel_w, random);
    const MatrixXd x = random_matrix(w.channels * w.in_h * w.in_w, batch, random);
    const MatrixXd g = random_matrix(out_channels * w.out_h * w.out_w, batch, random);
    const MatrixXd image = convolve<double>(weight, w, x);
    const double scale = image.norm() * g.norm();
    EXPECT_NEAR(inner(image, g), inner(x, convolve_adjoint<double>(weight, w, g)), 1e-12 * scale) << trial;
    const MatrixXd direction = random_matrix(weight.rows(), weight.cols(), random);
    EXPECT_NEAR(inner(convolve<double>(direction, w, x), g),
                inner(direction, convolution_weight_gradient(w, x, g)), 1e-12 * scale)
        << trial;
  }
}

TEST(ConvolutionKernel, ChannelBiasAndItsGradientActOnChannelBlocks) {
  MatrixXd y = MatrixXd::Zero(6, 2);
  add_channel_bias(y, Eigen::Vector3d(1.0, 2.0, 3.0));
  EXPECT_EQ(y.col(1), (Eigen::VectorXd(6) << 1, 1, 2, 2, 3, 3).finished());
  EXPECT_EQ(channel_sums(y, 3), Eigen::Vector3d(4.0, 8.0, 12.0));
}

TEST(PoolingKernel, AdjointsAgreeWithTheirMaps) {
  std::mt19937 random = certnn::testing::seeded_generator();
  for (int trial = 0; trial < 40; ++trial) {
    const AveragePool pool{certnn::testing::random_window(random, 2, 8, 9, true), trial % 2 == 0};
    const MatrixXd x = random_matrix(2 * 8 * 9, 5, random);
    const MatrixXd y = random_matrix(2 * pool.window.out_h * pool.window.out_w, 5, random);
    EXPECT_NEAR(inner(average_pool<double>(pool, x), y), inner(x, average_pool_adjoint<double>(pool, y)),
                1e-12 * x.norm() * y.norm())
        << trial;
  }
  const Pad padding{{0, 1, 2}, {0, 2, 1}, 0.0};
  const Shape shape{2, 3, 4};
  const MatrixXd x = random_matrix(24, 3, random);
  const MatrixXd padded = pad<double>(padding, shape, x);
  ASSERT_EQ(padded.rows(), 2 * 6 * 7);
  const MatrixXd y = random_matrix(padded.rows(), 3, random);
  EXPECT_NEAR(inner(padded, y), inner(x, unpad<double>(padding, shape, y)), 1e-12 * x.norm() * y.norm());
  EXPECT_EQ(unpad<double>(padding, shape, padded), x);
}

TEST(PoolingKernel, MaxPoolArgumentsHoldTheWindowMaxima) {
  std::mt19937 random = certnn::testing::seeded_generator();
  for (int trial = 0; trial < 20; ++trial) {
    const MaxPool pool{certnn::testing::random_window(random, 2, 7, 8, true)};
    const MatrixXd x = random_matrix(2 * 7 * 8, 4, random);
    const MatrixXd maxima = max_pool<double>(pool, x);
    const auto arguments = max_pool_arguments(pool, x);
    for (Index s = 0; s < x.cols(); ++s)
      for (Index o = 0; o < maxima.rows(); ++o) {
        ASSERT_GE(arguments(o, s), 0);
        EXPECT_EQ(x(arguments(o, s), s), maxima(o, s)) << trial;
      }
  }
}

}  // namespace
}  // namespace certnn::model
