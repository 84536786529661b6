// Forward evaluation in float64 and float32 against the naive evaluator of naive_forward.hpp,
// on random sizes and values: the tolerance of each output is the evaluator's a-priori rounding
// bound, which follows from the machine epsilon, the fan-in and the magnitudes involved.
#include "certnn/model/forward.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "certnn/core/error.hpp"
#include "certnn/model/shape_inference.hpp"
#include "model/naive_forward.hpp"
#include "random_seed.hpp"
#include "random_windows.hpp"

namespace certnn::model {
namespace {

using certnn::testing::random_window;

using naive::magnitude;
using naive::Real;
using naive::Values;

// Output elements of forward<T>(evaluated) outside the error bound of the naive evaluation of
// `naive_model` (normally the same network). The first few are reported when `report` is set.
template <class T>
int count_outside_bound(const Network& evaluated, const Network& naive_model, const Eigen::MatrixXd& inputs,
                        bool report) {
  const Batch<T> computed = forward<T>(evaluated, inputs.cast<T>());
  EXPECT_EQ(computed.cols(), inputs.cols());
  const Real epsilon = std::numeric_limits<T>::epsilon();
  int outside = 0;
  for (Eigen::Index s = 0; s < inputs.cols(); ++s) {
    const Values expected = naive::forward(naive_model, inputs.col(s));
    if (computed.rows() != static_cast<Eigen::Index>(expected.size())) {
      ADD_FAILURE() << "forward gives " << computed.rows() << " outputs, the naive evaluation " << expected.size();
      return static_cast<int>(expected.size());
    }
    for (Eigen::Index i = 0; i < computed.rows(); ++i) {
      const Real difference = magnitude(static_cast<Real>(computed(i, s)) - expected[i].value);
      const Real bound = epsilon * expected[i].error;
      if (difference <= bound) continue;
      ++outside;
      if (report && outside <= 10)
        ADD_FAILURE() << (sizeof(T) == 4 ? "float32" : "float64") << " sample " << s << " output " << i
                      << ": computed " << static_cast<double>(computed(i, s)) << ", expected "
                      << static_cast<double>(expected[i].value) << ", difference " << static_cast<double>(difference)
                      << " > bound " << static_cast<double>(bound);
    }
  }
  return outside;
}

void expect_agrees_with_naive_evaluation(const Network& network, const Eigen::MatrixXd& inputs) {
  EXPECT_EQ(count_outside_bound<double>(network, network, inputs, true), 0) << "float64";
  EXPECT_EQ(count_outside_bound<float>(network, network, inputs, true), 0) << "float32";
}

// Uniform values rounded to float, so that the same inputs are exact in both precisions.
double float_uniform(std::mt19937& random, double low, double high) {
  return static_cast<float>(std::uniform_real_distribution<double>(low, high)(random));
}

Eigen::MatrixXd random_inputs(std::mt19937& random, std::int64_t rows, std::int64_t columns, double low = -1,
                              double high = 1) {
  Eigen::MatrixXd inputs(rows, columns);
  for (Eigen::Index i = 0; i < inputs.size(); ++i) inputs(i) = float_uniform(random, low, high);
  return inputs;
}

// Parameters stay full doubles: the float32 pass must cope with rounding them.
Eigen::MatrixXd random_parameters(std::mt19937& random, std::int64_t rows, std::int64_t columns, double low = -1,
                                  double high = 1) {
  std::uniform_real_distribution<double> uniform(low, high);
  Eigen::MatrixXd values(rows, columns);
  for (Eigen::Index i = 0; i < values.size(); ++i) values(i) = uniform(random);
  return values;
}
Eigen::VectorXd random_vector(std::mt19937& random, std::int64_t size, double low = -1, double high = 1) {
  return random_parameters(random, size, 1, low, high);
}

std::int64_t uniform_int(std::mt19937& random, std::int64_t low, std::int64_t high) {
  return std::uniform_int_distribution<std::int64_t>(low, high)(random);
}

Conv2d random_convolution(std::mt19937& random, const Window2d& w, std::int64_t out_channels) {
  return Conv2d{w, out_channels, random_parameters(random, out_channels, w.channels * w.kernel_h * w.kernel_w),
                random_vector(random, out_channels)};
}

BatchNorm random_batch_norm(std::mt19937& random, std::int64_t channels, std::int64_t channel_stride) {
  BatchNorm bn;
  bn.scale = random_vector(random, channels, -2, 2);
  bn.bias = random_vector(random, channels);
  bn.mean = random_vector(random, channels);
  bn.variance = random_vector(random, channels, 0.05, 3);
  bn.epsilon = std::uniform_real_distribution<double>(1e-6, 1e-2)(random);
  bn.channel_stride = channel_stride;
  return bn;
}

Shape random_image_shape(std::mt19937& random, std::int64_t max_side = 9) {
  return {1, uniform_int(random, 1, 3), uniform_int(random, 1, max_side), uniform_int(random, 1, max_side)};
}

constexpr int kTrials = 100;

TEST(Forward, DenseAgreesWithNaiveEvaluation) {
  std::mt19937 random = certnn::testing::seeded_generator();
  for (int trial = 0; trial < kTrials; ++trial) {
    SCOPED_TRACE("trial " + std::to_string(trial));
    const std::int64_t inputs = uniform_int(random, 1, 64), outputs = uniform_int(random, 1, 16);
    Network network({1, inputs});
    network.add("fc", Dense{random_parameters(random, outputs, inputs), random_vector(random, outputs)}, {0});
    expect_agrees_with_naive_evaluation(network, random_inputs(random, inputs, uniform_int(random, 1, 5)));
  }
}

TEST(Forward, ConvolutionWithStrideDilationAndAsymmetricPaddingAgreesWithNaiveEvaluation) {
  std::mt19937 random = certnn::testing::seeded_generator();
  for (int trial = 0; trial < 2 * kTrials; ++trial) {
    SCOPED_TRACE("trial " + std::to_string(trial));
    const Shape shape = random_image_shape(random);
    const Window2d w = random_window(random, shape[1], shape[2], shape[3], false);
    Network network(shape);
    network.add("conv", random_convolution(random, w, uniform_int(random, 1, 4)), {0});
    expect_agrees_with_naive_evaluation(network, random_inputs(random, element_count(shape), uniform_int(random, 1, 4)));
  }
}

TEST(Forward, AveragePoolAgreesWithNaiveEvaluationCountingPaddingOrNot) {
  std::mt19937 random = certnn::testing::seeded_generator();
  for (int trial = 0; trial < 2 * kTrials; ++trial) {
    SCOPED_TRACE("trial " + std::to_string(trial));
    const Shape shape = random_image_shape(random);
    const Window2d w = random_window(random, shape[1], shape[2], shape[3], true);
    for (const bool count_include_pad : {false, true}) {
      SCOPED_TRACE(count_include_pad ? "count_include_pad" : "in-bounds count");
      Network network(shape);
      network.add("pool", AveragePool{w, count_include_pad}, {0});
      expect_agrees_with_naive_evaluation(network, random_inputs(random, element_count(shape), 3));
    }
  }
}

TEST(Forward, MaxPoolAgreesWithNaiveEvaluation) {
  std::mt19937 random = certnn::testing::seeded_generator();
  for (int trial = 0; trial < 2 * kTrials; ++trial) {
    SCOPED_TRACE("trial " + std::to_string(trial));
    const Shape shape = random_image_shape(random);
    Network network(shape);
    network.add("pool", MaxPool{random_window(random, shape[1], shape[2], shape[3], true)}, {0});
    // All-negative inputs: padding must not take part in the maximum as a zero.
    expect_agrees_with_naive_evaluation(network, random_inputs(random, element_count(shape), 3, -2, -0.5));
    expect_agrees_with_naive_evaluation(network, random_inputs(random, element_count(shape), 3));
  }
}

TEST(Forward, PadAgreesWithNaiveEvaluation) {
  std::mt19937 random = certnn::testing::seeded_generator();
  for (int trial = 0; trial < kTrials; ++trial) {
    SCOPED_TRACE("trial " + std::to_string(trial));
    const auto rank = static_cast<std::size_t>(uniform_int(random, 1, 4));
    Shape shape(rank);
    Pad pad;
    for (std::size_t d = 0; d < rank; ++d) {
      shape[d] = uniform_int(random, 1, 4);
      pad.begin.push_back(uniform_int(random, 0, 2));
      pad.end.push_back(uniform_int(random, 0, 2));
    }
    pad.value = float_uniform(random, -2, 2);  // exact in float, so padding is exact in both passes
    Network network(shape);
    network.add("pad", pad, {0});
    expect_agrees_with_naive_evaluation(network, random_inputs(random, element_count(shape), 2));
  }
}

TEST(Forward, BatchNormAgreesWithItsFormula) {
  std::mt19937 random = certnn::testing::seeded_generator();
  for (int trial = 0; trial < kTrials; ++trial) {
    SCOPED_TRACE("trial " + std::to_string(trial));
    const bool image = trial % 2 == 0;
    const Shape shape = image ? random_image_shape(random) : Shape{1, uniform_int(random, 1, 8)};
    const std::int64_t channel_stride = image ? shape[2] * shape[3] : 1;
    Network network(shape);
    network.add("bn", random_batch_norm(random, shape[1], channel_stride), {0});
    expect_agrees_with_naive_evaluation(network, random_inputs(random, element_count(shape), 3, -3, 3));
  }
}

TEST(Forward, SoftmaxNormalisesEachGroupSeparately) {
  std::mt19937 random = certnn::testing::seeded_generator();
  for (int trial = 0; trial < kTrials; ++trial) {
    SCOPED_TRACE("trial " + std::to_string(trial));
    const std::int64_t groups = uniform_int(random, 2, 5), group_size = uniform_int(random, 1, 7);
    Network network({1, groups, group_size});
    network.add("prob", Softmax{group_size}, {0});
    const Eigen::MatrixXd inputs = random_inputs(random, groups * group_size, 3, -4, 4);
    expect_agrees_with_naive_evaluation(network, inputs);
    // Each group sums to one on its own; normalising over the whole sample would not.
    const Eigen::MatrixXd outputs = forward<double>(network, inputs);
    for (Eigen::Index s = 0; s < outputs.cols(); ++s)
      for (std::int64_t g = 0; g < groups; ++g)
        // Each term is within its relative bound (spread of the inputs at most 8), plus the sum.
        EXPECT_NEAR(outputs.col(s).segment(g * group_size, group_size).sum(), 1.0,
                    (2 * 8 + 2 * group_size + 8) * std::numeric_limits<double>::epsilon());
  }
}

TEST(Forward, SoftmaxOfLargeInputsStaysFinite) {
  // exp(1000) overflows both precisions: only a shifted exponent gives the right answer.
  std::mt19937 random = certnn::testing::seeded_generator();
  Network network({1, 6});
  network.add("prob", Softmax{3}, {0});
  for (const double offset : {1000.0, -1000.0}) {
    const Eigen::MatrixXd inputs = random_inputs(random, 6, 4, offset - 3, offset + 3);
    expect_agrees_with_naive_evaluation(network, inputs);
    EXPECT_TRUE(forward<float>(network, inputs.cast<float>()).allFinite());
  }
}

TEST(Forward, ElementWiseActivationsAgreeWithTheirDefinitions) {
  std::mt19937 random = certnn::testing::seeded_generator();
  const std::int64_t size = 40;
  Eigen::MatrixXd inputs = random_inputs(random, size, 4, -8, 8);
  inputs.col(0).head(5).setZero();  // exact zeros: the kink of relu and leaky relu
  inputs.col(1).head(5) = random_inputs(random, 5, 1, -1e-3, 1e-3);
  const double alpha = std::uniform_real_distribution<double>(0.01, 0.5)(random);
  for (const LayerOp& op : {LayerOp(Relu{}), LayerOp(LeakyRelu{alpha}), LayerOp(LeakyRelu{3.0}),
                            LayerOp(LeakyRelu{-0.5}), LayerOp(Sigmoid{}), LayerOp(Tanh{})}) {
    SCOPED_TRACE(std::string(kind_name(op)));
    Network network({1, size});
    network.add("activation", op, {0});
    expect_agrees_with_naive_evaluation(network, inputs);
  }
}

TEST(Forward, ElementWiseConstantsAgreeWithTheirDefinitions) {
  std::mt19937 random = certnn::testing::seeded_generator();
  const Shape shape{1, 2, 3, 4};
  const std::int64_t size = element_count(shape);
  Eigen::VectorXd divisor = random_vector(random, size, 0.25, 4);
  for (Eigen::Index i = 0; i < size; i += 2) divisor[i] = -divisor[i];
  const Eigen::VectorXd constant = random_vector(random, size, -3, 3);
  for (const LayerOp& op : {LayerOp(AddConstant{constant}), LayerOp(SubConstant{constant, false}),
                            LayerOp(SubConstant{constant, true}), LayerOp(MulConstant{constant}),
                            LayerOp(DivConstant{divisor})}) {
    SCOPED_TRACE(std::string(kind_name(op)));
    Network network(shape);
    network.add("constant", op, {0});
    expect_agrees_with_naive_evaluation(network, random_inputs(random, size, 3, -2, 2));
  }
}

TEST(Forward, SubtractingFromAConstantReversesTheOperands) {
  Network network({1, 2});
  network.add("shift", SubConstant{Eigen::Vector2d(10.0, -1.0), true}, {0});
  const Eigen::MatrixXd outputs = forward<double>(network, Eigen::Vector2d(3.0, 4.0));
  EXPECT_EQ(outputs(0, 0), 7.0);   // 10 - 3
  EXPECT_EQ(outputs(1, 0), -5.0);  // -1 - 4
}

TEST(Forward, ReshapeKeepsTheDataInRowMajorOrder) {
  std::mt19937 random = certnn::testing::seeded_generator();
  Network network({1, 2, 3, 2});
  network.add("flatten", Reshape{{1, 12}}, {0});
  network.add("fold", Reshape{{3, 4}}, {1});
  const Eigen::MatrixXd inputs = random_inputs(random, 12, 3);
  EXPECT_EQ(forward<double>(network, inputs), inputs);
  EXPECT_EQ(forward<float>(network, inputs.cast<float>()), inputs.cast<float>());
}

TEST(Forward, ResidualGraphReadingValuesTwiceAgreesWithNaiveEvaluation) {
  std::mt19937 random = certnn::testing::seeded_generator();
  for (int trial = 0; trial < kTrials; ++trial) {
    SCOPED_TRACE("trial " + std::to_string(trial));
    const std::int64_t n = uniform_int(random, 1, 24);
    Network network({1, n});
    const ValueId hidden = network.add("fc", Dense{random_parameters(random, n, n), random_vector(random, n)}, {0});
    const ValueId rectified = network.add("relu", Relu{}, {hidden});
    const ValueId skip = network.add("skip", AddTensors{}, {rectified, hidden});  // hidden read twice
    const ValueId difference = network.add("minus_input", SubTensors{}, {skip, kInputValue});
    const ValueId doubled = network.add("double", AddTensors{}, {difference, difference});  // same value twice
    const ValueId reversed = network.add("reverse", SubTensors{}, {kInputValue, doubled});
    network.add("shift", SubConstant{random_vector(random, n), true}, {reversed});
    expect_agrees_with_naive_evaluation(network, random_inputs(random, n, uniform_int(random, 1, 4)));
  }
}

// conv, batch norm, relu, pad, average pool, max pool, flatten, dense, leaky relu, a residual
// dense block, tanh, sigmoid, constants and a grouped softmax: every kind at once.
Network random_convolutional_network(std::mt19937& random) {
  const Shape shape{1, uniform_int(random, 1, 3), uniform_int(random, 4, 9), uniform_int(random, 4, 9)};
  Network network(shape);
  const std::int64_t size = element_count(shape);
  network.add("centre", SubConstant{random_vector(random, size), false}, {0});
  network.add("scale", DivConstant{random_vector(random, size, 0.5, 2)}, {network.output()});
  const Window2d conv_window = random_window(random, shape[1], shape[2], shape[3], false);
  const std::int64_t channels = uniform_int(random, 1, 4);
  network.add("conv", random_convolution(random, conv_window, channels), {network.output()});
  network.add("bn", random_batch_norm(random, channels, conv_window.out_h * conv_window.out_w), {network.output()});
  network.add("relu", Relu{}, {network.output()});
  network.add("pad", Pad{{0, 0, 1, 0}, {0, 0, 0, 2}, 0.5}, {network.output()});
  const Shape padded = network.shape(network.output());
  const Window2d average_window = random_window(random, channels, padded[2], padded[3], true);
  network.add("average", AveragePool{average_window, uniform_int(random, 0, 1) == 1}, {network.output()});
  const Window2d max_window =
      random_window(random, channels, average_window.out_h, average_window.out_w, true);
  network.add("max", MaxPool{max_window}, {network.output()});
  const std::int64_t flat = channels * max_window.out_h * max_window.out_w;
  network.add("flatten", Reshape{{1, flat}}, {network.output()});
  const std::int64_t width = 2 * uniform_int(random, 1, 6);
  network.add("fc1", Dense{random_parameters(random, width, flat), random_vector(random, width)}, {network.output()});
  const ValueId leaky = network.add("leaky", LeakyRelu{0.1}, {network.output()});
  const ValueId inner = network.add("fc2", Dense{random_parameters(random, width, width), random_vector(random, width)}, {leaky});
  network.add("tanh", Tanh{}, {inner});
  network.add("residual", AddTensors{}, {network.output(), leaky});
  network.add("gate", Sigmoid{}, {network.output()});
  network.add("gain", MulConstant{random_vector(random, width, -3, 3)}, {network.output()});
  network.add("offset", AddConstant{random_vector(random, width)}, {network.output()});
  network.add("prob", Softmax{width / 2}, {network.output()});
  return network;
}

TEST(Forward, ConvolutionalNetworkAgreesWithNaiveEvaluation) {
  std::mt19937 random = certnn::testing::seeded_generator();
  for (int trial = 0; trial < kTrials; ++trial) {
    SCOPED_TRACE("trial " + std::to_string(trial));
    const Network network = random_convolutional_network(random);
    expect_agrees_with_naive_evaluation(network, random_inputs(random, network.input_size(), 3));
  }
}

TEST(Forward, IntermediateOutputAgreesWithNaiveEvaluation) {
  std::mt19937 random = certnn::testing::seeded_generator();
  Network network = random_convolutional_network(random);
  network.set_output(5);  // after relu: later nodes must not change the result
  const Eigen::MatrixXd inputs = random_inputs(random, network.input_size(), 2);
  expect_agrees_with_naive_evaluation(network, inputs);
  EXPECT_EQ(forward<double>(network, inputs).rows(), network.size(5));
}

template <class T>
void expect_batch_matches_columns(const Network& network, const Eigen::MatrixXd& inputs) {
  const Batch<T> batch = forward<T>(network, inputs.cast<T>());
  const Real epsilon = std::numeric_limits<T>::epsilon();
  for (Eigen::Index s = 0; s < inputs.cols(); ++s) {
    const Batch<T> column = forward<T>(network, Batch<T>(inputs.col(s).cast<T>()));
    ASSERT_EQ(column.cols(), 1);
    const Values expected = naive::forward(network, inputs.col(s));
    for (Eigen::Index i = 0; i < column.rows(); ++i) {
      // Both results lie within the error bound of the exact value, hence within twice it of
      // each other, whatever summation order each product kernel chose.
      const Real difference = magnitude(static_cast<Real>(batch(i, s)) - static_cast<Real>(column(i, 0)));
      EXPECT_LE(difference, 2 * epsilon * expected[i].error) << "sample " << s << " output " << i;
    }
  }
}

TEST(Forward, BatchedEvaluationEqualsColumnByColumnEvaluation) {
  std::mt19937 random = certnn::testing::seeded_generator();
  for (int trial = 0; trial < 20; ++trial) {
    SCOPED_TRACE("trial " + std::to_string(trial));
    const Network network = random_convolutional_network(random);
    const Eigen::MatrixXd inputs = random_inputs(random, network.input_size(), uniform_int(random, 2, 9));
    expect_batch_matches_columns<double>(network, inputs);
    expect_batch_matches_columns<float>(network, inputs);
  }
}

TEST(Forward, EmptyBatchGivesEmptyOutput) {
  std::mt19937 random = certnn::testing::seeded_generator();
  const Network network = random_convolutional_network(random);
  const Eigen::MatrixXd outputs = forward<double>(network, Eigen::MatrixXd(network.input_size(), 0));
  EXPECT_EQ(outputs.rows(), network.output_size());
  EXPECT_EQ(outputs.cols(), 0);
  EXPECT_EQ(forward<float>(network, Batch<float>(network.input_size(), 0)).rows(), network.output_size());
}

TEST(Forward, WrongInputSizeIsShapeError) {
  Network network({1, 3, 2, 2});
  network.add("relu", Relu{}, {0});
  try {
    forward<double>(network, Eigen::MatrixXd::Zero(11, 2));
    FAIL() << "no ShapeError";
  } catch (const ShapeError& error) {
    const std::string message = error.what();
    EXPECT_NE(message.find("11"), std::string::npos) << message;
    EXPECT_NE(message.find("12"), std::string::npos) << message;
    EXPECT_NE(message.find("[1,3,2,2]"), std::string::npos) << message;
  }
  EXPECT_THROW(forward<float>(network, Batch<float>::Zero(13, 1)), ShapeError);
  EXPECT_THROW(forward<double>(network, Eigen::MatrixXd::Zero(0, 1)), ShapeError);
  // The input-only network checks too.
  EXPECT_THROW(forward<double>(Network({1, 4}), Eigen::MatrixXd::Zero(5, 1)), ShapeError);
}

TEST(Forward, NetworkWhoseOutputIsItsInputReturnsTheInput) {
  std::mt19937 random = certnn::testing::seeded_generator();
  const Eigen::MatrixXd inputs = random_inputs(random, 6, 3);
  const Network bare({1, 2, 3});
  EXPECT_EQ(forward<double>(bare, inputs), inputs);
  EXPECT_EQ(forward<float>(bare, inputs.cast<float>()), inputs.cast<float>());
  // Nodes present but the output set back to the input.
  Network unused({1, 6});
  unused.add("relu", Relu{}, {0});
  unused.set_output(kInputValue);
  EXPECT_EQ(forward<double>(unused, inputs), inputs);
}

// The checks above must be able to fail: the error bounds are tight enough to see a tiny change
// in one weight, a kernel read in the wrong order, or the wrong pooling divisor.
TEST(ForwardTolerance, SeesASmallChangeInOneWeight) {
  std::mt19937 random = certnn::testing::seeded_generator();
  const std::int64_t n = 32;
  Network original({1, n});
  const Dense dense{random_parameters(random, 4, n, 0.5, 1), random_vector(random, 4)};
  original.add("fc", dense, {0});
  const Eigen::MatrixXd inputs = random_inputs(random, n, 2, 0.5, 1);
  // Weights and inputs in [0.5, 1]: the changed output moves by at least 100 times its float64
  // bound (1e-10 change) and twice its float32 bound (1e-3 change).
  for (const double relative_change : {1e-10, 1e-3}) {
    Dense changed = dense;
    changed.weight(2, 7) *= 1 + relative_change;
    Network perturbed({1, n});
    perturbed.add("fc", changed, {0});
    if (relative_change < 1e-6)
      EXPECT_GT(count_outside_bound<double>(perturbed, original, inputs, false), 0);
    else
      EXPECT_GT(count_outside_bound<float>(perturbed, original, inputs, false), 0);
  }
}

TEST(ForwardTolerance, SeesATransposedKernel) {
  std::mt19937 random = certnn::testing::seeded_generator();
  Window2d w;
  w.channels = 2;
  w.in_h = w.in_w = 6;
  w.kernel_h = w.kernel_w = 3;
  w.pad_top = 1;
  w.pad_right = 2;
  complete_window(w);
  const Conv2d conv = random_convolution(random, w, 3);
  Conv2d transposed = conv;
  for (std::int64_t c = 0; c < 2; ++c)
    for (std::int64_t kh = 0; kh < 3; ++kh)
      for (std::int64_t kw = 0; kw < 3; ++kw)
        transposed.weight.col((c * 3 + kh) * 3 + kw) = conv.weight.col((c * 3 + kw) * 3 + kh);
  Network original({1, 2, 6, 6}), wrong({1, 2, 6, 6});
  original.add("conv", conv, {0});
  wrong.add("conv", transposed, {0});
  const Eigen::MatrixXd inputs = random_inputs(random, 72, 2);
  EXPECT_GT(count_outside_bound<float>(wrong, original, inputs, false), 0);
  EXPECT_EQ(count_outside_bound<float>(original, original, inputs, false), 0);
}

TEST(ForwardTolerance, SeesTheWrongPoolingDivisor) {
  std::mt19937 random = certnn::testing::seeded_generator();
  Window2d w;
  w.channels = 1;
  w.in_h = w.in_w = 5;
  w.kernel_h = w.kernel_w = 3;
  w.pad_top = w.pad_left = w.pad_bottom = w.pad_right = 1;
  complete_window(w);
  Network excluding({1, 1, 5, 5}), including({1, 1, 5, 5});
  excluding.add("pool", AveragePool{w, false}, {0});
  including.add("pool", AveragePool{w, true}, {0});
  const Eigen::MatrixXd inputs = random_inputs(random, 25, 2, 0.5, 1);
  // The 16 border windows overlap the padding; the 9 interior ones agree.
  EXPECT_EQ(count_outside_bound<double>(including, excluding, inputs, false), 2 * 16);
  EXPECT_EQ(count_outside_bound<double>(excluding, including, inputs, false), 2 * 16);
}

}  // namespace
}  // namespace certnn::model
