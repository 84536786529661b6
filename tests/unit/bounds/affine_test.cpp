// The affine (zonotope) bound method: exact widths on orthogonal linear networks where interval
// propagation blows up, enclosure of the forward pass at random points and box vertices on
// networks using every layer kind, the seed paper's ReLU variant, cancellation of shared symbols
// (residual subtraction, max pooling), softmax, symbol consolidation, float32 inference,
// MNIST-scale networks and the error for a box of the wrong size. The MPFR-exact check is in
// tests/soundness.
#include "certnn/bounds/affine.hpp"

#include <gtest/gtest.h>

#include <Eigen/QR>
#include <array>
#include <chrono>
#include <cmath>
#include <iostream>
#include <limits>
#include <random>
#include <set>
#include <string>
#include <variant>

#include "certnn/bounds/ibp.hpp"
#include "certnn/core/error.hpp"
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


TEST(Affine, EveryKindNetworkCoversEveryLayerKind) {
  std::mt19937 rng(1);
  const Network network = every_kind_network(rng);
  std::set<std::size_t> kinds;
  for (const auto& node : network.nodes()) kinds.insert(node.op.index());
  // A new layer kind must be added to every_kind_network so that its enclosure is tested here.
  EXPECT_EQ(kinds.size(), std::variant_size_v<model::LayerOp>);
  EXPECT_NO_THROW(AffineMethod().check(network));
}

TEST(Affine, OrthogonalNetworksAreExactWhereIntervalsBlowUp) {
  std::mt19937 rng = testing::seeded_generator();
  constexpr int kDepth = 10;
  for (const Index n : {16, 37, 64}) {
    SCOPED_TRACE("n = " + std::to_string(n));
    Network network({1, n});
    Eigen::Matrix<long double, -1, -1> product = Eigen::Matrix<long double, -1, -1>::Identity(n, n);
    for (int layer = 0; layer < kDepth; ++layer) {
      const MatrixXd q = Eigen::HouseholderQR<MatrixXd>(random_matrix(rng, n, n, 1.0)).householderQ();
      std::string name = "orthogonal";
      name += std::to_string(layer);
      network.add(name, model::Dense{q, random_vector(rng, n, -1, 1)}, {network.output()});
      product = q.cast<long double>() * product;
    }
    const Box input = box_around(random_vector(rng, n, -1, 1), random_vector(rng, n, 0.0, 0.1));
    // The exact range of x ↦ M x + β over a box has width |M|·(upper − lower).
    const Eigen::Matrix<long double, -1, 1> exact =
        product.cwiseAbs() * (input.upper.cast<long double>() - input.lower.cast<long double>());
    const Box affine = AffineMethod().propagate(network, input, Options{}).output;
    const Box ibp = IbpMethod().propagate(network, input, Options{}).output;
    for (Index i = 0; i < n; ++i) {
      const double width = affine.upper[i] - affine.lower[i], exact_width = static_cast<double>(exact[i]);
      EXPECT_GE(width, exact_width * (1 - 1e-12)) << "output " << i;
      EXPECT_LE(width, exact_width * (1 + 1e-9)) << "output " << i;
      EXPECT_LT(width, ibp.upper[i] - ibp.lower[i]) << "output " << i;
    }
    // |Q| grows widths by about √n per layer in interval arithmetic.
    EXPECT_GT(mean_width(ibp), 10.0 * mean_width(affine));
  }
}

TEST(Affine, EnclosesEveryKindNetworkAtPointsAndVertices) {
  std::mt19937 rng = testing::seeded_generator();
  for (int trial = 0; trial < 12; ++trial) {
    SCOPED_TRACE("trial " + std::to_string(trial));
    const Network network = every_kind_network(rng);
    const double eps = std::array{0.0, 0.001, 0.05, 0.3}[trial % 4];
    const Box input = box_around(random_vector(rng, network.input_size(), -1, 1),
                                 VectorXd::Constant(network.input_size(), eps));
    const Box bound = AffineMethod().propagate(network, input, Options{}).output;
    EXPECT_EQ(count_outside(network, input, bound, rng, 300), 0);
  }
}

TEST(Affine, EnclosesEveryKindNetworkWithFewSymbolsAndBothReluSlopes) {
  std::mt19937 rng = testing::seeded_generator();
  for (const std::int64_t limit : {0, 5, 40}) {
    for (const auto slope : {relax::ReluSlope::MinimalArea, relax::ReluSlope::Smoothed}) {
      SCOPED_TRACE("max_noise_symbols " + std::to_string(limit));
      const Network network = every_kind_network(rng);
      const Box input = box_around(random_vector(rng, network.input_size(), -1, 1),
                                   VectorXd::Constant(network.input_size(), 0.05));
      Options options;
      options.max_noise_symbols = limit;
      options.relu_slope = slope;
      Box bound;
      AffineMethod().propagate_forms(network, input, options, [&](ValueId v, const AffineForm& form) {
        EXPECT_LE(form.symbols(), limit) << "value " << v;
        if (v == network.output()) bound = enclosing_box(form);
      });
      EXPECT_EQ(count_outside(network, input, bound, rng, 200), 0);
    }
  }
}

