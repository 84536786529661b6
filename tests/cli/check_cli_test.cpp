// certnn check: under one policy a robustly (IBP) trained digits model passes and a standard one
// fails, exit 0 against 3, with every check in the JSON; a model with NaN weights fails
// finite_weights and every other check unrun; broken policies are one-line user errors; --report
// writes the report beside the verdict.
#include <nlohmann/json.hpp>

#include <limits>

#include "certnn/model/network.hpp"
#include "certnn/onnx/exporter.hpp"
#include "cli_fixture.hpp"

namespace certnn {
namespace {

constexpr int kCheckFailed = 3;

const char* const kPolicy = R"({"data": "digits", "eps": 0.1, "norm": "linf", "method": "crown", "limit": 300,
  "checks": {"finite_weights": true, "gradient_check": true, "max_condition_number": 1e7,
             "max_lipschitz_upper": 1e4, "min_clean_accuracy": 0.85, "min_pgd_accuracy": 0.5,
             "min_certified_accuracy": 0.5, "min_median_certified_radius": 0.05}})";

class CheckCli : public Cli {
 protected:
  fs::path train(const std::string& mode) {
    const fs::path model = path(mode + ".onnx");
    const RunResult r = run({"train", "--data", "digits", "--arch", "mlp:64x2", "--mode", mode, "--eps", "0.1",
                             "--epochs", "60", "--out", model.string()});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return model;
  }
  static const nlohmann::json& named(const nlohmann::json& checks, const std::string& name) {
    for (const auto& c : checks)
      if (c["name"] == name) return c;
    ADD_FAILURE() << "no check " << name << " in " << checks.dump();
    static const nlohmann::json none;
    return none;
  }
};

