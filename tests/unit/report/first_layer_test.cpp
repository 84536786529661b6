// The first layer's filters (report/first_layer.hpp): a Dense layer behind Reshape gives its rows
// over the input image, a one-channel Conv its kernels; anything else is refused by kind.
#include "certnn/report/first_layer.hpp"

#include <gtest/gtest.h>

#include "certnn/core/error.hpp"

namespace certnn::report {
namespace {

TEST(FirstLayerFilters, DenseRowsBehindAReshapeAreTilesOfTheInputImage) {
  model::Network network({1, 1, 2, 3});
  const model::ValueId flat = network.add("flatten", model::Reshape{{1, 6}}, {model::kInputValue});
  const Eigen::MatrixXd weight = Eigen::MatrixXd::Random(5, 6);
  network.set_output(network.add("dense", model::Dense{weight, Eigen::VectorXd::Zero(5)}, {flat}));
  const FirstLayerFilters filters = first_layer_filters(network);
  EXPECT_EQ(filters.node->name, "dense");
  EXPECT_EQ(filters.rows, weight);
  EXPECT_EQ(filters.tile.height, 2);
  EXPECT_EQ(filters.tile.width, 3);
}

model::Network conv_network(std::int64_t channels) {
  model::Network network({1, channels, 5, 5});
  model::Window2d window;
  window.channels = channels;
  window.in_h = window.in_w = 5;
  window.kernel_h = 3;
  window.kernel_w = 2;
  window.out_h = 3;
  window.out_w = 4;
  const Eigen::MatrixXd weight = Eigen::MatrixXd::Random(4, channels * 6);
  network.set_output(
      network.add("conv", model::Conv2d{window, 4, weight, Eigen::VectorXd::Zero(4)}, {model::kInputValue}));
  return network;
}

TEST(FirstLayerFilters, AOneChannelConvGivesItsKernels) {
  const model::Network network = conv_network(1);
  const FirstLayerFilters filters = first_layer_filters(network);
  EXPECT_EQ(filters.rows.rows(), 4);
  EXPECT_EQ(filters.tile.height, 3);
  EXPECT_EQ(filters.tile.width, 2);
  EXPECT_EQ(filters.rows, std::get<model::Conv2d>(network.nodes()[0].op).weight);
}

TEST(FirstLayerFilters, OtherFirstLayersAreRefusedByKind) {
  EXPECT_THROW(first_layer_filters(conv_network(3)), Unsupported);
  model::Network relu_first({1, 4});
  const model::ValueId r = relu_first.add("relu", model::Relu{}, {model::kInputValue});
  relu_first.set_output(relu_first.add("dense", model::Dense{Eigen::MatrixXd::Ones(2, 4), Eigen::VectorXd::Zero(2)}, {r}));
  try {
    first_layer_filters(relu_first);
    FAIL();
  } catch (const Unsupported& e) {
    EXPECT_NE(std::string(e.what()).find("first layer is Relu (node 'relu')"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace certnn::report
