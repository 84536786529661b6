// --inference float32: bounds widened by the float32 error model enclose what a float32 engine
// (model::forward<float>) computes, where exact-arithmetic bounds do not.
#include "certnn/bounds/inference_error.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <random>

#include "certnn/bounds/method.hpp"
#include "certnn/model/forward.hpp"
#include "certnn/onnx/importer.hpp"
#include "random_seed.hpp"

namespace certnn::bounds {
namespace {

const std::vector<std::string> kModels = {"mlp_relu", "mlp_sigmoid", "mlp_tanh", "cnn", "cnn_bn_pool_pad",
                                          "cnn_bn_pool_pad_keepbn", "residual_mlp", "normalized", "channel_norm"};

model::Network load(const std::string& name) {
  return onnx::import_model((std::filesystem::path(CERTNN_SOURCE_DIR) / "tests/data/torch" / (name + ".onnx")).string());
}

Options float32_options() {
  Options options;
  options.inference = Inference::Float32;
  return options;
}

TEST(InferenceError, Float32InputsAreTheFloat32NumbersAroundTheBox) {
  const Box box{Eigen::Vector3d(0.1, -1.0 / 3.0, 2.0), Eigen::Vector3d(0.1, 0.7, 2.0)};
  const Box widened = float32_input(box);
  for (Eigen::Index i = 0; i < 3; ++i) {
    EXPECT_LE(widened.lower[i], box.lower[i]);
    EXPECT_GE(widened.upper[i], box.upper[i]);
    EXPECT_EQ(static_cast<double>(static_cast<float>(widened.lower[i])), widened.lower[i]);
    EXPECT_EQ(static_cast<double>(static_cast<float>(widened.upper[i])), widened.upper[i]);
  }
  EXPECT_EQ(widened.lower[2], 2.0);  // already a float32 number
  EXPECT_LT(widened.lower[0], widened.upper[0]);  // 0.1 lies between two float32 numbers
}

TEST(InferenceError, Float32BoundsEncloseFloat32Evaluation) {
  std::mt19937 rng = testing::seeded_generator();
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  const auto ibp = make_method("ibp");
  for (const std::string& name : kModels) {
    SCOPED_TRACE(name);
    const model::Network network = load(name);
    for (int trial = 0; trial < 4; ++trial) {
      Eigen::VectorXd centre(network.input_size());
      for (auto& v : centre) v = unit(rng);
      const double eps = trial == 0 ? 0.0 : 0.01 * trial;
      const Box box = linf_ball(centre, eps, Domain{});
      const Box bound = ibp->propagate(network, box, float32_options()).output;
      model::Batch<float> points(network.input_size(), 64);
      for (Eigen::Index s = 0; s < points.cols(); ++s)
        for (Eigen::Index i = 0; i < points.rows(); ++i)
          points(i, s) = static_cast<float>(box.lower[i] + unit(rng) * (box.upper[i] - box.lower[i]));
      const model::Batch<float> outputs = model::forward<float>(network, points);
      for (Eigen::Index s = 0; s < outputs.cols(); ++s)
        ASSERT_TRUE(bound.contains(outputs.col(s).cast<double>())) << "trial " << trial << " sample " << s;
    }
  }
}

TEST(InferenceError, ExactBoundsOfAPointMissTheFloat32Engine) {
  // At a single input the exact bounds are nearly a point, and a float32 engine's outputs differ
  // from it by far more than float64 rounding: the widening is needed.
  const auto ibp = make_method("ibp");
  int missed = 0, enclosed = 0;
  for (const std::string& name : kModels) {
    const model::Network network = load(name);
    const Eigen::VectorXd centre = Eigen::VectorXd::Constant(network.input_size(), 0.3);
    const Box box = linf_ball(centre, 0.0, Domain{});
    const model::Batch<float> point = centre.cast<float>();
    const Eigen::VectorXd engine = model::forward<float>(network, point).col(0).cast<double>();
    missed += !ibp->propagate(network, box, Options{}).output.contains(engine);
    enclosed += ibp->propagate(network, box, float32_options()).output.contains(engine);
  }
  EXPECT_GT(missed, 0);
  EXPECT_EQ(enclosed, static_cast<int>(kModels.size()));
}

}  // namespace
}  // namespace certnn::bounds