TEST_F(CheckCli, PassesARobustModelAndFailsAStandardOneUnderTheSamePolicy) {
  const fs::path policy = write("policy.json", kPolicy);
  const fs::path robust = train("ibp");
  const fs::path standard = train("standard");

  const RunResult pass = run({"check", robust.string(), "--policy", policy.string(), "--json"});
  ASSERT_EQ(pass.exit_code, 0) << pass.out << pass.err;
  const nlohmann::json passed = nlohmann::json::parse(pass.out);
  EXPECT_TRUE(passed["passed"].get<bool>());
  EXPECT_EQ(passed["samples"], 300);
  ASSERT_EQ(passed["checks"].size(), 8u);
  for (const auto& c : passed["checks"]) {
    EXPECT_TRUE(c["passed"].get<bool>()) << c.dump();
    EXPECT_TRUE(c["value"].is_number()) << c.dump();
    for (const char* key : {"name", "threshold", "detail"}) EXPECT_TRUE(c.contains(key)) << key;
  }

  const RunResult fail = run({"check", standard.string(), "--policy", policy.string(), "--json"});
  ASSERT_EQ(fail.exit_code, kCheckFailed) << fail.out << fail.err;
  const nlohmann::json failed = nlohmann::json::parse(fail.out);
  EXPECT_FALSE(failed["passed"].get<bool>());
  const nlohmann::json& certified = named(failed["checks"], "min_certified_accuracy");
  EXPECT_FALSE(certified["passed"].get<bool>());
  EXPECT_LT(certified["value"].get<double>(), 0.5);
  EXPECT_EQ(certified["threshold"], 0.5);
  // certified <= pgd <= clean, as `certnn evaluate` measures them.
  EXPECT_LE(certified["value"].get<double>(), named(failed["checks"], "min_pgd_accuracy")["value"].get<double>());
  EXPECT_LE(named(failed["checks"], "min_pgd_accuracy")["value"].get<double>(),
            named(failed["checks"], "min_clean_accuracy")["value"].get<double>());
  EXPECT_TRUE(named(failed["checks"], "min_clean_accuracy")["passed"].get<bool>());

  // The table names the failing checks; the exit status is the same.
  const RunResult table = run({"check", standard.string(), "--policy", policy.string()});
  EXPECT_EQ(table.exit_code, kCheckFailed);
  EXPECT_NE(table.out.find("FAILED"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("min_certified_accuracy"), std::string::npos) << table.out;
}

TEST_F(CheckCli, ChecksLeftOutOfThePolicyAreNotRun) {
  const fs::path policy = write("policy.json", R"({"checks": {"max_lipschitz_upper": 1e9, "finite_weights": true}})");
  const RunResult r = run({"check", (test::source_dir() / "examples" / "digits_mlp.onnx").string(), "--policy",
                           policy.string(), "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json out = nlohmann::json::parse(r.out);
  ASSERT_EQ(out["checks"].size(), 2u);
  EXPECT_EQ(out["checks"][0]["name"], "finite_weights");
  EXPECT_EQ(out["checks"][1]["name"], "max_lipschitz_upper");
  EXPECT_TRUE(out["data"].is_null());
  EXPECT_EQ(out["samples"], 0);
}

TEST_F(CheckCli, NonFiniteWeightsFailTheGateInsteadOfBeingMeasured) {
  // One weight NaN, as a damaged export would hold it.
  const fs::path model = path("nan.onnx");
  {
    model::Network network({1, 4});
    Eigen::MatrixXd weight = Eigen::MatrixXd::Ones(3, 4);
    weight(1, 2) = std::numeric_limits<double>::quiet_NaN();
    network.set_output(network.add("dense", model::Dense{weight, Eigen::VectorXd::Zero(3)}, {model::kInputValue}));
    onnx::export_model(network, model.string());
  }
  const fs::path policy = write("policy.json", R"({"checks": {"finite_weights": true, "max_lipschitz_upper": 10}})");
  const RunResult r = run({"check", model.string(), "--policy", policy.string(), "--json"});
  ASSERT_EQ(r.exit_code, kCheckFailed) << r.err;
  const nlohmann::json out = nlohmann::json::parse(r.out);
  EXPECT_FALSE(out["checks"][0]["passed"].get<bool>());
  EXPECT_EQ(out["checks"][0]["value"], 1);
  EXPECT_FALSE(out["checks"][1]["passed"].get<bool>());
  EXPECT_TRUE(out["checks"][1]["value"].is_null());
  EXPECT_NE(out["checks"][1]["detail"].get<std::string>().find("non-finite"), std::string::npos);
  // Without the finite_weights check the model is refused like by every other command.
  const fs::path lipschitz_only = write("lipschitz.json", R"({"checks": {"max_lipschitz_upper": 10}})");
  expect_user_error({"check", model.string(), "--policy", lipschitz_only.string()}, {"nan.onnx"});
}

TEST_F(CheckCli, BrokenPoliciesAreUserErrors) {
  const std::string model = (test::source_dir() / "examples" / "digits_mlp.onnx").string();
  const auto refused = [&](const std::string& text, const std::vector<std::string>& fragments) {
    const fs::path policy = write("bad.json", text);
    expect_user_error({"check", model, "--policy", policy.string()}, fragments);
  };
  refused("{\"checks\": {\"min_clean_acuracy\": 0.9}, \"data\": \"digits\"}",
          {"\"min_clean_acuracy\" is not a known key", "min_clean_accuracy"});
  refused("{\"check\": {}}", {"\"check\" is not a known key"});
  refused("{\"data\": \"digits\"}", {"\"checks\" is missing"});
  refused("{\"checks\": {}}", {"names no check"});
  refused("{\"data\": \"digits\", \"checks\": {\"min_certified_accuracy\": 0.5}}", {"\"eps\" is missing"});
  refused("{\"checks\": {\"min_clean_accuracy\": 0.9}}", {"\"data\" is missing"});
  refused("{\"data\": \"digits\", \"checks\": {\"min_clean_accuracy\": 1.5}}", {"in [0, 1]", "1.5"});
  refused("{\"data\": \"digits\", \"checks\": {\"min_clean_accuracy\": \"high\"}}", {"must be a number"});
  refused("{\"checks\": {\"finite_weights\": 1}}", {"must be true or false"});
  refused("{\"norm\": \"l1\", \"checks\": {\"finite_weights\": true}}", {"\"norm\" must be"});
  refused("{\"method\": \"sample\", \"checks\": {\"finite_weights\": true}}", {"\"method\"", "sample"});
  refused("{\"checks\": {\"finite_weights\": true}", {"not valid JSON"});
  refused("[1, 2]", {"must be a JSON object"});
  expect_user_error({"check", model, "--policy", path("missing.json").string()}, {"missing.json"});
}

TEST_F(CheckCli, WritesTheReportBesideTheVerdict) {
  const fs::path policy = write("policy.json", R"({"data": "digits", "eps": 0.05, "limit": 40,
    "checks": {"min_clean_accuracy": 0.5}})");
  const RunResult r = run({"check", (test::source_dir() / "examples" / "digits_mlp.onnx").string(), "--policy",
                           policy.string(), "--report", path("report").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("PASSED"), std::string::npos) << r.out;
  EXPECT_TRUE(fs::exists(path("report") / "index.html"));
  const nlohmann::json data = nlohmann::json::parse(test::read_file_bytes(path("report") / "report.json"));
  bool policy_eps = false;
  for (const auto& row : data["figures"]["accuracy"]) policy_eps = policy_eps || row["eps"] == 0.05;
  EXPECT_TRUE(policy_eps) << "the policy's eps is a point of the accuracy curve";
}

}  // namespace
}  // namespace certnn
