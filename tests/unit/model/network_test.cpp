// The network IR: building a DAG checks shapes and names the offending node, value bookkeeping
// (ids, output, last uses), parameter counts and layer replacement.
#include "certnn/model/network.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "certnn/core/error.hpp"
#include "certnn/model/forward.hpp"
#include "certnn/model/shape_inference.hpp"

namespace certnn::model {
namespace {

Dense dense(std::int64_t inputs, std::int64_t outputs, double weight = 0.0, double bias = 0.0) {
  return Dense{Eigen::MatrixXd::Constant(outputs, inputs, weight), Eigen::VectorXd::Constant(outputs, bias)};
}

template <class Call>
void expect_shape_error(Call&& call, const std::vector<std::string>& fragments) {
  try {
    call();
    ADD_FAILURE() << "no ShapeError";
  } catch (const ShapeError& error) {
    for (const std::string& fragment : fragments)
      EXPECT_NE(std::string(error.what()).find(fragment), std::string::npos)
          << "'" << fragment << "' missing from: " << error.what();
  }
}

TEST(Network, InputIsValueZeroAndNodesProduceConsecutiveValues) {
  Network network({1, 4}, "x");
  EXPECT_EQ(network.input_name(), "x");
  EXPECT_EQ(network.input_shape(), (Shape{1, 4}));
  EXPECT_EQ(network.input_size(), 4);
  EXPECT_EQ(network.value_count(), 1);
  EXPECT_EQ(network.output(), kInputValue);
  const ValueId hidden = network.add("fc1", dense(4, 3), {kInputValue});
  const ValueId activation = network.add("relu1", Relu{}, {hidden});
  const ValueId logits = network.add("fc2", dense(3, 2), {activation});
  EXPECT_EQ(hidden, 1);
  EXPECT_EQ(activation, 2);
  EXPECT_EQ(logits, 3);
  EXPECT_EQ(network.value_count(), 4);
  EXPECT_EQ(network.nodes().size(), 3u);
  EXPECT_EQ(network.producer(activation).name, "relu1");
  EXPECT_EQ(network.producer(logits).inputs, (std::vector<ValueId>{activation}));
  EXPECT_EQ(network.shape(hidden), (Shape{1, 3}));
  EXPECT_EQ(network.size(logits), 2);
}

TEST(Network, AddMakesTheNewNodeTheOutputUntilSetOutputChangesIt) {
  Network network({1, 4});
  const ValueId hidden = network.add("fc1", dense(4, 3), {kInputValue});
  EXPECT_EQ(network.output(), hidden);
  const ValueId activation = network.add("relu1", Relu{}, {hidden});
  EXPECT_EQ(network.output(), activation);
  EXPECT_EQ(network.output_size(), 3);
  network.set_output(hidden);
  EXPECT_EQ(network.output(), hidden);
  network.set_output(kInputValue);
  EXPECT_EQ(network.output_size(), 4);
  EXPECT_THROW(network.set_output(3), ShapeError);
  EXPECT_THROW(network.set_output(-1), ShapeError);
}

TEST(Network, InputWithoutElementsIsShapeError) {
  EXPECT_THROW(Network({1, 0}), ShapeError);
  EXPECT_THROW(Network({0}), ShapeError);
  EXPECT_THROW(Network({1, -2}), ShapeError);
}

TEST(Network, AddNamesTheNodeAndKindWhenShapesDoNotFit) {
  Network network({1, 4});
  network.add("fc1", dense(4, 3), {kInputValue});
  expect_shape_error([&] { network.add("fc2", dense(4, 2), {1}); },
                     {"node 'fc2'", "(Dense)", "dense layer with 4 inputs applied to [1,3]"});
  expect_shape_error([&] { network.add("sum", AddTensors{}, {0, 1}); },
                     {"node 'sum'", "(Add)", "[1,4] and [1,3]"});
  expect_shape_error([&] { network.add("to_matrix", Reshape{{2, 3}}, {0}); },
                     {"node 'to_matrix'", "(Reshape)", "cannot reshape [1,4] to [2,3]"});
  // A refused node leaves the network as it was.
  EXPECT_EQ(network.nodes().size(), 1u);
  EXPECT_EQ(network.output(), 1);
}

TEST(Network, AddRefusesUndefinedInputsAndWrongArity) {
  Network network({1, 4});
  network.add("relu1", Relu{}, {kInputValue});
  expect_shape_error([&] { network.add("ahead", Relu{}, {2}); }, {"node 'ahead'", "undefined value"});
  expect_shape_error([&] { network.add("negative", Relu{}, {-1}); }, {"node 'negative'", "undefined value"});
  expect_shape_error([&] { network.add("half_sum", AddTensors{}, {1}); }, {"node 'half_sum'", "takes 2 input(s)"});
  expect_shape_error([&] { network.add("two_for_one", Relu{}, {0, 1}); }, {"node 'two_for_one'", "takes 1 input(s)"});
  EXPECT_EQ(network.nodes().size(), 1u);
}

TEST(Network, LastUsesRecordTheLastReadingNodeAndTheOutput) {
  // value: 0 input, 1 fc, 2 relu(1), 3 add(2, 1), 4 sub(3, 0), 5 sigmoid(1) (dead), 6 tanh(4)
  Network network({1, 3});
  network.add("fc", dense(3, 3), {0});
  network.add("relu", Relu{}, {1});
  network.add("add", AddTensors{}, {2, 1});
  network.add("sub", SubTensors{}, {3, 0});
  network.add("dead", Sigmoid{}, {1});
  network.add("tanh", Tanh{}, {4});
  // Node indices: fc 0, relu 1, add 2, sub 3, dead 4, tanh 5; the output counts as node 6.
  EXPECT_EQ(network.last_uses(), (std::vector<std::int32_t>{3, 4, 2, 3, 5, -1, 6}));
  network.set_output(4);
  EXPECT_EQ(network.last_uses(), (std::vector<std::int32_t>{3, 4, 2, 3, 6, -1, -1}));
}

TEST(Network, LastUsesOfAnEmptyNetworkMarkTheInputAsOutput) {
  const Network network({2, 2});
  EXPECT_EQ(network.last_uses(), (std::vector<std::int32_t>{0}));
}

TEST(Network, ParameterCountSumsWeightsBiasesStatisticsAndConstants) {
  Network network({1, 2, 4, 4});
  Window2d w;
  w.channels = 2;
  w.in_h = w.in_w = 4;
  w.kernel_h = w.kernel_w = 3;
  w.pad_top = w.pad_left = w.pad_bottom = w.pad_right = 1;
  complete_window(w);
  Conv2d conv{w, 5, Eigen::MatrixXd::Zero(5, 2 * 3 * 3), Eigen::VectorXd::Zero(5)};
  network.add("normalise", SubConstant{Eigen::VectorXd::Zero(32), false}, {0});
  network.add("scale", DivConstant{Eigen::VectorXd::Ones(32)}, {1});
  network.add("conv", conv, {2});
  BatchNorm bn;
  bn.scale = bn.bias = bn.mean = bn.variance = Eigen::VectorXd::Ones(5);
  bn.channel_stride = 16;
  network.add("bn", bn, {3});
  network.add("relu", Relu{}, {4});
  network.add("pool", MaxPool{[&] {
                Window2d p = w;
                p.channels = 5;
                p.kernel_h = p.kernel_w = 2;
                p.stride_h = p.stride_w = 2;
                p.pad_top = p.pad_left = p.pad_bottom = p.pad_right = 0;
                complete_window(p);
                return p;
              }()},
              {5});
  network.add("flatten", Reshape{{1, 20}}, {6});
  network.add("fc", dense(20, 3), {7});
  network.add("shift", AddConstant{Eigen::VectorXd::Zero(3)}, {8});
  network.add("gain", MulConstant{Eigen::VectorXd::Ones(3)}, {9});
  network.add("prob", Softmax{3}, {10});
  const std::int64_t expected = 32 + 32 + (5 * 18 + 5) + 4 * 5 + (20 * 3 + 3) + 3 + 3;
  EXPECT_EQ(parameter_count(network), expected);
  EXPECT_EQ(parameter_count(LayerOp(conv)), 95);
  EXPECT_EQ(parameter_count(LayerOp(Relu{})), 0);
  EXPECT_EQ(parameter_count(Network({1, 3})), 0);
}

TEST(Network, ReplaceLayerKeepsInputsAndSwapsTheOperation) {
  Network network({1, 2});
  const ValueId fc = network.add("fc", dense(2, 2, 1.0, 0.0), {0});
  network.add("relu", Relu{}, {fc});
  network.replace_layer(fc, dense(2, 2, 2.0, 0.5));
  const auto& replaced = std::get<Dense>(network.producer(fc).op);
  EXPECT_EQ(replaced.weight(0, 0), 2.0);
  EXPECT_EQ(replaced.bias(1), 0.5);
  EXPECT_EQ(network.producer(fc).inputs, (std::vector<ValueId>{0}));
  // The forward pass sees the new layer: relu(2 * (1 + 3) + 0.5) = 8.5.
  const Eigen::MatrixXd output = forward<double>(network, Eigen::Vector2d(1.0, 3.0));
  EXPECT_EQ(output(0, 0), 8.5);
  // A different kind with the same output shape is also accepted.
  network.replace_layer(2, LeakyRelu{0.1});
  EXPECT_TRUE(std::holds_alternative<LeakyRelu>(network.producer(2).op));
}

TEST(Network, ReplaceLayerRefusesAShapeChangeAndKeepsTheOldLayer) {
  Network network({1, 2});
  const ValueId fc = network.add("fc", dense(2, 2, 1.0), {0});
  network.add("relu", Relu{}, {fc});
  expect_shape_error([&] { network.replace_layer(fc, dense(2, 3)); },
                     {"node 'fc'", "changes the output shape"});
  EXPECT_EQ(std::get<Dense>(network.producer(fc).op).weight.rows(), 2);
  EXPECT_EQ(std::get<Dense>(network.producer(fc).op).weight(0, 0), 1.0);
  EXPECT_EQ(network.shape(fc), (Shape{1, 2}));
  EXPECT_THROW(network.replace_layer(fc, Reshape{{2}}), ShapeError);
  EXPECT_THROW(network.replace_layer(fc, dense(3, 2)), ShapeError);  // does not fit the input
  EXPECT_THROW(network.replace_layer(fc, AddTensors{}), ShapeError);  // wrong arity
}

TEST(Network, ReplaceLayerRefusesValuesNoNodeProduces) {
  Network network({1, 2});
  network.add("relu", Relu{}, {0});
  EXPECT_THROW(network.replace_layer(kInputValue, Relu{}), ShapeError);
  EXPECT_THROW(network.replace_layer(2, Relu{}), ShapeError);
  EXPECT_THROW(network.replace_layer(-1, Relu{}), ShapeError);
}

}  // namespace
}  // namespace certnn::model
