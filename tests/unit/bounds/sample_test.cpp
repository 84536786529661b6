// The empirical `sample` method: projected gradient ascent reaches the exact extremes of a linear
// network (vertices of its input box) when there are far too many vertices to enumerate and
// random points fall well short; the sampled box always lies inside IBP's sound box.
#include "certnn/bounds/sample.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <limits>
#include <random>
#include <string>

#include "certnn/bounds/method.hpp"
#include "certnn/model/forward.hpp"
#include "certnn/onnx/importer.hpp"
#include "random_seed.hpp"

namespace certnn::bounds {
namespace {

using model::Batch;
using model::Dense;
using model::Network;

Eigen::MatrixXd uniform_matrix(std::mt19937& random, Eigen::Index rows, Eigen::Index cols, double low, double high) {
  std::uniform_real_distribution<double> uniform(low, high);
  Eigen::MatrixXd m(rows, cols);
  for (Eigen::Index i = 0; i < m.size(); ++i) m(i) = uniform(random);
  return m;
}

Box random_box(std::mt19937& random, Eigen::Index size, double max_radius) {
  const Eigen::VectorXd centre = uniform_matrix(random, size, 1, -1, 1);
  const Eigen::VectorXd radius = uniform_matrix(random, size, 1, 0, max_radius);
  return Box{centre - radius, centre + radius};
}

// The hull of the network's outputs at `count` uniform points of the box: what random sampling
// alone finds.
Box random_hull(const Network& network, const Box& box, std::int64_t count, std::mt19937& random) {
  Batch<double> points = uniform_matrix(random, box.size(), count, 0, 1);
  for (Eigen::Index s = 0; s < count; ++s)
    points.col(s) = box.lower + points.col(s).cwiseProduct(box.width());
  const Batch<double> outputs = model::forward<double>(network, points);
  return Box{outputs.rowwise().minCoeff(), outputs.rowwise().maxCoeff()};
}

constexpr Eigen::Index kInputs = 40;  // 2^40 vertices: far beyond kMaxVertexDimensions
static_assert(kInputs > SampleMethod::kMaxVertexDimensions);

TEST(Sample, GradientAscentReachesTheExactExtremesOfALinearNetwork) {
  std::mt19937 random = certnn::testing::seeded_generator();
  for (int trial = 0; trial < 10; ++trial) {
    SCOPED_TRACE("trial " + std::to_string(trial));
    Network network({1, kInputs});
    network.add("fc1", Dense{uniform_matrix(random, 8, kInputs, -1, 1), uniform_matrix(random, 8, 1, -1, 1)}, {0});
    network.add("fc2", Dense{uniform_matrix(random, 4, 8, -1, 1), uniform_matrix(random, 4, 1, -1, 1)}, {1});
    const Box box = random_box(random, kInputs, 0.5);

    // y = A x + c with A = W2 W1: output i is largest at the vertex taking upper[j] where
    // A(i, j) > 0 and lower[j] elsewhere, and smallest at the opposite vertex.
    const auto& w1 = std::get<Dense>(network.nodes()[0].op).weight;
    const auto& w2 = std::get<Dense>(network.nodes()[1].op).weight;
    const Eigen::MatrixXd a = w2 * w1;
    Batch<double> vertices(kInputs, 2 * a.rows());
    for (Eigen::Index i = 0; i < a.rows(); ++i)
      for (Eigen::Index j = 0; j < kInputs; ++j) {
        vertices(j, 2 * i) = a(i, j) > 0 ? box.upper[j] : box.lower[j];
        vertices(j, 2 * i + 1) = a(i, j) > 0 ? box.lower[j] : box.upper[j];
      }
    const Batch<double> at_vertices = model::forward<double>(network, vertices);

    Options options;
    options.samples = 10;
    options.seed = random();
    const Result sampled = make_method("sample")->propagate(network, box, options);
    EXPECT_FALSE(sampled.sound);
    const Box random_only = random_hull(network, box, 1000, random);
    for (Eigen::Index i = 0; i < a.rows(); ++i) {
      SCOPED_TRACE("output " + std::to_string(i));
      const double highest = at_vertices(i, 2 * i), lowest = at_vertices(i, 2 * i + 1);
      // The same point evaluated in another batch: equal up to the summation order of the
      // products, a few ulps of the magnitudes summed (|W2| |W1| |x| ≲ 8 · 40 · 1.5).
      const double rounding = 1e-12;
      EXPECT_NEAR(sampled.output.upper[i], highest, rounding);
      EXPECT_NEAR(sampled.output.lower[i], lowest, rounding);
      // A thousand random points stay far inside: in 40 dimensions the sum of the coordinate
      // contributions concentrates around its mean (shortfall ≈ 1 − 3/√40 of the half-range).
      const double half_range = (highest - lowest) / 2;
      EXPECT_LT(random_only.upper[i], highest - 0.25 * half_range);
      EXPECT_GT(random_only.lower[i], lowest + 0.25 * half_range);
    }
  }
}

TEST(Sample, ABoxThatIsAPointGivesTheOutputAtThatPoint) {
  std::mt19937 random = certnn::testing::seeded_generator();
  Network network({1, 6});
  network.add("fc", Dense{uniform_matrix(random, 3, 6, -1, 1), uniform_matrix(random, 3, 1, -1, 1)}, {0});
  network.add("relu", model::Relu{}, {1});
  const Eigen::VectorXd point = uniform_matrix(random, 6, 1, -1, 1);
  const Result sampled = make_method("sample")->propagate(network, Box{point, point}, Options{});
  const Eigen::VectorXd output = model::forward<double>(network, Batch<double>(point));
  // The samples go through the network as one batch, the point alone: the two products may
  // round differently (fused or not, in another order), within a few units in the last place.
  EXPECT_LE((sampled.output.lower - output).cwiseAbs().maxCoeff(), 1e-14);
  EXPECT_LE((sampled.output.upper - output).cwiseAbs().maxCoeff(), 1e-14);
}

void expect_inside_ibp(const Network& network, const Box& box, std::uint64_t seed) {
  Options options;
  options.samples = 200;
  options.seed = seed;
  const Result ibp = make_method("ibp")->propagate(network, box, options);
  const Result sampled = make_method("sample")->propagate(network, box, options);
  ASSERT_TRUE(ibp.sound);
  EXPECT_FALSE(sampled.sound);
  for (Eigen::Index i = 0; i < network.output_size(); ++i) {
    EXPECT_LE(sampled.output.lower[i], sampled.output.upper[i]) << "output " << i;
    EXPECT_LE(ibp.output.lower[i], sampled.output.lower[i]) << "output " << i;
    EXPECT_LE(sampled.output.upper[i], ibp.output.upper[i]) << "output " << i;
  }
}

TEST(Sample, TheSampledBoxLiesInsideIbpsBoxOnRandomNetworks) {
  std::mt19937 random = certnn::testing::seeded_generator();
  std::uniform_int_distribution<int> width(1, 24), activation(0, 3);
  for (int trial = 0; trial < 40; ++trial) {
    SCOPED_TRACE("trial " + std::to_string(trial));
    const int inputs = trial % 2 == 0 ? width(random) : 30;  // vertices enumerated or not
    Network network({1, inputs});
    Eigen::Index size = inputs;
    for (int layer = 0; layer < 3; ++layer) {
      const int next = width(random);
      network.add("fc" + std::to_string(layer),
                  Dense{uniform_matrix(random, next, size, -1, 1), uniform_matrix(random, next, 1, -1, 1)},
                  {network.output()});
      size = next;
      const model::LayerOp op = std::array<model::LayerOp, 4>{model::Relu{}, model::LeakyRelu{0.1}, model::Tanh{},
                                                              model::Sigmoid{}}[activation(random)];
      network.add("act" + std::to_string(layer), op, {network.output()});
    }
    expect_inside_ibp(network, random_box(random, inputs, 0.3), random());
  }
}

TEST(Sample, TheSampledBoxLiesInsideIbpsBoxOnTorchModels) {
  std::mt19937 random = certnn::testing::seeded_generator();
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  for (const std::string name : {"mlp_relu", "mlp_sigmoid", "cnn", "cnn_bn_pool_pad", "residual_mlp", "normalized"}) {
    SCOPED_TRACE(name);
    const Network network =
        onnx::import_model((std::filesystem::path(CERTNN_SOURCE_DIR) / "tests/data/torch" / (name + ".onnx")).string());
    Eigen::VectorXd centre(network.input_size());
    for (auto& v : centre) v = unit(random);
    expect_inside_ibp(network, linf_ball(centre, 0.05, Domain{}), random());
  }
}

}  // namespace
}  // namespace certnn::bounds
