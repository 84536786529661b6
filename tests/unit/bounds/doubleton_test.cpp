// The doubleton bound method under its three strategies: exact widths on orthogonal linear
// networks where interval propagation blows up, enclosure of the forward pass at random points
// and box vertices on networks using every layer kind, tighter than intervals on ReLU MLPs; the
// verified inverse of a nearly orthogonal Q and the rigorous interval products it rests on; the
// clear errors (too wide a layer, a box of the wrong size). The MPFR-exact check is in
// tests/soundness.
#include "certnn/bounds/doubleton.hpp"

#include <gtest/gtest.h>

#include <map>

#include <Eigen/LU>
#include <Eigen/QR>
#include <array>
#include <cmath>
#include <limits>
#include <random>
#include <set>
#include <string>
#include <variant>

#include "certnn/bounds/doubleton_set.hpp"
#include "certnn/bounds/ibp.hpp"
#include "certnn/bounds/interval_linear_algebra.hpp"
#include "certnn/core/error.hpp"
#include "certnn/core/rounding.hpp"
#include "certnn/model/forward.hpp"
#include "certnn/model/shape_inference.hpp"
#include "bound_test_support.hpp"
#include "random_seed.hpp"

namespace certnn::bounds {
namespace {

using namespace certnn::bounds::test;

using model::Network;
using model::ValueId;
using Eigen::Index;
using Eigen::MatrixXd;
using Eigen::VectorXd;
using MatrixXld = Eigen::Matrix<long double, Eigen::Dynamic, Eigen::Dynamic>;
using VectorXld = Eigen::Matrix<long double, Eigen::Dynamic, 1>;

// A long double reference (64-bit significand) is within about n·2^-64 relative of the exact value.
constexpr long double kReferenceSlack = 1e-16L;

constexpr std::array kStrategies{DoubletonStrategy::Identity, DoubletonStrategy::Qr, DoubletonStrategy::QrPivoted};

std::string strategy_name(DoubletonStrategy s) {
  switch (s) {
    case DoubletonStrategy::Identity: return "Identity";
    case DoubletonStrategy::Qr: return "Qr";
    case DoubletonStrategy::QrPivoted: return "QrPivoted";
  }
  return "?";
}

Options with_strategy(DoubletonStrategy s) {
  Options options;
  options.doubleton_strategy = s;
  return options;
}

TEST(Doubleton, EveryKindNetworkCoversEveryLayerKindAndNoneIsRefused) {
  std::mt19937 rng(1);
  const Network network = every_kind_network(rng);
  std::set<std::size_t> kinds;
  for (const auto& node : network.nodes()) kinds.insert(node.op.index());
  // A new layer kind must be added to every_kind_network so that its enclosure is tested here.
  EXPECT_EQ(kinds.size(), std::variant_size_v<model::LayerOp>);
  EXPECT_NO_THROW(DoubletonMethod().check(network));
  EXPECT_EQ(DoubletonMethod().name(), "doubleton");
}

TEST(Doubleton, OrthogonalNetworksAreExactForEveryStrategyWhereIntervalsBlowUp) {
  std::mt19937 rng = testing::seeded_generator();
  constexpr int kDepth = 10;
  for (const Index n : {16, 37, 64}) {
    SCOPED_TRACE("n = " + std::to_string(n));
    Network network({1, n});
    MatrixXld product = MatrixXld::Identity(n, n);
    double interval_growth = 1.0;  // Π ‖|W_k|‖∞: how interval arithmetic grows a box
    for (int layer = 0; layer < kDepth; ++layer) {
      const MatrixXd q = random_orthogonal(rng, n);
      network.add("orthogonal" + std::to_string(layer), model::Dense{q, random_vector(rng, n, -1, 1)},
                  {network.output()});
      product = q.cast<long double>() * product;
      interval_growth *= q.cwiseAbs().rowwise().sum().maxCoeff();
    }
    const Box input = box_around(random_vector(rng, n, -1, 1), random_vector(rng, n, 0.0, 0.1));
    // The exact range of x ↦ M x + β over a box has width |M|·(upper − lower).
    const VectorXld exact = product.cwiseAbs() * (input.upper.cast<long double>() - input.lower.cast<long double>());
    const Box ibp = IbpMethod().propagate(network, input, Options{}).output;
    for (const DoubletonStrategy strategy : kStrategies) {
      SCOPED_TRACE(strategy_name(strategy));
      const Box doubleton = DoubletonMethod().propagate(network, input, with_strategy(strategy)).output;
      // The input part C is propagated exactly; only rounding errors enter the error part. The QR
      // strategies keep those at rounding size. Strategy 1 keeps them as a box, which each layer
      // grows by ‖|W|‖∞ as in interval arithmetic: a relative excess of about
      // γ_{n+1}·Π‖|W_k|‖∞ (measured: 1 to 5 times that), allowed here 100 times.
      const double tolerance = strategy == DoubletonStrategy::Identity
                                   ? 1e-9 + 100.0 * rounding::gamma(n + 1) * interval_growth
                                   : 1e-9;
      for (Index i = 0; i < n; ++i) {
        const double width = doubleton.upper[i] - doubleton.lower[i], exact_width = static_cast<double>(exact[i]);
        EXPECT_GE(width, exact_width * (1 - 1e-12)) << "output " << i;
        EXPECT_LE(width, exact_width * (1 + tolerance)) << "output " << i;
      }
      // |Q| grows widths by about √(2n/π) per layer in interval arithmetic.
      EXPECT_GT(mean_width(ibp), 10.0 * mean_width(doubleton));
    }
  }
}

TEST(Doubleton, EnclosesEveryKindNetworkAtPointsAndVerticesForEveryStrategy) {
  std::mt19937 rng = testing::seeded_generator();
  for (int trial = 0; trial < 8; ++trial) {
    const Network network = every_kind_network(rng);
    const double eps = std::array{0.0, 0.001, 0.05, 0.3}[trial % 4];
    const Box input = box_around(random_vector(rng, network.input_size(), -1, 1),
                                 VectorXd::Constant(network.input_size(), eps));
    for (const DoubletonStrategy strategy : kStrategies) {
      SCOPED_TRACE("trial " + std::to_string(trial) + " " + strategy_name(strategy));
      const Box bound = DoubletonMethod().propagate(network, input, with_strategy(strategy)).output;
      EXPECT_EQ(count_outside(network, input, bound, rng, 200), 0);
    }
  }
}

TEST(Doubleton, ReluNetworksAreEnclosedAndTighterThanIntervals) {
  std::mt19937 rng = testing::seeded_generator();
  constexpr int kTrials = 6;
  // Per strategy and slope: the trials where the doubleton came out tighter than intervals.
  std::map<std::pair<int, int>, int> tighter;
  for (int trial = 0; trial < kTrials; ++trial) {
    const Network network = relu_mlp(rng, 8, 32, 4, 5);
    const Box input = box_around(random_vector(rng, 8, -1, 1), VectorXd::Constant(8, 0.05));
    const Box ibp = IbpMethod().propagate(network, input, Options{}).output;
    for (const DoubletonStrategy strategy : kStrategies)
      for (const auto slope : {relax::ReluSlope::MinimalArea, relax::ReluSlope::Smoothed}) {
        SCOPED_TRACE("trial " + std::to_string(trial) + " " + strategy_name(strategy));
        Options options = with_strategy(strategy);
        options.relu_slope = slope;
        const Box doubleton = DoubletonMethod().propagate(network, input, options).output;
        EXPECT_EQ(count_outside(network, input, doubleton, rng, 200), 0);
        tighter[{static_cast<int>(strategy), static_cast<int>(slope)}] += mean_width(doubleton) < mean_width(ibp);
      }
  }
  // Unpivoted QR wraps the ReLU errors into coordinates chosen without regard to their size and
  // may lose to intervals, as may pivoted QR with the smoothed slope (its larger offsets). The
  // others lose on rare networks only: pivoted QR with minimal-area slopes lost one trial in
  // about 800 (3 of 400 runs of this test had one loss), so one loss in the six is allowed.
  for (const DoubletonStrategy strategy : kStrategies)
    for (const auto slope : {relax::ReluSlope::MinimalArea, relax::ReluSlope::Smoothed})
      if (strategy != DoubletonStrategy::Qr &&
          (strategy == DoubletonStrategy::Identity || slope == relax::ReluSlope::MinimalArea)) {
        EXPECT_GE((tighter[{static_cast<int>(strategy), static_cast<int>(slope)}]), kTrials - 1)
            << strategy_name(strategy);
      }
}

TEST(Doubleton, SmallBoxesWithAllVertices) {
  // Six inputs: all 64 vertices, through conv, ReLU, max pooling, sigmoid and softmax.
  std::mt19937 rng = testing::seeded_generator();
  for (int trial = 0; trial < 8; ++trial) {
    const Network n = six_input_network(rng);
    const Box input = box_around(random_vector(rng, 6, -1, 1), random_vector(rng, 6, 0.0, 0.5));
    const MatrixXd vertices = vertices_of(input);
    const MatrixXd outputs = model::forward<double>(n, vertices);
    for (const DoubletonStrategy strategy : kStrategies) {
      const Box bound = DoubletonMethod().propagate(n, input, with_strategy(strategy)).output;
      for (Index s = 0; s < 64; ++s)
        EXPECT_TRUE(bound.contains(outputs.col(s)))
            << strategy_name(strategy) << " vertex " << s << "\n" << outputs.col(s).transpose();
    }
  }
}

TEST(Doubleton, SeedPaperReluVariantOnMinusOneToThree) {
  Network network({1, 1});
  network.add("relu", model::Relu{}, {0});
  const Box input{VectorXd::Constant(1, -1.0), VectorXd::Constant(1, 3.0)};
  for (const DoubletonStrategy strategy : kStrategies) {
    Options options = with_strategy(strategy);
    options.relu_slope = relax::ReluSlope::Smoothed;
    const Box smoothed = DoubletonMethod().propagate(network, input, options).output;
    EXPECT_NEAR(smoothed.lower[0], -0.711, 1e-3);
    EXPECT_NEAR(smoothed.upper[0], 3.0, 1e-12);
    EXPECT_GE(smoothed.upper[0], 3.0);
    // The minimal-area parallelogram: slope 3/4, offset [0, 3/4], so 3/4·[−1, 3] + [0, 3/4].
    const Box minimal = DoubletonMethod().propagate(network, input, with_strategy(strategy)).output;
    EXPECT_NEAR(minimal.lower[0], -0.75, 1e-12);
    EXPECT_LE(minimal.lower[0], -0.75);
    EXPECT_NEAR(minimal.upper[0], 3.0, 1e-12);
    EXPECT_GE(minimal.upper[0], 3.0);
  }
}

TEST(Doubleton, SameValueTwiceSharesItsErrors) {
  // relu(x) − relu(x) is 0 and relu(x) + relu(x) is 2·relu(x): one error vector, not two boxes.
  Network difference({1, 3});
  const ValueId y = difference.add("relu", model::Relu{}, {0});
  difference.add("difference", model::SubTensors{}, {y, y});
  Network twice({1, 3});
  const ValueId z = twice.add("relu", model::Relu{}, {0});
  twice.add("twice", model::AddTensors{}, {z, z});
  const Box input{VectorXd::Constant(3, -1.0), VectorXd::Constant(3, 2.0)};
  for (const DoubletonStrategy strategy : kStrategies) {
    const Box zero = DoubletonMethod().propagate(difference, input, with_strategy(strategy)).output;
    EXPECT_LT(zero.width().maxCoeff(), 1e-14);
    EXPECT_LE(zero.lower.maxCoeff(), 0.0);
    EXPECT_GE(zero.upper.minCoeff(), 0.0);
    // Slope 2/3 and offset [0, 2/3] doubled: 4/3·[−1, 2] + [0, 4/3] = [−4/3, 4].
    const Box doubled = DoubletonMethod().propagate(twice, input, with_strategy(strategy)).output;
    EXPECT_NEAR(doubled.lower[0], -4.0 / 3.0, 1e-12);
    EXPECT_NEAR(doubled.upper[0], 4.0, 1e-12);
  }
}

TEST(Doubleton, MaxPoolCopiesADominantElementExactly) {
  Network network({1, 1, 2, 2});
  network.add("pool", model::MaxPool{window({1, 1, 2, 2}, 2, 1, {0, 0, 0, 0})}, {0});
  const Box input{Eigen::Vector4d(5.0, -1.0, 0.0, 1.0), Eigen::Vector4d(6.0, 1.0, 2.0, 3.0)};
  const Box overlapping{Eigen::Vector4d(0.0, -1.0, 0.5, 1.0), Eigen::Vector4d(2.0, 1.0, 2.5, 3.0)};
  for (const DoubletonStrategy strategy : kStrategies) {
    const Box bound = DoubletonMethod().propagate(network, input, with_strategy(strategy)).output;
    EXPECT_NEAR(bound.lower[0], 5.0, 1e-14);
    EXPECT_NEAR(bound.upper[0], 6.0, 1e-14);
    EXPECT_LE(bound.lower[0], 5.0);
    EXPECT_GE(bound.upper[0], 6.0);
    // Overlapping elements: the interval hull [max of lower ends, max of upper ends].
    const Box hull = DoubletonMethod().propagate(network, overlapping, with_strategy(strategy)).output;
    EXPECT_LE(hull.lower[0], 1.0);
    EXPECT_GE(hull.upper[0], 3.0);
    EXPECT_LE(hull.upper[0] - hull.lower[0], 2.0 + 1e-12);
  }
}

TEST(Doubleton, SoftmaxEnclosesExactValuesAndIsNoWiderThanIntervals) {
  std::mt19937 rng = testing::seeded_generator();
  for (int trial = 0; trial < 16; ++trial) {
    const Index g = 2 + trial % 6;
    Network network({1, g});
    network.add("mix", model::Dense{random_matrix(rng, g, g, 1.0), random_vector(rng, g, -1, 1)}, {0});
    network.add("softmax", model::Softmax{g}, {network.output()});
    const Box input = box_around(random_vector(rng, g, -2, 2), VectorXd::Constant(g, trial < 8 ? 0.01 : 1.0));
    const Box ibp = IbpMethod().propagate(network, input, Options{}).output;
    const auto& dense = std::get<model::Dense>(network.nodes()[0].op);
    const MatrixXd points = points_in(input, rng, 100);
    for (const DoubletonStrategy strategy : kStrategies) {
      const Box doubleton = DoubletonMethod().propagate(network, input, with_strategy(strategy)).output;
      for (Index s = 0; s < points.cols(); ++s) {
        const VectorXld z = dense.weight.cast<long double>() * points.col(s).cast<long double>() +
                            dense.bias.cast<long double>();
        const VectorXld e = (z.array() - z.maxCoeff()).exp().matrix();
        for (Index i = 0; i < g; ++i) {
          const long double value = e[i] / e.sum();
          EXPECT_LE(doubleton.lower[i], value + kReferenceSlack) << "trial " << trial << " output " << i;
          EXPECT_GE(doubleton.upper[i], value - kReferenceSlack) << "trial " << trial << " output " << i;
        }
      }
      // Each row takes the narrower of the mean-value form and the interval range (up to rounding).
      for (Index i = 0; i < g; ++i) EXPECT_LE(doubleton.width()[i], ibp.width()[i] * (1 + 1e-6) + 1e-15) << trial;
    }
  }
}

TEST(Doubleton, Float32InferenceEnclosesAFloat32Engine) {
  std::mt19937 rng = testing::seeded_generator();
  for (int trial = 0; trial < 3; ++trial) {
    const Network network = every_kind_network(rng);
    const Box input = box_around(random_vector(rng, network.input_size(), -1, 1),
                                 VectorXd::Constant(network.input_size(), trial == 0 ? 0.0 : 0.02));
    const model::Batch<float> points = points_in(input, rng, 100).cast<float>();
    const model::Batch<float> outputs = model::forward<float>(network, points);
    for (const DoubletonStrategy strategy : kStrategies) {
      Options options = with_strategy(strategy);
      options.inference = Inference::Float32;
      const Box bound = DoubletonMethod().propagate(network, input, options).output;
      for (Index s = 0; s < outputs.cols(); ++s)
        EXPECT_TRUE(bound.contains(outputs.col(s).cast<double>()))
            << strategy_name(strategy) << " trial " << trial << " sample " << s;
    }
  }
}

TEST(Doubleton, UnboundedInputsGiveInfiniteButNeverNaNBounds) {
  std::mt19937 rng(7);
  const Network network = every_kind_network(rng);
  Box input = box_around(VectorXd::Zero(network.input_size()), VectorXd::Constant(network.input_size(), 0.1));
  input.upper[3] = std::numeric_limits<double>::infinity();
  for (const DoubletonStrategy strategy : kStrategies) {
    const Box bound = DoubletonMethod().propagate(network, input, with_strategy(strategy)).output;
    for (Index i = 0; i < bound.size(); ++i) {
      EXPECT_FALSE(std::isnan(bound.lower[i]));
      EXPECT_FALSE(std::isnan(bound.upper[i]));
      EXPECT_LE(bound.lower[i], bound.upper[i]);
    }
  }
  // Overflow inside the network (weights near the top of the range) ends the same way.
  Network huge({1, 2});
  const model::Dense overflowing{MatrixXd::Constant(2, 2, 1e308), VectorXd::Zero(2)};
  huge.add("dense", overflowing, {0});
  huge.add("relu", model::Relu{}, {huge.output()});
  const Box unit{VectorXd::Constant(2, -1.0), VectorXd::Constant(2, 1.0)};
  const Box bound = DoubletonMethod().propagate(huge, unit, Options{}).output;
  EXPECT_EQ(bound.lower[0], -std::numeric_limits<double>::infinity());
  EXPECT_EQ(bound.upper[0], std::numeric_limits<double>::infinity());
}

TEST(Doubleton, WrongBoxSizeIsAClearError) {
  Network network({1, 4});
  network.add("relu", model::Relu{}, {0});
  const Box input{VectorXd::Zero(3), VectorXd::Ones(3)};
  try {
    DoubletonMethod().propagate(network, input, Options{});
    FAIL() << "expected ShapeError";
  } catch (const ShapeError& e) {
    EXPECT_STREQ(e.what(), "doubleton: the input box has 3 elements, the network expects 4");
  }
  const Box reversed{VectorXd::Ones(4), VectorXd::Zero(4)};
  EXPECT_THROW(DoubletonMethod().propagate(network, reversed, Options{}), Error);
}

TEST(Doubleton, TooWideLayersAreRefusedByNameBeforeAnyWork) {
  std::mt19937 rng(3);
  const Network network = relu_mlp(rng, 4, 16, 2, 3);  // dense0 [16], relu0, dense1 [16], relu1, dense2 [3]
  Options options;
  options.doubleton_max_width = 8;
  try {
    DoubletonMethod().propagate(network, box_around(VectorXd::Zero(4), VectorXd::Ones(4)), options);
    FAIL() << "expected Unsupported";
  } catch (const Unsupported& e) {
    const std::string message = e.what();
    EXPECT_EQ(message.rfind("doubleton: layer Dense (node 'dense0') has 16 outputs, above the doubleton width limit 8", 0),
              0u)
        << message;
    for (const char* node : {"'dense0'", "'relu0'", "'dense1'", "'relu1'"})
      EXPECT_NE(message.find(node), std::string::npos) << message;
    EXPECT_EQ(message.find("'dense2'"), std::string::npos) << message;
  }
  options.doubleton_max_width = 16;
  EXPECT_NO_THROW(DoubletonMethod().propagate(network, box_around(VectorXd::Zero(4), VectorXd::Ones(4)), options));
}

// ‖QᵀQ − I‖∞ in long double.
long double defect_reference(const MatrixXd& q) {
  const MatrixXld ql = q.cast<long double>();
  const MatrixXld r = ql.transpose() * ql - MatrixXld::Identity(q.rows(), q.cols());
  return r.cwiseAbs().rowwise().sum().maxCoeff();
}

TEST(IntervalLinearAlgebra, OrthogonalityDefectBoundsTheTrueDefect) {
  std::mt19937 rng = testing::seeded_generator();
  for (const Index n : {1, 5, 40, 120}) {
    const MatrixXd q = random_orthogonal(rng, n);
    const double defect = orthogonality_defect(q);
    EXPECT_GE(defect, static_cast<double>(defect_reference(q)));
    // A Householder Q is orthogonal to about n·u; the bound stays within a modest factor of n²·u.
    EXPECT_LT(defect, 4.0 * static_cast<double>(n * n + n) * 0x1p-53) << n;
    for (const double size : {1e-8, 1e-3, 0.1}) {
      const MatrixXd perturbed = q + random_matrix(rng, n, n, size);
      EXPECT_GE(orthogonality_defect(perturbed), static_cast<double>(defect_reference(perturbed))) << n << " " << size;
    }
  }
  EXPECT_LT(orthogonality_defect(MatrixXd::Identity(4, 4)), 1e-14);
  EXPECT_TRUE(std::isinf(orthogonality_defect(MatrixXd::Ones(3, 2))));
}

TEST(IntervalLinearAlgebra, VerifiedInverseOfAPerturbedQEnclosesTheExactSolution) {
  std::mt19937 rng = testing::seeded_generator();
  for (int trial = 0; trial < 12; ++trial) {
    const Index n = 3 + trial * 3, m = n + (trial % 3) - 1;
    const double size = std::array{0.0, 1e-6, 1e-3, 5e-3}[trial % 4];
    const MatrixXd q = random_orthogonal(rng, n) + random_matrix(rng, n, n, size);
    const MatrixXd a = random_matrix(rng, n, m, 2.0);
    const IntervalVector x{random_vector(rng, m, -1, 1), random_vector(rng, m, 0, 0.5)};
    const VectorXd error = random_vector(rng, n, 0, 0.1);
    const double defect = orthogonality_defect(q);
    const std::optional<IntervalVector> image = orthogonal_inverse_image(q, defect, a, x, error);
    ASSERT_TRUE(image.has_value()) << "defect " << defect;
    const Eigen::PartialPivLU<MatrixXld> lu(q.cast<long double>());
    for (int sample = 0; sample < 200; ++sample) {
      // Vertices of both boxes (the extreme points of the image) and random interior points.
      const bool vertex = sample % 2 == 0;
      VectorXld v(m), e(n);
      for (Index j = 0; j < m; ++j)
        v[j] = x.mid[j] + (vertex ? (rng() % 2 ? 1 : -1) : uniform(rng, -1, 1)) * static_cast<long double>(x.rad[j]);
      for (Index i = 0; i < n; ++i)
        e[i] = (vertex ? (rng() % 2 ? 1 : -1) : uniform(rng, -1, 1)) * static_cast<long double>(error[i]);
      const VectorXld solution = lu.solve(a.cast<long double>() * v + e);
      for (Index i = 0; i < n; ++i) {
        const long double slack = kReferenceSlack * (1 + std::abs(solution[i]));
        EXPECT_LE(image->mid[i] - static_cast<long double>(image->rad[i]), solution[i] + slack) << trial;
        EXPECT_GE(image->mid[i] + static_cast<long double>(image->rad[i]), solution[i] - slack) << trial;
      }
    }
  }
}

TEST(IntervalLinearAlgebra, VerifiedInverseRefusesAQFarFromOrthogonal) {
  std::mt19937 rng = testing::seeded_generator();
  const MatrixXd q = random_orthogonal(rng, 6) * 1.5;  // QᵀQ = 2.25·I
  EXPECT_GE(orthogonality_defect(q), 1.25);
  EXPECT_FALSE(orthogonal_inverse_image(q, orthogonality_defect(q), MatrixXd::Identity(6, 6), IntervalVector::zero(6),
                                        VectorXd::Zero(6))
                   .has_value());
  EXPECT_FALSE(orthogonal_inverse_image(MatrixXd::Identity(2, 2), std::nan(""), MatrixXd::Identity(2, 2),
                                        IntervalVector::zero(2), VectorXd::Zero(2))
                   .has_value());
}

TEST(IntervalLinearAlgebra, IntervalProductsEncloseDenseAndSparse) {
  std::mt19937 rng = testing::seeded_generator();
  for (int trial = 0; trial < 10; ++trial) {
    const Index rows = 1 + trial * 7, cols = 2 + trial * 5;
    // Entries of mixed magnitudes so that rounding matters.
    MatrixXd dense = random_matrix(rng, rows, cols, 1.0);
    for (Index i = 0; i < rows; ++i)
      for (Index j = 0; j < cols; ++j) dense(i, j) *= std::ldexp(1.0, static_cast<int>(rng() % 60) - 30);
    MatrixXd pruned = dense;
    for (Index i = 0; i < rows; ++i)
      for (Index j = 0; j < cols; ++j)
        if (rng() % 3 == 0) pruned(i, j) = 0.0;
    const SparseRowMatrix sparse = pruned.sparseView();
    Index fan_in = 0;
    for (Index i = 0; i < rows; ++i) fan_in = std::max<Index>(fan_in, (pruned.row(i).array() != 0.0).count());
    const IntervalVector x{random_vector(rng, cols, -3, 3), random_vector(rng, cols, 0, 1)};
    const IntervalVector dense_image = multiply(dense, cols, x);
    const IntervalVector sparse_image = multiply(sparse, fan_in, x);
    for (int sample = 0; sample < 50; ++sample) {
      VectorXld v(cols);
      for (Index j = 0; j < cols; ++j)
        v[j] = static_cast<long double>(x.mid[j]) +
               static_cast<long double>(uniform(rng, -1, 1)) * static_cast<long double>(x.rad[j]);
      const VectorXld exact_dense = dense.cast<long double>() * v, exact_sparse = pruned.cast<long double>() * v;
      for (Index i = 0; i < rows; ++i) {
        EXPECT_LE(std::abs(exact_dense[i] - dense_image.mid[i]), dense_image.rad[i] * (1 + 1e-15L));
        EXPECT_LE(std::abs(exact_sparse[i] - sparse_image.mid[i]), sparse_image.rad[i] * (1 + 1e-15L));
      }
    }
    // |M|·v bounded from above.
    const VectorXd weights = random_vector(rng, cols, 0, 2);
    const VectorXd bound = abs_product_up(dense, cols, weights);
    const VectorXld exact = dense.cast<long double>().cwiseAbs() * weights.cast<long double>();
    for (Index i = 0; i < rows; ++i) EXPECT_GE(static_cast<long double>(bound[i]), exact[i]);
  }
}

TEST(DoubletonSet, RebaseWithAnyStrategyKeepsThePointsOfTheSet) {
  // One dense map applied to a doubleton with a non-trivial basis: points c + C r0 + B q of the
  // operand map into the image for every strategy and when the errors are appended (checked in
  // long double).
  std::mt19937 rng = testing::seeded_generator();
  for (int trial = 0; trial < 10; ++trial) {
    const Index n0 = 3, n = 6, m = 4, out = 5;
    Doubleton x;
    x.centre = random_vector(rng, n, -1, 1);
    x.input_part = random_matrix(rng, n, n0, 1.0);
    x.basis = random_matrix(rng, n, m, 1.0);
    x.identity_basis = false;
    x.error = IntervalVector{random_vector(rng, m, -0.5, 0.5), random_vector(rng, m, 0, 0.3)};
    const MatrixXd w = random_matrix(rng, out, n, 1.0);
    const VectorXd b = random_vector(rng, out, -1, 1);
    for (int way = 0; way < 4; ++way) {  // the three strategies, then appending the errors
      const DoubletonStrategy strategy = kStrategies[way % 3];
      DoubletonImage image = map_affine(x, w, n, IntervalVector::point(b));
      const Box box = enclosing_box(way < 3 ? rebase(std::move(image), strategy) : append_errors(std::move(image)));
      for (int sample = 0; sample < 100; ++sample) {
        VectorXld r0(n0), q(m);
        for (Index j = 0; j < n0; ++j) r0[j] = sample % 2 ? (rng() % 2 ? 1 : -1) : uniform(rng, -1, 1);
        for (Index j = 0; j < m; ++j)
          q[j] = x.error.mid[j] + (sample % 2 ? (rng() % 2 ? 1 : -1) : uniform(rng, -1, 1)) * x.error.rad[j];
        const VectorXld v = x.centre.cast<long double>() + x.input_part.cast<long double>() * r0 +
                            x.basis.cast<long double>() * q;
        const VectorXld y = w.cast<long double>() * v + b.cast<long double>();
        for (Index i = 0; i < out; ++i) {
          EXPECT_LE(box.lower[i], y[i] + kReferenceSlack) << way;
          EXPECT_GE(box.upper[i], y[i] - kReferenceSlack) << way;
        }
      }
    }
  }
}

}  // namespace
}  // namespace certnn::bounds
