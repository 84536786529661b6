// Reverse-mode gradients (grad/backward.hpp) of every layer kind against central finite
// differences in float64 (finite_difference.hpp derives the tolerance), on random small networks
// and random points away from kinks; the one-sided choices at the kinks; batching; the errors.
#include "certnn/grad/backward.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <set>
#include <string>
#include <variant>

#include "certnn/core/error.hpp"
#include "certnn/model/shape_inference.hpp"
#include "grad/finite_difference.hpp"
#include "random_seed.hpp"
#include "random_windows.hpp"

namespace certnn::grad {
namespace {

using namespace certnn::model;
using testing::GradientErrors;
using testing::kTolerance;
using testing::uniform_matrix;
using certnn::testing::random_window;
using certnn::testing::WindowLimits;

std::int64_t uniform_int(std::mt19937& random, std::int64_t low, std::int64_t high) {
  return std::uniform_int_distribution<std::int64_t>(low, high)(random);
}
double uniform_real(std::mt19937& random, double low, double high) {
  return std::uniform_real_distribution<double>(low, high)(random);
}
Eigen::VectorXd random_vector(std::mt19937& random, std::int64_t size, double low = -1, double high = 1) {
  return uniform_matrix(random, size, 1, low, high);
}
// Scaled by 1/√fan-in so that values stay of order one through a few layers, as the tolerance
// derivation assumes.
Eigen::MatrixXd random_weights(std::mt19937& random, std::int64_t rows, std::int64_t fan_in) {
  return uniform_matrix(random, rows, fan_in, -1, 1) / std::sqrt(static_cast<double>(fan_in));
}
// Smaller windows than the forward tests draw keep the finite-difference checks quick.
WindowLimits kGradientWindows(std::int64_t max_pad) { return {3, 2, 2, max_pad}; }

Dense random_dense(std::mt19937& random, std::int64_t outputs, std::int64_t inputs) {
  return Dense{random_weights(random, outputs, inputs), random_vector(random, outputs)};
}

Conv2d random_convolution(std::mt19937& random, const Window2d& w, std::int64_t out_channels) {
  return Conv2d{w, out_channels, random_weights(random, out_channels, w.channels * w.kernel_h * w.kernel_w),
                random_vector(random, out_channels)};
}

BatchNorm random_batch_norm(std::mt19937& random, std::int64_t channels, std::int64_t channel_stride) {
  BatchNorm bn;
  // |scale| ≥ 0.5: a channel scaled nearly to a constant would hold near-ties for a max pool.
  bn.scale = random_vector(random, channels, 0.5, 2);
  for (Eigen::Index c = 0; c < channels; c += 2) bn.scale[c] = -bn.scale[c];
  bn.bias = random_vector(random, channels);
  bn.mean = random_vector(random, channels);
  bn.variance = random_vector(random, channels, 0.5, 2);
  bn.epsilon = uniform_real(random, 1e-6, 1e-2);
  bn.channel_stride = channel_stride;
  return bn;
}

Shape random_image_shape(std::mt19937& random, std::int64_t max_side = 6) {
  return {1, uniform_int(random, 1, 3), uniform_int(random, 2, max_side), uniform_int(random, 2, max_side)};
}

// Appends a convolution with a random window to an image network and returns its output shape.
Shape add_random_convolution(Network& network, std::mt19937& random, std::int64_t max_pad = 1) {
  const Shape in = network.shape(network.output());
  const Window2d w = random_window(random, in[1], in[2], in[3], false, kGradientWindows(max_pad));
  network.add("conv", random_convolution(random, w, uniform_int(random, 1, 3)), {network.output()});
  return network.shape(network.output());
}

// Compares the input and parameter gradients of one backward sweep at `inputs` (away from the
// kinks) and a random output cotangent with finite differences. Also checks that the separate
// entry points give the same gradients as the combined sweep.
void expect_gradients_match_finite_differences(const Network& network, const Batch<double>& inputs,
                                               std::mt19937& random) {
  const Batch<double> cotangent = uniform_matrix(random, network.output_size(), inputs.cols(), -1, 1);
  const Tape tape = record(network, inputs);
  const Gradients analytic = gradients(network, tape, cotangent);
  const GradientErrors errors = testing::gradient_errors(network, inputs, cotangent, analytic);
  EXPECT_LE(errors.input, kTolerance) << "input gradient";
  EXPECT_LE(errors.parameters, kTolerance) << "parameters of node '" << errors.worst_parameter_node << "'";

  EXPECT_EQ(input_gradient(network, tape, cotangent), analytic.input);
  const std::vector<ParameterGradient> parameters = parameter_gradients(network, tape, cotangent);
  ASSERT_EQ(parameters.size(), analytic.parameters.size());
  for (std::size_t k = 0; k < parameters.size(); ++k)
    EXPECT_EQ(testing::flatten(parameters[k]), testing::flatten(analytic.parameters[k])) << "node " << k;
}

// The same at one to three random inputs away from the kinks.
void expect_gradients_match_finite_differences(const Network& network, std::mt19937& random) {
  const Batch<double> inputs = testing::inputs_away_from_kinks(network, random, uniform_int(random, 1, 3));
  ASSERT_NE(inputs.size(), 0) << "no inputs away from the kinks in 200 draws";
  expect_gradients_match_finite_differences(network, inputs, random);
}

constexpr int kTrials = 40;

TEST(Tape, HoldsEveryValueOfTheForwardPass) {
  std::mt19937 random = certnn::testing::seeded_generator();
  Network network({1, 5});
  network.add("fc", random_dense(random, 4, 5), {0});
  network.add("relu", Relu{}, {1});
  network.add("fc2", random_dense(random, 3, 4), {2});
  const Batch<double> inputs = uniform_matrix(random, 5, 3, -1, 1);
  const Tape tape = record(network, inputs);
  ASSERT_EQ(tape.values.size(), 4u);
  EXPECT_EQ(tape.input(), inputs);
  EXPECT_EQ(tape.batch_size(), 3);
  EXPECT_EQ(tape.value(3), forward<double>(network, inputs));
  EXPECT_EQ(tape.value(2), tape.value(1).cwiseMax(0.0));
  EXPECT_THROW(record(network, uniform_matrix(random, 4, 3, -1, 1)), ShapeError);
}

TEST(Gradient, DenseMatchesFiniteDifferences) {
  std::mt19937 random = certnn::testing::seeded_generator();
  for (int trial = 0; trial < kTrials; ++trial) {
    SCOPED_TRACE("trial " + std::to_string(trial));
    const std::int64_t inputs = uniform_int(random, 1, 32), outputs = uniform_int(random, 1, 12);
    Network network({1, inputs});
    network.add("fc", random_dense(random, outputs, inputs), {0});
    expect_gradients_match_finite_differences(network, random);
  }
}

TEST(Gradient, ConvolutionWithStrideDilationAndPaddingMatchesFiniteDifferences) {
  std::mt19937 random = certnn::testing::seeded_generator();
  for (int trial = 0; trial < kTrials; ++trial) {
    SCOPED_TRACE("trial " + std::to_string(trial));
    Network network(random_image_shape(random));
    add_random_convolution(network, random);
    expect_gradients_match_finite_differences(network, random);
  }
}

TEST(Gradient, ElementWiseActivationsMatchFiniteDifferences) {
  std::mt19937 random = certnn::testing::seeded_generator();
  for (int trial = 0; trial < kTrials; ++trial) {
    SCOPED_TRACE("trial " + std::to_string(trial));
    const double alpha = uniform_real(random, 0.01, 0.5);
    for (const LayerOp& op : {LayerOp(Relu{}), LayerOp(LeakyRelu{alpha}), LayerOp(LeakyRelu{3.0}),
                              LayerOp(LeakyRelu{-0.5}), LayerOp(Sigmoid{}), LayerOp(Tanh{})}) {
      SCOPED_TRACE(std::string(kind_name(op)));
      const std::int64_t n = uniform_int(random, 1, 16), width = uniform_int(random, 1, 16);
      Network network({1, n});
      network.add("fc", random_dense(random, width, n), {0});
      network.add("activation", op, {1});
      network.add("fc2", random_dense(random, uniform_int(random, 1, 6), width), {2});
      expect_gradients_match_finite_differences(network, random);
    }
  }
}

TEST(Gradient, SoftmaxOverGroupsMatchesFiniteDifferences) {
  std::mt19937 random = certnn::testing::seeded_generator();
  for (int trial = 0; trial < kTrials; ++trial) {
    SCOPED_TRACE("trial " + std::to_string(trial));
    const std::int64_t groups = uniform_int(random, 1, 4), group_size = uniform_int(random, 1, 6);
    const std::int64_t n = uniform_int(random, 1, 10);
    Network network({1, n});
    const std::int64_t size = groups * group_size;
    network.add("fc", Dense{3 * random_weights(random, size, n), random_vector(random, size)}, {0});
    network.add("reshape", Reshape{{1, groups, group_size}}, {1});
    network.add("prob", Softmax{group_size}, {2});
    expect_gradients_match_finite_differences(network, random);
  }
}

TEST(Gradient, BatchNormAndReshapeMatchFiniteDifferences) {
  std::mt19937 random = certnn::testing::seeded_generator();
  for (int trial = 0; trial < kTrials; ++trial) {
    SCOPED_TRACE("trial " + std::to_string(trial));
    Network image(random_image_shape(random));
    const Shape conv = add_random_convolution(image, random);
    image.add("bn", random_batch_norm(random, conv[1], conv[2] * conv[3]), {image.output()});
    image.add("flatten", Reshape{{1, element_count(conv)}}, {image.output()});
    image.add("fc", random_dense(random, 3, element_count(conv)), {image.output()});
    expect_gradients_match_finite_differences(image, random);

    const std::int64_t n = uniform_int(random, 1, 8);
    Network flat({1, n});
    flat.add("bn", random_batch_norm(random, n, 1), {0});
    flat.add("tanh", Tanh{}, {1});
    expect_gradients_match_finite_differences(flat, random);
  }
}

TEST(Gradient, ElementWiseConstantsMatchFiniteDifferences) {
  std::mt19937 random = certnn::testing::seeded_generator();
  for (int trial = 0; trial < kTrials; ++trial) {
    SCOPED_TRACE("trial " + std::to_string(trial));
    const std::int64_t n = uniform_int(random, 1, 12), width = uniform_int(random, 1, 12);
    Eigen::VectorXd divisor = random_vector(random, width, 0.5, 2);
    for (Eigen::Index i = 0; i < width; i += 2) divisor[i] = -divisor[i];
    const Eigen::VectorXd constant = random_vector(random, width, -2, 2);
    for (const LayerOp& op : {LayerOp(AddConstant{constant}), LayerOp(SubConstant{constant, false}),
                              LayerOp(SubConstant{constant, true}), LayerOp(MulConstant{constant}),
                              LayerOp(DivConstant{divisor})}) {
      SCOPED_TRACE(std::string(kind_name(op)));
      Network network({1, n});
      network.add("fc", random_dense(random, width, n), {0});
      network.add("constant", op, {1});
      network.add("tanh", Tanh{}, {2});
      expect_gradients_match_finite_differences(network, random);
    }
  }
}

TEST(Gradient, PoolingAndPadMatchFiniteDifferences) {
  std::mt19937 random = certnn::testing::seeded_generator();
  for (int trial = 0; trial < kTrials; ++trial) {
    SCOPED_TRACE("trial " + std::to_string(trial));
    const Shape shape = random_image_shape(random);
    const auto pooling = [&] { return random_window(random, shape[1], shape[2], shape[3], true, kGradientWindows(1)); };
    for (const LayerOp& op : {LayerOp(AveragePool{pooling(), false}), LayerOp(AveragePool{pooling(), true}),
                              LayerOp(MaxPool{pooling()}),
                              LayerOp(Pad{{0, uniform_int(random, 0, 1), uniform_int(random, 0, 2), 0},
                                          {0, 0, uniform_int(random, 0, 2), uniform_int(random, 0, 2)},
                                          uniform_real(random, -1, 1)})}) {
      SCOPED_TRACE(std::string(kind_name(op)));
      Network network(shape);
      network.add("scale", MulConstant{random_vector(random, element_count(shape), 0.5, 2)}, {0});
      network.add("layer", op, {1});
      const std::int64_t size = network.size(network.output());
      network.add("flatten", Reshape{{1, size}}, {network.output()});
      network.add("fc", random_dense(random, 2, size), {network.output()});
      expect_gradients_match_finite_differences(network, random);
    }
  }
}

TEST(Gradient, ResidualGraphReadingValuesTwiceMatchesFiniteDifferences) {
  std::mt19937 random = certnn::testing::seeded_generator();
  for (int trial = 0; trial < kTrials; ++trial) {
    SCOPED_TRACE("trial " + std::to_string(trial));
    const std::int64_t n = uniform_int(random, 1, 12);
    Network network({1, n});
    const ValueId hidden = network.add("fc", random_dense(random, n, n), {0});
    const ValueId rectified = network.add("relu", Relu{}, {hidden});
    const ValueId skip = network.add("skip", AddTensors{}, {rectified, hidden});  // hidden read twice
    const ValueId difference = network.add("minus_input", SubTensors{}, {skip, kInputValue});
    const ValueId doubled = network.add("double", AddTensors{}, {difference, difference});  // one value twice
    const ValueId squashed = network.add("tanh", Tanh{}, {doubled});
    network.add("reverse", SubTensors{}, {kInputValue, squashed});
    expect_gradients_match_finite_differences(network, random);
  }
}

// Every kind at once: constants, conv, batch norm, leaky relu, max pool, pad, average pool,
// flatten, dense, relu, a residual block, tanh, sigmoid and a grouped softmax. The max pool reads
// values that all vary with the input (a convolution without padding, then LeakyRelu, which
// is one-to-one), so its windows hold no lasting near-ties, which would be kinks at every input.
Network random_network_drawn_once(std::mt19937& random) {
  const Shape shape{1, uniform_int(random, 1, 3), uniform_int(random, 5, 8), uniform_int(random, 5, 8)};
  Network network(shape);
  const std::int64_t size = element_count(shape);
  network.add("centre", SubConstant{random_vector(random, size), false}, {0});
  network.add("scale", DivConstant{random_vector(random, size, 0.5, 2)}, {network.output()});
  const Shape conv = add_random_convolution(network, random, 0);
  network.add("bn", random_batch_norm(random, conv[1], conv[2] * conv[3]), {network.output()});
  network.add("leaky", LeakyRelu{0.5}, {network.output()});
  const Window2d max_window = random_window(random, conv[1], conv[2], conv[3], true, kGradientWindows(1));
  network.add("max", MaxPool{max_window}, {network.output()});
  network.add("pad", Pad{{0, 0, 0, 0}, {0, 0, 1, 1}, 0.5}, {network.output()});
  const Shape padded = network.shape(network.output());
  const Window2d average_window = random_window(random, padded[1], padded[2], padded[3], true, kGradientWindows(1));
  network.add("average", AveragePool{average_window, uniform_int(random, 0, 1) == 1}, {network.output()});
  const std::int64_t flat = network.size(network.output());
  network.add("flatten", Reshape{{1, flat}}, {network.output()});
  const std::int64_t width = 2 * uniform_int(random, 2, 3);  // softmax groups of 2 or 3
  const ValueId hidden = network.add("fc1", random_dense(random, width, flat), {network.output()});
  const ValueId rectified = network.add("relu", Relu{}, {hidden});
  const ValueId inner = network.add("fc2", random_dense(random, width, width), {rectified});
  network.add("tanh", Tanh{}, {inner});
  network.add("residual", AddTensors{}, {network.output(), rectified});
  network.add("skip", SubTensors{}, {network.output(), hidden});
  network.add("gate", Sigmoid{}, {network.output()});
  network.add("gain", MulConstant{random_vector(random, width, -3, 3)}, {network.output()});
  network.add("offset", AddConstant{random_vector(random, width)}, {network.output()});
  network.add("flip", SubConstant{random_vector(random, width), true}, {network.output()});
  network.add("prob", Softmax{width / 2}, {network.output()});
  return network;
}

// A network of every kind and `batch` inputs away from its kinks. Small random geometries can
// leave the dense part reading padding only (an output that does not depend on the input), and a
// convolution channel with tiny weights can hold a max pool window near a tie at every input;
// such networks are drawn again.
struct NetworkAndInputs {
  Network network;
  Batch<double> inputs;
};
NetworkAndInputs random_network_of_every_kind(std::mt19937& random, Eigen::Index batch = 2) {
  for (;;) {
    Network network = random_network_drawn_once(random);
    const Batch<double> points = uniform_matrix(random, network.input_size(), 2, -1, 1);
    const Batch<double> outputs = forward<double>(network, points);
    if (outputs.col(0) == outputs.col(1)) continue;
    Batch<double> inputs = testing::inputs_away_from_kinks(network, random, batch);
    if (inputs.size() != 0) return {std::move(network), std::move(inputs)};
  }
}

TEST(Gradient, TheNetworkOfEveryKindHoldsEveryKind) {
  std::mt19937 random = certnn::testing::seeded_generator();
  const Network network = random_network_of_every_kind(random).network;
  std::set<std::size_t> kinds;
  for (const Node& node : network.nodes()) kinds.insert(node.op.index());
  EXPECT_EQ(kinds.size(), std::variant_size_v<LayerOp>);
}

TEST(Gradient, NetworkOfEveryKindMatchesFiniteDifferences) {
  std::mt19937 random = certnn::testing::seeded_generator();
  for (int trial = 0; trial < kTrials; ++trial) {
    SCOPED_TRACE("trial " + std::to_string(trial));
    const NetworkAndInputs drawn = random_network_of_every_kind(random, uniform_int(random, 1, 3));
    expect_gradients_match_finite_differences(drawn.network, drawn.inputs, random);
  }
}

TEST(Gradient, AWrongGradientIsCaughtByTheSameComparison) {
  std::mt19937 random = certnn::testing::seeded_generator();
  const auto [network, inputs] = random_network_of_every_kind(random);
  const Batch<double> cotangent = uniform_matrix(random, network.output_size(), 2, -1, 1);
  const Gradients right = gradients(network, record(network, inputs), cotangent);
  ASSERT_LE(testing::gradient_errors(network, inputs, cotangent, right).input, kTolerance);

  // The sign of the largest input-gradient entry flipped.
  Gradients wrong = right;
  Eigen::Index row = 0, col = 0;
  wrong.input.cwiseAbs().maxCoeff(&row, &col);
  ASSERT_GT(std::abs(wrong.input(row, col)), 10 * kTolerance);
  wrong.input(row, col) = -wrong.input(row, col);
  EXPECT_GT(testing::gradient_errors(network, inputs, cotangent, wrong).input, kTolerance);

  // The convolution's weight gradient with its sign flipped.
  wrong = right;
  for (std::size_t k = 0; k < network.nodes().size(); ++k)
    if (network.nodes()[k].name == "conv") wrong.parameters[k].weight = -wrong.parameters[k].weight;
  const GradientErrors errors = testing::gradient_errors(network, inputs, cotangent, wrong);
  EXPECT_GT(errors.parameters, kTolerance);
  EXPECT_EQ(errors.worst_parameter_node, "conv");
}

TEST(Gradient, KinksTakeTheStatedOneSidedDerivatives) {
  // Relu at 0: slope 0. LeakyRelu at 0: slope alpha.
  const Batch<double> zeros = Batch<double>::Zero(3, 2);
  const Batch<double> ones = Batch<double>::Ones(3, 2);
  Network relu({1, 3});
  relu.add("relu", Relu{}, {0});
  EXPECT_EQ(input_gradient(relu, record(relu, zeros), ones), zeros);
  Network leaky({1, 3});
  leaky.add("leaky", LeakyRelu{0.25}, {0});
  EXPECT_EQ(input_gradient(leaky, record(leaky, zeros), ones), Batch<double>::Constant(3, 2, 0.25));

  // MaxPool over a tie: the first maximal element in kernel row-major order takes it all.
  Network pool({1, 1, 2, 2});
  Window2d w;
  w.channels = 1;
  w.in_h = w.in_w = 2;
  w.kernel_h = w.kernel_w = 2;
  complete_window(w);
  pool.add("max", MaxPool{w}, {0});
  Batch<double> tie(4, 1);
  tie << 0.5, 2.0, 2.0, 1.0;  // [[0.5, 2], [2, 1]]: elements 1 and 2 tie
  Batch<double> expected(4, 1);
  expected << 0, 3, 0, 0;
  EXPECT_EQ(input_gradient(pool, record(pool, tie), Batch<double>::Constant(1, 1, 3.0)), expected);
}

TEST(Gradient, ColumnsOfABatchAreDifferentiatedIndependently) {
  std::mt19937 random = certnn::testing::seeded_generator();
  const auto [network, inputs] = random_network_of_every_kind(random, 4);
  const Batch<double> cotangent = uniform_matrix(random, network.output_size(), 4, -1, 1);
  const Batch<double> together = input_gradient(network, record(network, inputs), cotangent);
  for (Eigen::Index s = 0; s < inputs.cols(); ++s) {
    const Batch<double> alone = input_gradient(network, record(network, inputs.col(s)), cotangent.col(s));
    // The same operations, up to the summation order of a matrix product against a vector one.
    EXPECT_LE((alone - together.col(s)).cwiseAbs().maxCoeff(), 1e-12 * std::max(1.0, alone.cwiseAbs().maxCoeff()));
  }
}

TEST(Gradient, ParametersTheOutputDoesNotReadHaveZeroGradients) {
  std::mt19937 random = certnn::testing::seeded_generator();
  Network network({1, 4});
  network.add("used", random_dense(random, 3, 4), {0});
  network.add("unused", random_dense(random, 2, 4), {0});
  network.add("after", random_dense(random, 2, 3), {1});
  network.set_output(3);
  const Batch<double> inputs = uniform_matrix(random, 4, 2, -1, 1);
  const std::vector<ParameterGradient> parameters =
      parameter_gradients(network, record(network, inputs), uniform_matrix(random, 2, 2, -1, 1));
  ASSERT_EQ(parameters.size(), 3u);
  EXPECT_NE(parameters[0].weight.cwiseAbs().maxCoeff(), 0.0);
  EXPECT_EQ(parameters[1].weight, Eigen::MatrixXd::Zero(2, 4));
  EXPECT_EQ(parameters[1].bias, Eigen::VectorXd::Zero(2));
}

TEST(Gradient, TheInputAsOutputPassesTheCotangentThrough) {
  Network network({1, 3});
  const Batch<double> cotangent = Batch<double>::Constant(3, 2, 1.5);
  EXPECT_EQ(input_gradient(network, record(network, Batch<double>::Zero(3, 2)), cotangent), cotangent);
}

TEST(Gradient, ACotangentOfTheWrongShapeIsAShapeError) {
  std::mt19937 random = certnn::testing::seeded_generator();
  Network network({1, 4});
  network.add("fc", random_dense(random, 3, 4), {0});
  const Tape tape = record(network, Batch<double>::Zero(4, 2));
  EXPECT_THROW(input_gradient(network, tape, Batch<double>::Zero(4, 2)), ShapeError);
  EXPECT_THROW(input_gradient(network, tape, Batch<double>::Zero(3, 1)), ShapeError);
  Network other({1, 4});
  EXPECT_THROW(parameter_gradients(other, tape, Batch<double>::Zero(4, 2)), ShapeError);
}

}  // namespace
}  // namespace certnn::grad