TEST(Affine, ReluNetworksAreTighterThanIntervalsAndEnclosed) {
  std::mt19937 rng = testing::seeded_generator();
  for (int trial = 0; trial < 6; ++trial) {
    SCOPED_TRACE("trial " + std::to_string(trial));
    const Network network = relu_mlp(rng, 8, 32, 4, 5);
    const Box input = box_around(random_vector(rng, 8, -1, 1), VectorXd::Constant(8, 0.05));
    const Box affine = AffineMethod().propagate(network, input, Options{}).output;
    const Box ibp = IbpMethod().propagate(network, input, Options{}).output;
    EXPECT_LT(mean_width(affine), mean_width(ibp));
    EXPECT_EQ(count_outside(network, input, affine, rng, 300), 0);
  }
}

TEST(Affine, SmallBoxesWithAllVertices) {
  // Six inputs: all 64 vertices, through a ReLU/LeakyReLU/Sigmoid network with max pooling.
  std::mt19937 rng = testing::seeded_generator();
  for (int trial = 0; trial < 10; ++trial) {
    const Network n = six_input_network(rng);
    const Box input = box_around(random_vector(rng, 6, -1, 1), random_vector(rng, 6, 0.0, 0.5));
    const Box bound = AffineMethod().propagate(n, input, Options{}).output;
    const MatrixXd vertices = vertices_of(input);
    const MatrixXd outputs = model::forward<double>(n, vertices);
    for (Index s = 0; s < 64; ++s)
      for (Index i = 0; i < outputs.rows(); ++i) {
        const double v = outputs(i, s), slack = kForwardSlack * (1.0 + std::abs(v));
        EXPECT_TRUE(v >= bound.lower[i] - slack && v <= bound.upper[i] + slack)
            << "vertex " << s << " output " << i << ": " << v << " outside [" << bound.lower[i] << ", "
            << bound.upper[i] << "]";
      }
  }
}

TEST(Affine, SeedPaperReluVariantOnMinusOneToThree) {
  Network network({1, 1});
  network.add("relu", model::Relu{}, {0});
  const Box input{VectorXd::Constant(1, -1.0), VectorXd::Constant(1, 3.0)};
  Options options;
  options.relu_slope = relax::ReluSlope::Smoothed;
  const Box smoothed = AffineMethod().propagate(network, input, options).output;
  EXPECT_NEAR(smoothed.lower[0], -0.711, 1e-3);
  EXPECT_NEAR(smoothed.upper[0], 3.0, 1e-12);
  EXPECT_GE(smoothed.upper[0], 3.0);
  // The minimal-area parallelogram: slope 3/4, offset [0, 3/4].
  const Box minimal = AffineMethod().propagate(network, input, Options{}).output;
  EXPECT_NEAR(minimal.lower[0], -0.75, 1e-12);
  EXPECT_LE(minimal.lower[0], -0.75);
  EXPECT_NEAR(minimal.upper[0], 3.0, 1e-12);
}

TEST(Affine, SharedSymbolsCancelInResidualSubtraction) {
  // relu(x) − relu(x): the fresh ReLU symbols are shared, so the difference is 0 up to rounding,
  // where intervals give twice the ReLU range.
  Network network({1, 3});
  const ValueId y = network.add("relu", model::Relu{}, {0});
  network.add("difference", model::SubTensors{}, {y, y});
  const Box input{VectorXd::Constant(3, -1.0), VectorXd::Constant(3, 2.0)};
  const Box affine = AffineMethod().propagate(network, input, Options{}).output;
  EXPECT_LT(affine.width().maxCoeff(), 1e-14);
  EXPECT_LE(affine.lower.maxCoeff(), 0.0);
  EXPECT_GE(affine.upper.minCoeff(), 0.0);
  EXPECT_GE(IbpMethod().propagate(network, input, Options{}).output.width().minCoeff(), 4.0);
}

