// The architectures by spec: their layer counts, parameter counts (against the published
// shapes), refusals, and the export matching the trainer's own function.
#include "certnn/train/architecture.hpp"

#include <gtest/gtest.h>

#include "certnn/core/error.hpp"
#include "certnn/model/forward.hpp"
#include "certnn/train/network_function.hpp"
#include "random_seed.hpp"

namespace certnn::train {
namespace {

TEST(Architecture, ParameterCountsMatchThePublishedShapes) {
  // cnn-small on 28×28: conv 16 4×4/2 → 16×13×13, conv 32 4×4/1 → 32×10×10, dense 100, dense 10.
  const TrainableNetwork small = build_architecture("cnn-small", {1, 28, 28}, 10, 0);
  EXPECT_EQ(small.parameters.size(), (16 * 16 + 16) + (32 * 256 + 32) + (3200 * 100 + 100) + (100 * 10 + 10));
  // mlp:100x4 on digits: 64 → 100 → 100 → 100 → 100 → 10.
  EXPECT_EQ(build_architecture("mlp:100x4", {64}, 10, 0).parameters.size(),
            (64 * 100 + 100) + 3 * (100 * 100 + 100) + (100 * 10 + 10));
  // cnn-large keeps 28×28 through same padding until the stride-2 layer: 128×14×14 into dense 512.
  const TrainableNetwork large = build_architecture("cnn-large", {1, 28, 28}, 10, 0);
  EXPECT_EQ(large.blocks[large.blocks.size() - 4].cols, 128 * 14 * 14);
  // stable:20x3: lift 784 → 20, three 20×20 blocks with biases, output 20 → 10.
  EXPECT_EQ(build_architecture("stable:20x3", {1, 28, 28}, 10, 0).parameters.size(),
            (784 * 20 + 20) + 3 * (20 * 20 + 20) + (20 * 10 + 10));
  EXPECT_EQ(build_architecture("residual:20x3", {1, 28, 28}, 10, 0).parameters.size(),
            (784 * 20 + 20) + 3 * (2 * 20 * 20 + 20) + (20 * 10 + 10));
}

TEST(Architecture, InitialisationIsSeededAndWithinTheFanInBound) {
  const TrainableNetwork a = build_architecture("mlp:30x2", {16}, 3, 7), b = build_architecture("mlp:30x2", {16}, 3, 7);
  EXPECT_EQ(a.parameters, b.parameters);
  EXPECT_NE(a.parameters, build_architecture("mlp:30x2", {16}, 3, 8).parameters);
  EXPECT_LE(a.parameter(0).cwiseAbs().maxCoeff(), 1.0 / std::sqrt(16.0));
  EXPECT_GT(a.parameter(0).cwiseAbs().maxCoeff(), 0.5 / std::sqrt(16.0));
}

TEST(Architecture, RefusesUnknownSpecsAndTooSmallImages) {
  for (const char* spec : {"mlp:0x3", "mlp:100", "mlp:x4", "cnn-huge", "stable:10", "resnet:10x2", ""}) {
    EXPECT_FALSE(is_network_architecture(spec)) << spec;
    EXPECT_THROW(build_architecture(spec, {64}, 10, 0), Error) << spec;
  }
  EXPECT_THROW(build_architecture("cnn-small", {1, 8, 8}, 10, 0), Error);  // conv 2 does not fit 3×3
  EXPECT_THROW(build_architecture("cnn-small", {64}, 10, 0), Error);       // not an image
  EXPECT_THROW(build_architecture("mlp:10x1", {64}, 1, 0), Error);         // one class
  // 10^16 weights are refused by name, not attempted.
  try {
    build_architecture("mlp:999999x9999", {64}, 10, 0);
    ADD_FAILURE() << "accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("parameters, more than 268435456"), std::string::npos) << e.what();
  }
}

// The exported network computes the function the trainer differentiates, on the float32-rounded
// parameters, and the graph's IBP over boxes of zero width gives that function's label
// differences: the bound-based losses walk the same network.
TEST(Architecture, ExportComputesTheTrainedFunction) {
  std::mt19937 random = testing::seeded_generator();
  std::uniform_real_distribution<double> pixel(0.0, 1.0);
  const std::vector<std::int64_t> labels{0, 1, 2, 3, 1};
  for (const char* spec : {"mlp:12x2", "cnn-small", "stable:9x2", "residual:9x2"}) {
    SCOPED_TRACE(spec);
    TrainableNetwork network = build_architecture(spec, {1, 12, 12}, 4, 3);
    network.parameters = network.parameters.unaryExpr([](double v) { return static_cast<double>(static_cast<float>(v)); });
    Matrix inputs(144, 5);
    for (Eigen::Index i = 0; i < inputs.size(); ++i) inputs.data()[i] = pixel(random);
    const Matrix exported = model::forward<double>(to_network(network), inputs);
    EXPECT_EQ(exported, model::forward<double>(current_network(network), inputs));
    Graph graph;
    const std::vector<Var> parameters = bind_parameters(graph, network);
    const Matrix worst = graph.value(worst_case_differences(graph, network, parameters, inputs, inputs, labels));
    for (Eigen::Index s = 0; s < 5; ++s)
      for (Eigen::Index j = 0; j < 4; ++j)
        EXPECT_NEAR(worst(j, s), exported(j, s) - exported(labels[s], s), 1e-12) << s << ", " << j;
  }
}

}  // namespace
}  // namespace certnn::train
