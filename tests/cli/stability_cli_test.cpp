// certnn stability on the built binary: the JSON shape (per-layer figures, Lipschitz bounds,
// local bounds with --input), the human table, and one-line errors for bad input.
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "cli_fixture.hpp"

namespace certnn {
namespace {

const std::string kModel = (test::torch_data_dir() / "mlp_relu.onnx").string();
const std::string kInput = (test::torch_data_dir() / "mlp_relu.input.csv").string();

class StabilityCli : public Cli {
 protected:
  nlohmann::json run_json(const std::vector<std::string>& args) const {
    const RunResult r = run(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return nlohmann::json::parse(r.out);
  }
};

TEST_F(StabilityCli, JsonHoldsLayersAndBounds) {
  const auto report = run_json({"stability", kModel, "--samples", "16", "--json"});
  ASSERT_EQ(report["layers"].size(), 5u);  // Dense, Relu, Dense, Relu, Dense
  for (const auto& layer : report["layers"]) {
    EXPECT_TRUE(layer["name"].is_string());
    EXPECT_TRUE(layer["kind"].is_string());
    EXPECT_GE(layer["spectral_norm_upper"].get<double>(), layer["spectral_norm"].get<double>());
    if (layer["kind"] == "Dense") {
      EXPECT_TRUE(layer["condition_number"].is_number());
      const double s = layer["spectral_norm"].get<double>();
      EXPECT_LE(layer["spectral_norm_upper"].get<double>(), s * (1 + 1e-6));
    } else {
      EXPECT_TRUE(layer["condition_number"].is_null());
    }
  }
  const double upper = report["lipschitz_upper"].get<double>(), lower = report["lipschitz_lower"].get<double>();
  EXPECT_GT(lower, 0.0);
  EXPECT_LE(lower, upper);
  EXPECT_FALSE(report.contains("local_lipschitz_upper"));
}

TEST_F(StabilityCli, InputRowsGiveLocalBounds) {
  const auto report = run_json({"stability", kModel, "--input", kInput, "--eps", "0.001", "--samples", "8", "--json"});
  const auto& local = report["local_lipschitz_upper"];
  ASSERT_EQ(local.size(), 8u);  // the file's rows
  for (const auto& bound : local) {
    EXPECT_GT(bound.get<double>(), 0.0);
    EXPECT_LE(bound.get<double>(), report["lipschitz_upper"].get<double>());
  }
  EXPECT_EQ(report["eps"].get<double>(), 0.001);
}

TEST_F(StabilityCli, ThresholdFlagsIllConditionedLayers) {
  const auto strict = run_json({"stability", kModel, "--samples", "4", "--threshold", "1.0001", "--json"});
  EXPECT_EQ(strict["layers"][0]["warning"].get<std::string>().rfind("ill-conditioned", 0), 0u);
  const auto lenient = run_json({"stability", kModel, "--samples", "4", "--threshold", "1e300", "--json"});
  EXPECT_TRUE(lenient["layers"][0]["warning"].is_null());
}

TEST_F(StabilityCli, HumanTableNamesLayersAndTheGap) {
  const RunResult r = run({"stability", kModel, "--samples", "4"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("spectral norm"), std::string::npos);
  EXPECT_NE(r.out.find("Dense"), std::string::npos);
  EXPECT_NE(r.out.find("gap upper / lower"), std::string::npos);
}

TEST_F(StabilityCli, BadInputIsOneLineError) {
  expect_user_error({"stability", path("missing.onnx").string()}, {"missing.onnx"});
  expect_user_error({"stability", kModel, "--eps", "-1"}, {"--eps"});
  expect_user_error({"stability", kModel, "--threshold", "0"}, {"--threshold"});
  expect_user_error({"stability", kModel, "--samples", "0"}, {"--samples"});
  expect_user_error({"stability", kModel, "--input", write("short.csv", "1,2,3\n").string()}, {"short.csv"});
  expect_user_error({"stability", kModel, "--domain", "2,1"}, {"--domain"});
  // Softmax has no local enclosure: refused before any work, naming kind and node.
  const std::string softmax_model = (test::torch_data_dir() / "normalized.onnx").string();
  expect_user_error({"stability", softmax_model, "--input", (test::torch_data_dir() / "normalized.input.csv").string()},
                    {"Softmax", "node '"});
}

}  // namespace
}  // namespace certnn