TEST(Affine, MaxPoolCopiesADominantElementExactly) {
  // Element 0 exceeds the others everywhere: the maximum is element 0 itself, width preserved.
  Network network({1, 1, 2, 2});
  network.add("pool", model::MaxPool{window({1, 1, 2, 2}, 2, 1, {0, 0, 0, 0})}, {0});
  const Box input{Eigen::Vector4d(5.0, -1.0, 0.0, 1.0), Eigen::Vector4d(6.0, 1.0, 2.0, 3.0)};
  const Box bound = AffineMethod().propagate(network, input, Options{}).output;
  EXPECT_NEAR(bound.lower[0], 5.0, 1e-14);
  EXPECT_NEAR(bound.upper[0], 6.0, 1e-14);
  EXPECT_LE(bound.lower[0], 5.0);
  EXPECT_GE(bound.upper[0], 6.0);
  // Overlapping elements: still enclosed, within the interval hull.
  const Box overlapping{Eigen::Vector4d(0.0, -1.0, 0.5, 1.0), Eigen::Vector4d(2.0, 1.0, 2.5, 3.0)};
  const Box hull = AffineMethod().propagate(network, overlapping, Options{}).output;
  EXPECT_LE(hull.lower[0], 1.0);
  EXPECT_GE(hull.upper[0], 3.0);
  EXPECT_LE(hull.upper[0] - hull.lower[0], 2.0 + 1e-12);
}

TEST(Affine, MaxPoolKeepsTheDependenceOnTheLeadingElement) {
  // a ∈ [0, 1], b ∈ [0, 0.01]: max(a, a + b − 0.005, a − 1, a − 2) − a = max(0, b − 0.005) lies in
  // [0, 0.005]; the pooled form a + [0, 0.005] keeps a's symbol, so subtracting a cancels it.
  Network network({1, 2});
  MatrixXd weight(4, 2);
  weight << 1, 0, 1, 1, 1, 0, 1, 0;
  ValueId v = network.add("spread", model::Dense{weight, Eigen::Vector4d(0.0, -0.005, -1.0, -2.0)}, {0});
  v = network.add("image", model::Reshape{{1, 1, 2, 2}}, {v});
  v = network.add("pool", model::MaxPool{window({1, 1, 2, 2}, 2, 1, {0, 0, 0, 0})}, {v});
  v = network.add("flat", model::Reshape{{1, 1}}, {v});
  model::Dense pick_a{MatrixXd(1, 2), VectorXd(1)};
  pick_a.weight << 1, 0;
  pick_a.bias << 0;
  const ValueId a = network.add("a", pick_a, {0});
  network.add("excess", model::SubTensors{}, {v, a});
  const Box input{Eigen::Vector2d(0.0, 0.0), Eigen::Vector2d(1.0, 0.01)};
  const Box bound = AffineMethod().propagate(network, input, Options{}).output;
  EXPECT_LE(bound.lower[0], 0.0);
  EXPECT_GE(bound.upper[0], 0.005);
  EXPECT_NEAR(bound.lower[0], 0.0, 1e-12);
  EXPECT_NEAR(bound.upper[0], 0.005, 1e-12);
}

TEST(Affine, SoftmaxMeanValueFormEnclosesAndBeatsIntervalsOnSmallBoxes) {
  std::mt19937 rng = testing::seeded_generator();
  double affine_small_boxes = 0.0, ibp_small_boxes = 0.0;
  for (int trial = 0; trial < 20; ++trial) {
    const Index g = 2 + trial % 6;
    Network network({1, g});
    network.add("mix", model::Dense{random_matrix(rng, g, g, 1.0), random_vector(rng, g, -1, 1)}, {0});
    network.add("softmax", model::Softmax{g}, {network.output()});
    const double eps = trial < 10 ? 0.01 : 1.0;
    const Box input = box_around(random_vector(rng, g, -2, 2), VectorXd::Constant(g, eps));
    const Box affine = AffineMethod().propagate(network, input, Options{}).output;
    // Exact softmax in long double at points of the box.
    const MatrixXd points = points_in(input, rng, 200);
    const auto& dense = std::get<model::Dense>(network.nodes()[0].op);
    for (Index s = 0; s < points.cols(); ++s) {
      const Eigen::Matrix<long double, -1, 1> z =
          dense.weight.cast<long double>() * points.col(s).cast<long double>() + dense.bias.cast<long double>();
      const Eigen::Matrix<long double, -1, 1> e = (z.array() - z.maxCoeff()).exp().matrix();
      for (Index i = 0; i < g; ++i) {
        const long double value = e[i] / e.sum();
        EXPECT_LE(affine.lower[i], value) << "trial " << trial << " output " << i;
        EXPECT_GE(affine.upper[i], value) << "trial " << trial << " output " << i;
      }
    }
    // Each row takes the narrower of the mean-value form and the interval range; over small
    // boxes the mean-value form (second-order remainder) wins on the whole.
    const Box ibp = IbpMethod().propagate(network, input, Options{}).output;
    for (Index i = 0; i < g; ++i) EXPECT_LE(affine.width()[i], ibp.width()[i] * (1 + 1e-9)) << trial;
    if (eps < 0.1) {
      affine_small_boxes += affine.width().sum();
      ibp_small_boxes += ibp.width().sum();
    }
  }
  EXPECT_LT(affine_small_boxes, 0.8 * ibp_small_boxes);
}

