// certnn gradcheck on the built binary: it passes on every PyTorch-exported model at its inputs,
// its JSON has the documented shape with one row per layer, a tolerance below what float64 finite
// differences can reach fails with exit 1 and the report on stdout, and bad input is a one-line
// error.
#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "certnn/onnx/importer.hpp"
#include "cli_fixture.hpp"

namespace certnn {
namespace {

std::string torch_path(const std::string& name) { return torch_file(name).string(); }

std::vector<std::string> torch_model_names() {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(test::torch_data_dir()))
    if (entry.path().extension() == ".onnx") names.push_back(entry.path().stem().string());
  std::sort(names.begin(), names.end());
  return names;
}

class GradcheckCli : public Cli {
 protected:
  nlohmann::json run_json(const std::vector<std::string>& args, int expected_exit = 0) const {
    const RunResult r = run(args);
    EXPECT_TRUE(r.exited) << "killed by signal " << r.signal;
    EXPECT_EQ(r.exit_code, expected_exit) << r.err;
    return nlohmann::json::parse(r.out);
  }
};

TEST_F(GradcheckCli, PassesOnEveryTorchModelWithOneRowPerLayer) {
  const std::vector<std::string> names = torch_model_names();
  ASSERT_GE(names.size(), 5u);
  for (const std::string& name : names) {
    SCOPED_TRACE(name);
    const auto report =
        run_json({"gradcheck", torch_path(name + ".onnx"), "--input", torch_path(name + ".input.csv"), "--json"});
    EXPECT_TRUE(report["passed"].get<bool>()) << report.dump();
    const double tolerance = report["tolerance"].get<double>();
    EXPECT_EQ(tolerance, 1e-5);
    EXPECT_LE(report["max_relative_error"].get<double>(), tolerance);

    const model::Network network = onnx::import_model(torch_path(name + ".onnx"));
    ASSERT_EQ(report["layers"].size(), network.nodes().size());
    double worst = report["total"]["max_relative_error"].get<double>();
    for (std::size_t k = 0; k < network.nodes().size(); ++k) {
      const auto& layer = report["layers"][k];
      EXPECT_EQ(layer["name"], network.nodes()[k].name);
      EXPECT_EQ(layer["kind"], std::string(model::kind_name(network.nodes()[k].op)));
      EXPECT_GE(layer["compared"].get<std::int64_t>(), 1) << layer.dump();
      EXPECT_GE(layer["skipped"].get<std::int64_t>(), 0);
      worst = std::max(worst, layer["max_relative_error"].get<double>());
    }
    EXPECT_EQ(report["max_relative_error"].get<double>(), worst);
    EXPECT_GE(report["total"]["compared"].get<std::int64_t>(), 1);
    EXPECT_TRUE(report["total"].contains("skipped"));
  }
}

TEST_F(GradcheckCli, HumanOutputIsATableAndAVerdict) {
  const RunResult r = run({"gradcheck", torch_path("cnn_bn_pool_pad.onnx"), "--input",
                           torch_path("cnn_bn_pool_pad.input.csv")});
  ASSERT_TRUE(r.exited);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  EXPECT_NE(r.out.find("relative error"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("MaxPool"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("(whole network)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\ngradcheck: passed (max relative error "), std::string::npos) << r.out;
}

TEST_F(GradcheckCli, ATolerancePastFloat64PrecisionFailsWithExitOneAndTheReport) {
  // Sigmoid layers: the finite differences carry truncation and rounding error far above 1e-300.
  const std::vector<std::string> args = {"gradcheck", torch_path("mlp_sigmoid.onnx"), "--input",
                                         torch_path("mlp_sigmoid.input.csv"), "--tolerance", "1e-300"};
  const RunResult text = run(args);
  ASSERT_TRUE(text.exited);
  EXPECT_EQ(text.exit_code, 1);
  EXPECT_NE(text.out.find("gradcheck: FAILED: "), std::string::npos) << text.out;
  EXPECT_EQ(text.err.rfind("certnn: gradcheck failed: ", 0), 0u) << text.err;
  EXPECT_EQ(std::count(text.err.begin(), text.err.end(), '\n'), 1) << text.err;

  std::vector<std::string> json_args = args;
  json_args.push_back("--json");
  const auto report = run_json(json_args, 1);
  EXPECT_FALSE(report["passed"].get<bool>());
  EXPECT_GT(report["max_relative_error"].get<double>(), 1e-300);
}

TEST_F(GradcheckCli, TheSeedAndSampleSizeAreHonoured) {
  const std::vector<std::string> base = {"gradcheck", torch_path("residual_mlp.onnx"), "--input",
                                         torch_path("residual_mlp.input.csv"), "--json", "--max-entries", "3"};
  std::vector<std::string> seeded = base;
  seeded.insert(seeded.end(), {"--seed", "7"});
  const auto first = run_json(seeded), second = run_json(seeded);
  EXPECT_EQ(first, second);
  for (const auto& layer : first["layers"])
    EXPECT_LE(layer["compared"].get<std::int64_t>() + layer["skipped"].get<std::int64_t>(), 2 * 3 + 3)
        << layer.dump();  // at most 3 per input (two for Add) and 3 parameters
  EXPECT_EQ(first["total"]["compared"].get<std::int64_t>() + first["total"]["skipped"].get<std::int64_t>(), 3);
}

TEST_F(GradcheckCli, BadInputIsAOneLineError) {
  const std::string model = torch_path("mlp_relu.onnx");
  expect_user_error({"gradcheck", model}, {"--input"});
  expect_user_error({"gradcheck", path("missing.onnx").string(), "--input", torch_path("mlp_relu.input.csv")},
                    {"missing.onnx"});
  expect_user_error({"gradcheck", model, "--input", path("missing.csv").string()}, {"missing.csv"});
  expect_user_error({"gradcheck", model, "--input", write("short.csv", "1,2,3\n").string()}, {"short.csv"});
  expect_user_error({"gradcheck", model, "--input", torch_path("mlp_relu.input.csv"), "--tolerance", "0"},
                    {"--tolerance"});
  expect_user_error({"gradcheck", model, "--input", torch_path("mlp_relu.input.csv"), "--tolerance", "nan"},
                    {"--tolerance"});
  expect_user_error({"gradcheck", model, "--input", torch_path("mlp_relu.input.csv"), "--max-entries", "0"},
                    {"--max-entries"});
  expect_user_error({"gradcheck", model, "--input", torch_path("mlp_relu.input.csv"), "--seed", "-1"}, {"--seed"});
}

}  // namespace
}  // namespace certnn
