// Output shapes of every layer kind, and the ShapeError raised when a layer's parameters do not
// fit its inputs. Window geometry is also checked against a brute-force count of window positions.
#include "certnn/model/shape_inference.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "certnn/core/error.hpp"
#include "random_seed.hpp"

namespace certnn::model {
namespace {

Window2d window(std::int64_t channels, std::int64_t height, std::int64_t width, std::int64_t kernel,
                std::int64_t stride = 1, std::int64_t pad = 0) {
  Window2d w;
  w.channels = channels;
  w.in_h = height;
  w.in_w = width;
  w.kernel_h = w.kernel_w = kernel;
  w.stride_h = w.stride_w = stride;
  w.pad_top = w.pad_left = w.pad_bottom = w.pad_right = pad;
  complete_window(w);
  return w;
}

Dense dense(std::int64_t inputs, std::int64_t outputs) {
  return Dense{Eigen::MatrixXd::Zero(outputs, inputs), Eigen::VectorXd::Zero(outputs)};
}

Conv2d convolution(const Window2d& w, std::int64_t out_channels) {
  Conv2d conv;
  conv.window = w;
  conv.out_channels = out_channels;
  conv.weight = Eigen::MatrixXd::Zero(out_channels, w.channels * w.kernel_h * w.kernel_w);
  conv.bias = Eigen::VectorXd::Zero(out_channels);
  return conv;
}

BatchNorm batch_norm(std::int64_t channels, std::int64_t channel_stride) {
  BatchNorm b;
  b.scale = b.bias = b.mean = Eigen::VectorXd::Zero(channels);
  b.variance = Eigen::VectorXd::Ones(channels);
  b.channel_stride = channel_stride;
  return b;
}

Shape infer(const LayerOp& op, const Shape& input) { return infer_output_shape(op, {input}); }

// Expects a ShapeError whose message contains `fragment`.
template <class Call>
void expect_shape_error(Call&& call, const std::string& fragment) {
  try {
    call();
    ADD_FAILURE() << "no ShapeError; expected one mentioning '" << fragment << "'";
  } catch (const ShapeError& error) {
    EXPECT_NE(std::string(error.what()).find(fragment), std::string::npos) << error.what();
  }
}

TEST(CompleteWindow, ComputesOutputSizeOfCommonGeometries) {
  EXPECT_EQ(window(3, 32, 32, 3, 1, 1).out_h, 32);  // "same" convolution
  EXPECT_EQ(window(3, 32, 32, 3, 2, 1).out_h, 16);
  EXPECT_EQ(window(3, 28, 28, 5).out_h, 24);       // valid 5x5
  EXPECT_EQ(window(1, 28, 28, 2, 2).out_w, 14);    // 2x2 pooling
  EXPECT_EQ(window(1, 7, 7, 7).out_h, 1);          // global pooling
  EXPECT_EQ(window(1, 8, 8, 3, 3).out_h, 2);       // the partial last window is dropped
}

TEST(CompleteWindow, UsesDilationAndAsymmetricPadding) {
  Window2d w;
  w.channels = 2;
  w.in_h = 10;
  w.in_w = 9;
  w.kernel_h = 3;
  w.kernel_w = 2;
  w.dilation_h = 2;  // span 5
  w.dilation_w = 3;  // span 4
  w.stride_h = 2;
  w.stride_w = 1;
  w.pad_top = 1;
  w.pad_bottom = 0;
  w.pad_left = 0;
  w.pad_right = 2;
  complete_window(w);
  EXPECT_EQ(w.out_h, (10 + 1 + 0 - 5) / 2 + 1);  // 4
  EXPECT_EQ(w.out_w, (9 + 0 + 2 - 4) / 1 + 1);   // 8
}

TEST(CompleteWindow, AgreesWithCountingWindowPositions) {
  std::mt19937 random = certnn::testing::seeded_generator();
  std::uniform_int_distribution<std::int64_t> size(1, 12), small(1, 4), pad(0, 3);
  for (int trial = 0; trial < 500; ++trial) {
    Window2d w;
    w.channels = 1;
    w.in_h = size(random);
    w.in_w = size(random);
    w.kernel_h = small(random);
    w.kernel_w = small(random);
    w.stride_h = small(random);
    w.stride_w = small(random);
    w.dilation_h = small(random);
    w.dilation_w = small(random);
    w.pad_top = pad(random);
    w.pad_bottom = pad(random);
    w.pad_left = pad(random);
    w.pad_right = pad(random);
    // A window starting at p (in padded coordinates) fits when its last tap is inside.
    auto positions = [](std::int64_t padded, std::int64_t kernel, std::int64_t stride,
                        std::int64_t dilation) {
      std::int64_t count = 0;
      for (std::int64_t start = 0; start + (kernel - 1) * dilation < padded; start += stride) ++count;
      return count;
    };
    const std::int64_t expected_h = positions(w.in_h + w.pad_top + w.pad_bottom, w.kernel_h, w.stride_h, w.dilation_h);
    const std::int64_t expected_w = positions(w.in_w + w.pad_left + w.pad_right, w.kernel_w, w.stride_w, w.dilation_w);
    if (expected_h == 0 || expected_w == 0) {
      EXPECT_THROW(complete_window(w), ShapeError) << "trial " << trial;
    } else {
      complete_window(w);
      EXPECT_EQ(w.out_h, expected_h) << "trial " << trial;
      EXPECT_EQ(w.out_w, expected_w) << "trial " << trial;
    }
  }
}

TEST(CompleteWindow, WindowLargerThanPaddedInputIsShapeError) {
  Window2d w;
  w.channels = 1;
  w.in_h = w.in_w = 4;
  w.kernel_h = w.kernel_w = 5;
  expect_shape_error([&] { complete_window(w); }, "does not fit");
  w.pad_top = 1;  // 5 rows now, still 4 columns
  expect_shape_error([&] { complete_window(w); }, "does not fit");
  w.pad_left = 1;
  EXPECT_NO_THROW(complete_window(w));
  EXPECT_EQ(w.out_h, 1);
  EXPECT_EQ(w.out_w, 1);
  // Dilation widens the span beyond the input.
  Window2d dilated;
  dilated.channels = 1;
  dilated.in_h = dilated.in_w = 4;
  dilated.kernel_h = dilated.kernel_w = 2;
  dilated.dilation_h = 4;  // span 5
  expect_shape_error([&] { complete_window(dilated); }, "does not fit");
}

TEST(CompleteWindow, NonPositiveStrideKernelOrDilationIsShapeError) {
  const auto with = [](auto change) {
    Window2d w;
    w.channels = 1;
    w.in_h = w.in_w = 6;
    w.kernel_h = w.kernel_w = 2;
    change(w);
    return w;
  };
  for (Window2d w : {with([](Window2d& w) { w.stride_h = 0; }), with([](Window2d& w) { w.stride_w = 0; }),
                     with([](Window2d& w) { w.stride_h = -1; }), with([](Window2d& w) { w.kernel_w = 0; }),
                     with([](Window2d& w) { w.kernel_h = -2; }), with([](Window2d& w) { w.dilation_h = 0; }),
                     with([](Window2d& w) { w.dilation_w = -1; })})
    expect_shape_error([&] { complete_window(w); }, "must be positive");
  for (Window2d w : {with([](Window2d& w) { w.pad_top = -1; }), with([](Window2d& w) { w.pad_right = -1; })})
    expect_shape_error([&] { complete_window(w); }, "negative padding");
}

TEST(CompleteWindow, GeometryBeyondTheInt64RangeIsShapeErrorNotAWrappedSize) {
  // Sizes come from model files: a span or padded size that overflows must not wrap round to a
  // small window that "fits".
  const std::int64_t largest = std::numeric_limits<std::int64_t>::max();
  const auto with = [](auto change) {
    Window2d w;
    w.channels = 1;
    w.in_h = w.in_w = 6;
    w.kernel_h = w.kernel_w = 3;
    change(w);
    return w;
  };
  for (Window2d w : {with([&](Window2d& w) { w.dilation_h = largest / 2 + 1; }),
                     with([&](Window2d& w) { w.kernel_w = largest; w.dilation_w = 2; }),
                     with([&](Window2d& w) { w.pad_top = largest; w.pad_bottom = largest; }),
                     with([&](Window2d& w) { w.pad_left = largest; w.kernel_w = 1; })})
    EXPECT_THROW(complete_window(w), ShapeError);
}

TEST(InferOutputShape, Dense) {
  EXPECT_EQ(infer(dense(5, 3), {1, 5}), (Shape{1, 3}));
  EXPECT_EQ(infer(dense(5, 3), {5}), (Shape{3}));
  EXPECT_EQ(infer(dense(4, 7), {1, 1, 4}), (Shape{1, 1, 7}));
}

TEST(InferOutputShape, DenseWithWrongInputSizeIsShapeError) {
  expect_shape_error([] { infer(dense(5, 3), {1, 4}); }, "dense layer with 5 inputs applied to [1,4]");
  // The last axis matches but the sample holds more than one row of it.
  expect_shape_error([] { infer(dense(5, 3), {2, 5}); }, "[2,5]");
  // Same element count, wrong last axis: a flatten is missing.
  expect_shape_error([] { infer(dense(6, 3), {1, 2, 3}); }, "[1,2,3]");
  expect_shape_error([] { infer(dense(5, 3), {}); }, "dense layer");
}

TEST(InferOutputShape, DenseBiasOfWrongSizeIsShapeError) {
  Dense d = dense(4, 3);
  d.bias = Eigen::VectorXd::Zero(2);
  expect_shape_error([&] { infer(d, {1, 4}); }, "dense bias has 2 elements, expected 3");
}

TEST(InferOutputShape, Convolution) {
  EXPECT_EQ(infer(convolution(window(3, 32, 32, 3, 2, 1), 8), {1, 3, 32, 32}), (Shape{1, 8, 16, 16}));
  EXPECT_EQ(infer(convolution(window(1, 5, 7, 3), 2), {1, 1, 5, 7}), (Shape{1, 2, 3, 5}));
}

TEST(InferOutputShape, ConvolutionWeightNotMatchingChannelsIsShapeError) {
  Conv2d conv = convolution(window(3, 8, 8, 3), 4);
  conv.weight = Eigen::MatrixXd::Zero(4, 2 * 3 * 3);  // built for 2 input channels
  expect_shape_error([&] { infer(conv, {1, 3, 8, 8}); }, "convolution weight");
  conv = convolution(window(3, 8, 8, 3), 4);
  conv.weight = Eigen::MatrixXd::Zero(5, 3 * 3 * 3);  // rows are not the output channels
  expect_shape_error([&] { infer(conv, {1, 3, 8, 8}); }, "convolution weight");
  conv = convolution(window(3, 8, 8, 3), 4);
  conv.bias = Eigen::VectorXd::Zero(3);
  expect_shape_error([&] { infer(conv, {1, 3, 8, 8}); }, "convolution bias");
}

TEST(InferOutputShape, WindowAppliedToAnotherInputIsShapeError) {
  const Conv2d conv = convolution(window(3, 8, 8, 3), 4);
  expect_shape_error([&] { infer(conv, {1, 2, 8, 8}); }, "window built for [1,3,8,8] applied to [1,2,8,8]");
  expect_shape_error([&] { infer(conv, {1, 3, 8, 9}); }, "applied to [1,3,8,9]");
  expect_shape_error([&] { infer(conv, {1, 192}); }, "expects a [1,C,H,W] input");
  expect_shape_error([&] { infer(conv, {2, 3, 8, 8}); }, "expects a [1,C,H,W] input");
  expect_shape_error([&] { infer(MaxPool{window(3, 8, 8, 2, 2)}, {1, 4, 8, 8}); }, "window built for");
  expect_shape_error([&] { infer(AveragePool{window(3, 8, 8, 2, 2)}, {1, 3, 8}); }, "expects a [1,C,H,W]");
}

TEST(InferOutputShape, PoolingKeepsChannels) {
  EXPECT_EQ(infer(MaxPool{window(6, 28, 28, 2, 2)}, {1, 6, 28, 28}), (Shape{1, 6, 14, 14}));
  EXPECT_EQ(infer(AveragePool{window(4, 7, 7, 7), true}, {1, 4, 7, 7}), (Shape{1, 4, 1, 1}));
  EXPECT_EQ(infer(AveragePool{window(2, 5, 5, 3, 1, 1), false}, {1, 2, 5, 5}), (Shape{1, 2, 5, 5}));
}

TEST(InferOutputShape, ElementWiseActivationsKeepTheShape) {
  const Shape shape{1, 3, 4, 5};
  EXPECT_EQ(infer(Relu{}, shape), shape);
  EXPECT_EQ(infer(LeakyRelu{0.2}, shape), shape);
  EXPECT_EQ(infer(Sigmoid{}, shape), shape);
  EXPECT_EQ(infer(Tanh{}, shape), shape);
}

TEST(InferOutputShape, SoftmaxKeepsTheShapeWhenItsGroupDividesTheSize) {
  EXPECT_EQ(infer(Softmax{10}, {1, 10}), (Shape{1, 10}));
  EXPECT_EQ(infer(Softmax{5}, {1, 4, 5}), (Shape{1, 4, 5}));
  EXPECT_EQ(infer(Softmax{20}, {1, 4, 5}), (Shape{1, 4, 5}));
  expect_shape_error([] { infer(Softmax{3}, {1, 10}); }, "softmax group of 3 does not divide [1,10]");
  expect_shape_error([] { infer(Softmax{0}, {1, 10}); }, "softmax group of 0");
  expect_shape_error([] { infer(Softmax{-2}, {1, 10}); }, "softmax group of -2");
}

TEST(InferOutputShape, ReshapeTakesItsTargetShape) {
  EXPECT_EQ(infer(Reshape{{1, 48}}, {1, 3, 4, 4}), (Shape{1, 48}));
  EXPECT_EQ(infer(Reshape{{1, 3, 16}}, {1, 48}), (Shape{1, 3, 16}));
  EXPECT_EQ(infer(Reshape{{}}, {1, 1}), (Shape{}));
}

TEST(InferOutputShape, ReshapeWithWrongElementCountIsShapeError) {
  expect_shape_error([] { infer(Reshape{{1, 47}}, {1, 3, 4, 4}); }, "cannot reshape [1,3,4,4] to [1,47]");
  expect_shape_error([] { infer(Reshape{{1, 0}}, {1, 3}); }, "cannot reshape");
  // A leftover -1 (ONNX's "infer this axis") must have been resolved by the importer.
  expect_shape_error([] { infer(Reshape{{1, -1}}, {1, 3}); }, "[1,-1]");
}

TEST(InferOutputShape, BatchNormKeepsTheShape) {
  EXPECT_EQ(infer(batch_norm(3, 16), {1, 3, 4, 4}), (Shape{1, 3, 4, 4}));
  EXPECT_EQ(infer(batch_norm(5, 1), {1, 5}), (Shape{1, 5}));
}

TEST(InferOutputShape, BatchNormMismatchesAreShapeErrors) {
  expect_shape_error([] { infer(batch_norm(3, 15), {1, 3, 4, 4}); }, "channel stride");
  // Right stride, statistics for another channel count.
  expect_shape_error([] { infer(batch_norm(4, 16), {1, 3, 4, 4}); }, "parameter has 4 elements, expected 3");
  BatchNorm short_variance = batch_norm(3, 16);
  short_variance.variance = Eigen::VectorXd::Ones(2);
  expect_shape_error([&] { infer(short_variance, {1, 3, 4, 4}); }, "batch normalisation parameter has 2");
  expect_shape_error([] { infer(batch_norm(3, 1), {3}); }, "expects [1,C,...]");
  expect_shape_error([] { infer(batch_norm(3, 1), {2, 3}); }, "expects [1,C,...]");
}

TEST(InferOutputShape, TensorAdditionAndSubtractionNeedEqualShapes) {
  EXPECT_EQ(infer_output_shape(AddTensors{}, {{1, 4}, {1, 4}}), (Shape{1, 4}));
  EXPECT_EQ(infer_output_shape(SubTensors{}, {{1, 2, 3}, {1, 2, 3}}), (Shape{1, 2, 3}));
  expect_shape_error([] { infer_output_shape(AddTensors{}, {{1, 4}, {1, 5}}); }, "shapes [1,4] and [1,5]");
  // Same element count, different shape: no implicit broadcasting or reshaping.
  expect_shape_error([] { infer_output_shape(SubTensors{}, {{1, 6}, {1, 2, 3}}); }, "[1,6] and [1,2,3]");
}

TEST(InferOutputShape, WrongNumberOfInputsIsShapeError) {
  expect_shape_error([] { infer_output_shape(AddTensors{}, {{1, 4}}); }, "Add takes 2 input(s)");
  expect_shape_error([] { infer_output_shape(Relu{}, {{1, 4}, {1, 4}}); }, "Relu takes 1 input(s)");
  expect_shape_error([] { infer_output_shape(Relu{}, {}); }, "Relu takes 1 input(s)");
}

TEST(InferOutputShape, ElementWiseConstantsMustMatchTheSampleSize) {
  const Shape shape{1, 2, 3};
  const Eigen::VectorXd six = Eigen::VectorXd::Ones(6), five = Eigen::VectorXd::Ones(5);
  EXPECT_EQ(infer(AddConstant{six}, shape), shape);
  EXPECT_EQ(infer(SubConstant{six, true}, shape), shape);
  EXPECT_EQ(infer(MulConstant{six}, shape), shape);
  EXPECT_EQ(infer(DivConstant{six}, shape), shape);
  for (const LayerOp& op : {LayerOp(AddConstant{five}), LayerOp(SubConstant{five, false}),
                            LayerOp(MulConstant{five}), LayerOp(DivConstant{five})})
    expect_shape_error([&] { infer(op, shape); }, "element-wise constant has 5 elements, expected 6");
}

TEST(InferOutputShape, PadAddsBeginAndEndToEachAxis) {
  EXPECT_EQ(infer(Pad{{0, 0, 1, 2}, {0, 0, 3, 0}, 0.0}, {1, 3, 4, 4}), (Shape{1, 3, 8, 6}));
  EXPECT_EQ(infer(Pad{{2}, {1}, -1.0}, {5}), (Shape{8}));
  EXPECT_EQ(infer(Pad{{0, 0}, {0, 0}, 0.0}, {1, 7}), (Shape{1, 7}));
}

TEST(InferOutputShape, PadMismatchesAreShapeErrors) {
  expect_shape_error([] { infer(Pad{{0, 1}, {0, 1}, 0.0}, {1, 3, 4}); }, "pad rank does not match input [1,3,4]");
  expect_shape_error([] { infer(Pad{{0, 0, 1}, {0, 1}, 0.0}, {1, 3, 4}); }, "pad rank");
  expect_shape_error([] { infer(Pad{{0, -1}, {0, 0}, 0.0}, {1, 4}); }, "negative pads");
  expect_shape_error([] { infer(Pad{{0, 0}, {0, -1}, 0.0}, {1, 4}); }, "negative pads");
  // Pads that push the tensor past the size limit are refused rather than allocated.
  expect_shape_error([] { infer(Pad{{0, kMaxTensorElements}, {0, 0}, 0.0}, {1, 4}); }, "too large");
  // Pads whose sum leaves the int64 range must not wrap round to a small shape.
  const std::int64_t largest = std::numeric_limits<std::int64_t>::max();
  EXPECT_THROW(infer(Pad{{0, largest}, {0, largest}, 0.0}, {1, 4}), ShapeError);
  EXPECT_THROW(infer(Pad{{0, largest}, {0, 0}, 0.0}, {1, 4}), ShapeError);
}

}  // namespace
}  // namespace certnn::model
