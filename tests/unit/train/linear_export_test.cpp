// The exported 2-class network of a linear classifier: its weights are exactly ∓w/2 and ∓b/2
// after an ONNX round trip, and its predictions and margin y₁ − y₀ are the classifier's.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>

#include "certnn/attack/prediction.hpp"
#include "certnn/core/error.hpp"
#include "certnn/onnx/exporter.hpp"
#include "certnn/onnx/importer.hpp"
#include "certnn/train/linear_export.hpp"
#include "train/synthetic_data.hpp"

namespace certnn::train {
namespace {

TEST(LinearExport, RoundTripsExactlyAndPredictsAsTheClassifier) {
  const LinearClassifier c{Eigen::VectorXd{{0.3, -1.7, 1e-3, 0.0}}, 0.1};
  const model::Network network = onnx::import_model_bytes(onnx::export_model_bytes(linear_network(c, {4})), "linear");
  EXPECT_EQ(network.input_shape(), (Shape{1, 4}));
  ASSERT_EQ(network.nodes().size(), 1u);
  const auto& dense = std::get<model::Dense>(network.nodes()[0].op);
  EXPECT_EQ(Eigen::VectorXd(dense.weight.row(1).transpose()), 0.5 * c.weight);
  EXPECT_EQ(Eigen::VectorXd(dense.weight.row(0).transpose()), -0.5 * c.weight);
  EXPECT_EQ(dense.bias, (Eigen::VectorXd{{-0.05, 0.05}}));

  const data::Dataset points = testing::synthetic_binary_dataset(50, 3, 2);
  const model::Batch<double> outputs = model::forward(network, points.inputs);
  const Eigen::VectorXd scores = c.scores(points.inputs);
  const std::vector<std::int64_t> predicted = attack::predict(network, points.inputs);
  for (Eigen::Index s = 0; s < points.size(); ++s) {
    EXPECT_NEAR(outputs(1, s) - outputs(0, s), scores[s], 1e-15 * (1.0 + c.weight.lpNorm<1>()));
    EXPECT_EQ(predicted[static_cast<std::size_t>(s)], scores[s] > 0.0 ? 1 : 0);
  }
}

TEST(LinearExport, FlattensASampleOfHigherRank) {
  const LinearClassifier c{Eigen::VectorXd::LinSpaced(12, -1.0, 1.0), 0.0};
  const model::Network network = linear_network(c, {1, 3, 4});
  EXPECT_EQ(network.input_shape(), (Shape{1, 1, 3, 4}));
  EXPECT_EQ(network.output_size(), 2);
  EXPECT_EQ(network.nodes().size(), 2u);
}

TEST(LinearExport, RefusesParametersThatCannotBeHalvedExactly) {
  EXPECT_THROW(linear_network({Eigen::VectorXd{{std::numeric_limits<double>::infinity()}}, 0.0}, {1}), Error);
  EXPECT_THROW(linear_network({Eigen::VectorXd{{1.0}}, std::numeric_limits<double>::denorm_min()}, {1}), Error);
  EXPECT_THROW(linear_network({Eigen::VectorXd{{1.0, 2.0}}, 0.0}, {3}), ShapeError);
}

}  // namespace
}  // namespace certnn::train
