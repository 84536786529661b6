// Spectral norms (stability/spectral_norm.hpp): the certified upper bound of a dense layer equals
// the exact σ_max (a long-double SVD) to 1e-6 and is never below it; the convolution and pooling
// operators against a dense unrolling built here from the layer's definition; the Collatz bound
// against ‖ |A| ‖₂; Rump's positive-definiteness test on definite and indefinite matrices.
#include "certnn/stability/spectral_norm.hpp"

#include <gtest/gtest.h>

#include <limits>

#include <Eigen/QR>
#include <Eigen/SVD>
#include <cmath>
#include <random>

#include "certnn/model/shape_inference.hpp"
#include "certnn/stability/linear_operator.hpp"
#include "certnn/stability/positive_definite.hpp"
#include "random_seed.hpp"
#include "unrolled_convolution.hpp"

namespace certnn::stability {
namespace {

using Eigen::Index;
using Eigen::MatrixXd;
using LongMatrix = Eigen::Matrix<long double, Eigen::Dynamic, Eigen::Dynamic>;

// The certified bound must meet the exact norm this closely (relative).
constexpr double kCertifiedTolerance = 1e-6;
// Power iteration against an SVD of the unrolled operator (relative).
constexpr double kEstimateTolerance = 1e-6;

long double exact_norm(const MatrixXd& a) {
  const Eigen::JacobiSVD<LongMatrix> svd(a.cast<long double>());
  return svd.singularValues()[0];
}

MatrixXd random_matrix(std::mt19937& random, Index rows, Index cols) {
  std::normal_distribution<double> normal;
  return MatrixXd::NullaryExpr(rows, cols, [&] { return normal(random); });
}

MatrixXd random_orthogonal(std::mt19937& random, Index n) {
  return Eigen::HouseholderQR<MatrixXd>(random_matrix(random, n, n)).householderQ();
}

TEST(DenseSpectralNorm, CertifiedUpperBoundMeetsTheExactNorm) {
  std::mt19937 random = testing::seeded_generator();
  const std::vector<std::pair<Index, Index>> shapes = {{1, 1}, {1, 7}, {7, 1}, {5, 5}, {20, 10}, {10, 20}, {64, 96}, {120, 50}};
  for (const auto& [rows, cols] : shapes) {
    SCOPED_TRACE(std::to_string(rows) + " x " + std::to_string(cols));
    const MatrixXd w = random_matrix(random, rows, cols) / std::sqrt(static_cast<double>(cols));
    const SpectralNorm norm = dense_spectral_norm(w);
    const long double exact = exact_norm(w);
    EXPECT_GE(static_cast<long double>(norm.upper), exact);
    EXPECT_LE((norm.upper - exact) / exact, kCertifiedTolerance);
    EXPECT_NEAR(norm.estimate, exact, 1e-12 * exact);
    // A vector's Frobenius norm is its spectral norm, and as tight.
    EXPECT_EQ(norm.method, std::min(rows, cols) == 1 ? UpperBoundMethod::Frobenius : UpperBoundMethod::Cholesky);
  }
}

// W = U diag(s) Vᵀ with chosen singular values, including a repeated largest one (where a power
// iteration converges slowly) and a wide range of scales.
TEST(DenseSpectralNorm, KnownSingularValues) {
  std::mt19937 random = testing::seeded_generator();
  for (const double scale : {1e-100, 1e-3, 1.0, 1e3, 1e100}) {
    const Index n = 12;
    Eigen::VectorXd s(n);
    s << 3, 3, 2.5, 2, 1.5, 1, 0.5, 0.25, 0.1, 0.01, 1e-3, 1e-4;
    const MatrixXd w = random_orthogonal(random, n) * (scale * s).asDiagonal() * random_orthogonal(random, n).transpose();
    const SpectralNorm norm = dense_spectral_norm(w);
    const long double exact = exact_norm(w);
    EXPECT_NEAR(static_cast<double>(exact), 3 * scale, 1e-13 * scale);
    EXPECT_GE(static_cast<long double>(norm.upper), exact) << scale;
    EXPECT_LE((norm.upper - exact) / exact, kCertifiedTolerance) << scale;
    ASSERT_TRUE(norm.smallest.has_value());
    EXPECT_NEAR(norm.estimate / *norm.smallest, 3e4, 1e-6 * 3e4);
  }
}

TEST(DenseSpectralNorm, PowerIterationAndFallbacksStaySound) {
  std::mt19937 random = testing::seeded_generator();
  const MatrixXd w = random_matrix(random, 40, 30);
  SpectralOptions no_svd;
  no_svd.svd_max_dimension = 0;  // power iteration estimate
  no_svd.certify_max_dimension = 0;  // Collatz / Frobenius bound only
  const SpectralNorm norm = dense_spectral_norm(w, no_svd);
  const long double exact = exact_norm(w);
  EXPECT_FALSE(norm.smallest.has_value());
  EXPECT_NEAR(norm.estimate, exact, kEstimateTolerance * exact);
  EXPECT_GE(static_cast<long double>(norm.upper), exact);
  // ‖W‖₂ ≤ ‖|W|‖₂ ≤ sqrt(‖W‖₁‖W‖∞): the Collatz bound lies between.
  const double schur = std::sqrt(w.cwiseAbs().colwise().sum().maxCoeff() * w.cwiseAbs().rowwise().sum().maxCoeff());
  EXPECT_LE(norm.upper, schur * (1 + 1e-12));
}

TEST(DenseSpectralNorm, ZeroAndDegenerateMatrices) {
  const SpectralNorm zero = dense_spectral_norm(MatrixXd::Zero(3, 4));
  EXPECT_EQ(zero.upper, 0.0);
  EXPECT_EQ(zero.estimate, 0.0);
  MatrixXd rank_one = MatrixXd::Ones(6, 5);
  const SpectralNorm one = dense_spectral_norm(rank_one);
  EXPECT_GE(one.upper, std::sqrt(30.0));
  EXPECT_LE(one.upper, std::sqrt(30.0) * (1 + kCertifiedTolerance));
}

TEST(CollatzUpper, BoundsTheNormOfTheAbsoluteMatrix) {
  std::mt19937 random = testing::seeded_generator();
  for (int trial = 0; trial < 5; ++trial) {
    const MatrixXd w = random_matrix(random, 15 + trial, 9);
    const double bound = collatz_upper(absolute(dense_operator(w)), 200);
    const long double abs_norm = exact_norm(w.cwiseAbs());
    EXPECT_GE(static_cast<long double>(bound), abs_norm);
    EXPECT_LE(bound, abs_norm * (1 + 1e-6));
  }
}

using certnn::testing::unrolled_convolution;

model::Window2d make_window(Index channels, Index size, Index kernel, Index stride, Index pad, Index dilation) {
  model::Window2d w;
  w.channels = channels;
  w.in_h = w.in_w = size;
  w.kernel_h = w.kernel_w = kernel;
  w.stride_h = w.stride_w = stride;
  w.pad_top = w.pad_left = w.pad_bottom = w.pad_right = pad;
  w.dilation_h = w.dilation_w = dilation;
  model::complete_window(w);
  return w;
}

TEST(ConvolutionOperator, MatchesTheUnrolledMatrix) {
  std::mt19937 random = testing::seeded_generator();
  struct Case { Index channels, size, kernel, stride, pad, dilation, out_channels; };
  for (const Case& k : {Case{1, 6, 3, 1, 1, 1, 2}, Case{3, 7, 3, 2, 1, 1, 4}, Case{2, 8, 2, 2, 0, 1, 3},
                        Case{2, 9, 3, 1, 2, 2, 2}, Case{4, 5, 5, 1, 0, 1, 1}}) {
    model::Conv2d conv;
    conv.window = make_window(k.channels, k.size, k.kernel, k.stride, k.pad, k.dilation);
    conv.out_channels = k.out_channels;
    conv.weight = random_matrix(random, k.out_channels, k.channels * k.kernel * k.kernel);
    conv.bias = Eigen::VectorXd::Zero(k.out_channels);
    const MatrixXd a = unrolled_convolution(conv);
    const LinearOperator op = convolution_operator(conv);
    ASSERT_EQ(op.rows, a.rows());
    ASSERT_EQ(op.cols, a.cols());
    const MatrixXd x = random_matrix(random, a.cols(), 3), y = random_matrix(random, a.rows(), 3);
    EXPECT_LE((op.apply(x) - a * x).norm(), 1e-12 * (a.cwiseAbs() * x.cwiseAbs()).norm());
    EXPECT_LE((op.apply_adjoint(y) - a.transpose() * y).norm(), 1e-12 * (a.cwiseAbs().transpose() * y.cwiseAbs()).norm());
    const long double exact = exact_norm(a);
    const Eigen::VectorXd singular_values = Eigen::JacobiSVD<MatrixXd>(a).singularValues();
    SpectralOptions operator_only;
    operator_only.svd_max_entries = 0;  // power iteration, no σ_min
    for (const SpectralOptions& options : {SpectralOptions{}, operator_only}) {
      const SpectralNorm norm = operator_spectral_norm(op, options);
      EXPECT_NEAR(norm.estimate, exact, kEstimateTolerance * exact);
      EXPECT_GE(static_cast<long double>(norm.upper), exact);
      EXPECT_GE(static_cast<long double>(norm.upper), exact_norm(a.cwiseAbs()) * (1 - 1e-12));
      ASSERT_EQ(norm.smallest.has_value(), options.svd_max_entries > 0);
      if (norm.smallest) {
        // Two backward-stable SVDs agree to c·n·u·σ_max (Weyl's bound on a backward error of
        // c·n·u·‖A‖₂), whatever σ_min is; c reached about 110 over a few hundred seeds of these
        // sizes, and 1024 allows nine times that.
        const double n = static_cast<double>(std::max(a.rows(), a.cols()));
        const double tolerance = 1024.0 * n * std::numeric_limits<double>::epsilon() * singular_values[0];
        EXPECT_NEAR(*norm.smallest, singular_values.tail(1)[0], tolerance);
      }
    }
  }
}

TEST(AveragePoolOperator, NormOfOverlappingAndDisjointWindows) {
  for (const bool include_pad : {false, true})
    for (const auto& [kernel, stride, pad] : std::vector<std::array<Index, 3>>{{2, 2, 0}, {3, 1, 1}, {3, 2, 1}, {2, 1, 0}}) {
      model::AveragePool pool;
      pool.window = make_window(2, 6, kernel, stride, pad, 1);
      pool.count_include_pad = include_pad;
      const LinearOperator op = average_pool_operator(pool);
      MatrixXd a(op.rows, op.cols);
      for (Index j = 0; j < op.cols; ++j) a.col(j) = op.apply(MatrixXd::Identity(op.cols, op.cols).col(j));
      const SpectralNorm norm = operator_spectral_norm(op);
      const long double exact = exact_norm(a);
      EXPECT_GE(static_cast<long double>(norm.upper), exact);
      EXPECT_LE(norm.upper, exact * (1 + 1e-6));
      if (kernel == stride && pad == 0) {
        EXPECT_NEAR(norm.estimate, 1.0 / kernel, 1e-9);  // 1/√(k·k)
      }
    }
}

TEST(PositiveDefinite, ProvesDefiniteMatricesAndNeverIndefiniteOnes) {
  std::mt19937 random = testing::seeded_generator();
  for (const Index n : {1, 2, 5, 30, 100}) {
    const MatrixXd q = random_orthogonal(random, n);
    Eigen::VectorXd eigenvalues = Eigen::VectorXd::LinSpaced(n, 1e-3, 2.0);
    EXPECT_TRUE(verify_positive_definite(q * eigenvalues.asDiagonal() * q.transpose())) << n;
    // Slightly indefinite: one eigenvalue −1e-12 (or exactly 0). The test must fail.
    for (const double smallest : {-1e-12, 0.0, -1e-3}) {
      eigenvalues[0] = smallest;
      MatrixXd a = q * eigenvalues.asDiagonal() * q.transpose();
      a = (a + a.transpose()) / 2;
      EXPECT_FALSE(verify_positive_definite(a)) << n << " " << smallest;
    }
  }
  EXPECT_FALSE(verify_positive_definite(MatrixXd::Zero(3, 3)));
  MatrixXd nan = MatrixXd::Identity(3, 3);
  nan(2, 1) = std::nan("");
  EXPECT_FALSE(verify_positive_definite(nan));
}

}  // namespace
}  // namespace certnn::stability