TEST(Affine, Float32InferenceEnclosesAFloat32Engine) {
  std::mt19937 rng = testing::seeded_generator();
  Options options;
  options.inference = Inference::Float32;
  for (int trial = 0; trial < 4; ++trial) {
    const Network network = every_kind_network(rng);
    const Box input = box_around(random_vector(rng, network.input_size(), -1, 1),
                                 VectorXd::Constant(network.input_size(), trial == 0 ? 0.0 : 0.02));
    const Box bound = AffineMethod().propagate(network, input, options).output;
    const model::Batch<float> points = points_in(input, rng, 100).cast<float>();
    const model::Batch<float> outputs = model::forward<float>(network, points);
    for (Index s = 0; s < outputs.cols(); ++s)
      EXPECT_TRUE(bound.contains(outputs.col(s).cast<double>())) << "trial " << trial << " sample " << s;
  }
}

TEST(Affine, UnboundedInputsGiveInfiniteButNeverNaNBounds) {
  std::mt19937 rng(7);
  const Network network = every_kind_network(rng);
  Box input = box_around(VectorXd::Zero(network.input_size()), VectorXd::Constant(network.input_size(), 0.1));
  input.upper[3] = std::numeric_limits<double>::infinity();
  const Box bound = AffineMethod().propagate(network, input, Options{}).output;
  for (Index i = 0; i < bound.size(); ++i) {
    EXPECT_FALSE(std::isnan(bound.lower[i]));
    EXPECT_FALSE(std::isnan(bound.upper[i]));
    EXPECT_LE(bound.lower[i], bound.upper[i]);
  }
}

// The small CNN of Gowal et al. (2018) on a 1×28×28 input and a 9×200 ReLU MLP on 784 inputs,
// with random weights: enclosure at this scale, and the time taken (printed; the speed targets
// live in bench/).
Network gowal_small_cnn(std::mt19937& rng) {
  Network n({1, 1, 28, 28});
  ValueId v = model::kInputValue;
  for (const auto& [channels, stride] : {std::pair<Index, std::int64_t>{16, 2}, {32, 1}}) {
    const model::Window2d w = window(n.shape(v), 4, stride, {0, 0, 0, 0});
    const double scale = std::sqrt(6.0 / static_cast<double>(w.channels * 16));
    v = n.add("conv" + std::to_string(channels),
              model::Conv2d{w, channels, random_matrix(rng, channels, w.channels * 16, scale), random_vector(rng, channels, -0.1, 0.1)},
              {v});
    v = n.add("relu" + std::to_string(channels), model::Relu{}, {v});
  }
  v = n.add("flatten", model::Reshape{{1, n.size(v)}}, {v});
  v = n.add("dense", model::Dense{random_matrix(rng, 100, n.size(v), std::sqrt(6.0 / 3200.0)), random_vector(rng, 100, -0.1, 0.1)},
            {v});
  v = n.add("relu", model::Relu{}, {v});
  n.add("logits", model::Dense{random_matrix(rng, 10, 100, std::sqrt(0.06)), random_vector(rng, 10, -0.1, 0.1)}, {v});
  return n;
}

TEST(Affine, MnistScaleNetworksAreEnclosed) {
  std::mt19937 rng = testing::seeded_generator();
  const Network cnn = gowal_small_cnn(rng), mlp = relu_mlp(rng, 784, 200, 9, 10);
  for (const auto& [name, network] : {std::pair<std::string, const Network&>{"cnn", cnn}, {"mlp 9x200", mlp}}) {
    const Box input = linf_ball(random_vector(rng, 784, 0, 1), 0.1, Domain{});
    const auto start = std::chrono::steady_clock::now();
    const Box affine = AffineMethod().propagate(network, input, Options{}).output;
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::cout << name << " at eps 0.1: affine bounds in " << seconds << " s\n";
    EXPECT_EQ(count_outside(network, input, affine, rng, 50), 0) << name;
    EXPECT_LT(mean_width(affine), mean_width(IbpMethod().propagate(network, input, Options{}).output)) << name;
  }
}

TEST(Affine, WrongBoxSizeIsAClearError) {
  Network network({1, 4});
  network.add("relu", model::Relu{}, {0});
  const Box input{VectorXd::Zero(3), VectorXd::Ones(3)};
  try {
    AffineMethod().propagate(network, input, Options{});
    FAIL() << "expected ShapeError";
  } catch (const ShapeError& e) {
    EXPECT_STREQ(e.what(), "affine: the input box has 3 elements, the network expects 4");
  }
  const Box reversed{VectorXd::Ones(4), VectorXd::Zero(4)};
  EXPECT_THROW(AffineMethod().propagate(network, reversed, Options{}), Error);
}

}  // namespace
}  // namespace certnn::bounds
