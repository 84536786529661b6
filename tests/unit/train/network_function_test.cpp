// The IBP and CROWN-IBP worst-case label differences bound every point of the box (the robust loss never
// undercounts what an attacker can reach), and the training step's gradient is the derivative of
// its loss.
#include "certnn/train/network_function.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include "certnn/model/forward.hpp"
#include "certnn/onnx/importer.hpp"
#include "certnn/train/architecture.hpp"
#include "certnn/train/imported_network.hpp"
#include "certnn/train/training_loss.hpp"
#include "random_seed.hpp"

namespace certnn::train {
namespace {

Matrix uniform_matrix(Eigen::Index rows, Eigen::Index cols, double lo, double hi, std::mt19937& random) {
  std::uniform_real_distribution<double> uniform(lo, hi);
  Matrix m(rows, cols);
  for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = uniform(random);
  return m;
}

// The architectures on 12×12 images with 3 classes, and PyTorch's residual MLP (a skip Add and a
// Sub of two tensors) on 12 inputs with 6.
std::vector<TrainableNetwork> networks(const std::vector<const char*>& specs, std::uint64_t seed) {
  std::vector<TrainableNetwork> result;
  for (const char* spec : specs) result.push_back(build_architecture(spec, {1, 12, 12}, 3, seed));
  const std::string residual =
      (std::filesystem::path(CERTNN_SOURCE_DIR) / "tests/data/torch/residual_mlp.onnx").string();
  result.push_back(trainable_network(onnx::import_model(residual), residual, true));
  return result;
}

TEST(NetworkFunction, WorstCaseDifferencesBoundEverySampledPoint) {
  std::mt19937 random = testing::seeded_generator();
  const std::vector<std::int64_t> labels{0, 1, 2};
  for (const TrainableNetwork& network : networks({"mlp:10x3", "cnn-small", "stable:8x2", "residual:8x2"}, 11)) {
    SCOPED_TRACE(network.architecture);
    const Eigen::Index n = network.input_size(), k = network.classes;
    const Matrix centre = uniform_matrix(n, 3, 0.2, 0.8, random);
    const Matrix lower = centre.array() - 0.05, upper = centre.array() + 0.05;
    Graph graph;
    const std::vector<Var> parameters = bind_parameters(graph, network);
    const Matrix bound = graph.value(worst_case_differences(graph, network, parameters, lower, upper, labels));
    const Matrix crown = graph.value(crown_ibp_differences(graph, network, parameters, lower, upper, labels));
    // CROWN's linear bounds beat IBP's boxes on an untrained network (on average: not entry by entry).
    EXPECT_LT(crown.sum(), bound.sum());
    const model::Network exported = to_network(network);
    for (int trial = 0; trial < 200; ++trial) {
      const Matrix point = lower + (upper - lower).cwiseProduct(uniform_matrix(n, 3, 0.0, 1.0, random));
      // The exported weights are the float32 roundings: allow for that difference.
      const Matrix y = model::forward<double>(exported, point);
      for (Eigen::Index s = 0; s < 3; ++s)
        for (Eigen::Index j = 0; j < k; ++j) {
          EXPECT_LE(y(j, s) - y(labels[s], s), bound(j, s) + 1e-5);
          EXPECT_LE(y(j, s) - y(labels[s], s), crown(j, s) + 1e-5);
        }
    }
  }
}

// d loss / dθ of a training step (CROWN-IBP objective, every term) against central differences in a
// few coordinates of every parameter block. Fixed seeds: a finite difference across a ReLU kink
// means nothing, and these draws keep every pre-activation well away from one.
TEST(NetworkFunction, TrainingStepGradientIsTheLossDerivative) {
  std::mt19937 random(20261202);
  for (TrainableNetwork network : networks({"mlp:6x2", "cnn-small", "stable:5x2", "residual:5x2"}, 5)) {
    SCOPED_TRACE(network.architecture);
    const Matrix inputs = uniform_matrix(network.input_size(), 4, 0.1, 0.9, random);
    const std::vector<std::int64_t> labels{0, 2, 1, 2};
    const StepObjective objective{0.6, 0.02, 0.3, bounds::Domain{0.0, 1.0}};
    const StepResult step = training_step(network, inputs, labels, objective, 2);
    EXPECT_NEAR(step.loss, training_step(network, inputs, labels, objective, 1).loss, 1e-12);
    constexpr double h = 1e-6;
    for (const ParameterBlock& block : network.blocks)
      for (Eigen::Index i : {Eigen::Index{0}, block.rows * block.cols / 2, block.rows * block.cols - 1}) {
        const Eigen::Index k = block.offset + i;
        const double original = network.parameters[k];
        network.parameters[k] = original + h;
        const double plus = training_step(network, inputs, labels, objective, 1).loss;
        network.parameters[k] = original - h;
        const double minus = training_step(network, inputs, labels, objective, 1).loss;
        network.parameters[k] = original;
        EXPECT_NEAR(step.gradient[k], (plus - minus) / (2 * h), 1e-6) << block.name << " entry " << i;
      }
  }
}

}  // namespace
}  // namespace certnn::train
