// certnn bounds on the built binary: JSON shape, the input sets (ball, mask, VNN-LIB boxes),
// the ε sweep, --inference float32, and one-line errors for contradictory options.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "certnn/spec/vnnlib.hpp"
#include "cli_fixture.hpp"

namespace certnn {
namespace {

const std::string kModel = (test::torch_data_dir() / "mlp_relu.onnx").string();
const std::string kInput = (test::torch_data_dir() / "mlp_relu.input.csv").string();

class BoundsCli : public Cli {
 protected:
  nlohmann::json run_json(const std::vector<std::string>& args) const {
    const RunResult r = run(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return nlohmann::json::parse(r.out);
  }
};

TEST_F(BoundsCli, BallBoundsHoldTheSampledOutputs) {
  const auto report = run_json({"bounds", kModel, "--input", kInput, "--eps", "0.05", "--domain", "none",
                                "--method", "ibp,sample", "--json"});
  ASSERT_GE(report["inputs"].size(), 1u);
  for (const auto& input : report["inputs"]) {
    const auto& ibp = input["methods"]["ibp"];
    const auto& sample = input["methods"]["sample"];
    EXPECT_TRUE(ibp["sound"].get<bool>());
    EXPECT_FALSE(sample["sound"].get<bool>());
    for (std::size_t i = 0; i < ibp["lower"].size(); ++i) {
      EXPECT_LE(ibp["lower"][i].get<double>(), sample["lower"][i].get<double>());
      EXPECT_GE(ibp["upper"][i].get<double>(), sample["upper"][i].get<double>());
    }
  }
}

TEST_F(BoundsCli, VnnlibBoxesGiveOneSetPerDistinctBox) {
  const fs::path benchmarks = test::benchmarks_dir() / "acasxu";
  const std::string property = (benchmarks / "vnnlib" / "prop_6.vnnlib.gz").string();
  const auto report = run_json({"bounds", (benchmarks / "onnx" / "ACASXU_run2a_1_1_batch_2000.onnx").string(),
                                "--vnnlib", property, "--method", "ibp", "--json"});
  EXPECT_EQ(report["inputs"].size(), 2u);  // property 6: two input boxes, four output clauses each
}

TEST_F(BoundsCli, MaskFreesTheRequestedFractionOfInputs) {
  // A masked set with nothing free is the point itself: IBP gives (nearly) zero width.
  const auto fixed = run_json({"bounds", kModel, "--input", kInput, "--mask", "0", "--domain", "-5,5", "--method",
                               "ibp", "--json"});
  const auto some = run_json({"bounds", kModel, "--input", kInput, "--mask", "0.3", "--domain", "-5,5", "--method",
                              "ibp", "--json"});
  const auto width = [](const nlohmann::json& m) {
    double w = 0;
    for (std::size_t i = 0; i < m["lower"].size(); ++i) w += m["upper"][i].get<double>() - m["lower"][i].get<double>();
    return w;
  };
  EXPECT_LT(width(fixed["inputs"][0]["methods"]["ibp"]), 1e-9);
  EXPECT_GT(width(some["inputs"][0]["methods"]["ibp"]), 1e-3);
}

TEST_F(BoundsCli, ExplicitBoxesComeAsPairsOfRows) {
  const std::string zeros = "0,0,0,0,0,0,0,0,0,0\n", halves = "0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5\n";
  const fs::path boxes = write("boxes.csv", zeros + halves + zeros + zeros);
  const auto report = run_json({"bounds", kModel, "--box", boxes.string(), "--method", "ibp,affine", "--json"});
  ASSERT_EQ(report["inputs"].size(), 2u);
  const auto& point = report["inputs"][1]["methods"]["affine"];
  for (std::size_t i = 0; i < point["lower"].size(); ++i)
    EXPECT_NEAR(point["upper"][i].get<double>(), point["lower"][i].get<double>(), 1e-12);
  expect_user_error({"bounds", kModel, "--box", write("odd.csv", zeros).string()}, {"pairs of rows"});
  expect_user_error({"bounds", kModel, "--box", write("flip.csv", halves + zeros).string()}, {"flip.csv:2"});
}

TEST_F(BoundsCli, SweepReportsTwentyRadiiWithGrowingWidths) {
  const auto report = run_json({"bounds", kModel, "--input", kInput, "--sweep", "1e-4,1e-1", "--domain", "none",
                                "--method", "ibp", "--json"});
  ASSERT_EQ(report["sweep"].size(), 20u);
  EXPECT_DOUBLE_EQ(report["sweep"][0]["eps"].get<double>(), 1e-4);
  EXPECT_NEAR(report["sweep"][19]["eps"].get<double>(), 1e-1, 1e-15);
  double previous = 0;
  for (const auto& row : report["sweep"]) {
    const double width = row["methods"]["ibp"]["mean_max_width"].get<double>();
    EXPECT_GT(width, previous);
    EXPECT_LE(width, 1.0 + 1e-12);  // softmax outputs lie in [0, 1]
    previous = width;
  }
}

TEST_F(BoundsCli, Float32InferenceWidensTheBounds) {
  const auto exact = run_json({"bounds", kModel, "--input", kInput, "--eps", "0", "--domain", "none", "--method",
                               "ibp", "--json"});
  const auto engine = run_json({"bounds", kModel, "--input", kInput, "--eps", "0", "--domain", "none", "--method",
                                "ibp", "--inference", "float32", "--json"});
  const auto& e = exact["inputs"][0]["methods"]["ibp"];
  const auto& f = engine["inputs"][0]["methods"]["ibp"];
  for (std::size_t i = 0; i < e["lower"].size(); ++i) {
    EXPECT_LT(f["lower"][i].get<double>(), e["lower"][i].get<double>());
    EXPECT_GT(f["upper"][i].get<double>(), e["upper"][i].get<double>());
  }
}

TEST_F(BoundsCli, ContradictoryOrMissingSetsAreErrors) {
  expect_user_error({"bounds", kModel, "--input", kInput}, {"exactly one of --eps, --mask, --box, --vnnlib and --sweep"});
  expect_user_error({"bounds", kModel, "--input", kInput, "--eps", "0.1", "--mask", "0.5"}, {"exactly one"});
  expect_user_error({"bounds", kModel, "--eps", "0.1"}, {"--input is required"});
  expect_user_error({"bounds", kModel, "--input", kInput, "--sweep", "0.1,0.01", "--domain", "none"}, {"--sweep"});
  expect_user_error({"bounds", kModel, "--input", kInput, "--eps", "0.1", "--method", "magic"},
                    {"unknown bound method 'magic'"});
  expect_user_error({"bounds", kModel, "--input", kInput, "--mask", "1.5"}, {"--mask"});
  expect_user_error({"bounds", kModel, "--input", kInput, "--eps", "0.1", "--inference", "float16"}, {"float16"});
}

TEST_F(BoundsCli, VnnlibErrorsNameTheFileAndPosition) {
  const fs::path bad = write("bad.vnnlib", "(declare-const X_0 Real)\n(assert (<= X_0 1)\n");
  expect_user_error({"bounds", kModel, "--vnnlib", bad.string()}, {bad.string() + ":2:1", "never closed"});
  const fs::path narrow = write("narrow.vnnlib", "(declare-const X_0 Real)(declare-const Y_0 Real)"
                                                 "(assert (>= X_0 0))(assert (<= X_0 1))(assert (<= Y_0 0))");
  expect_user_error({"bounds", kModel, "--vnnlib", narrow.string()}, {"declares 1 inputs, the model has 10"});
}

}  // namespace
}  // namespace certnn
