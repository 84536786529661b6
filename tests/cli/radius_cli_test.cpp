// certnn radius on the built binary, on the digits MLP of examples/ (5 images): the JSON shape, the
// bracket certified ≤ attacked per input and method, a tighter method certifying at least as much
// as IBP, the human table, and one-line errors.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cli_fixture.hpp"

namespace certnn {
namespace {

const std::string kModel = (test::source_dir() / "examples" / "digits_mlp.onnx").string();
const std::string kInputs = (test::source_dir() / "examples" / "digits_inputs.csv").string();
const std::string kLabels = (test::source_dir() / "examples" / "digits_labels.csv").string();

class RadiusCli : public Cli {
 protected:
  nlohmann::json run_json(std::vector<std::string> args) const {
    args.insert(args.begin(), "radius");
    args.push_back("--json");
    const RunResult r = run(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return nlohmann::json::parse(r.out);
  }
};

TEST_F(RadiusCli, CertifiedNeverExceedsAttackedAndCrownCertifiesAtLeastIbp) {
  std::vector<double> certified_by_ibp;
  for (const std::string method : {"ibp", "crown"}) {
    SCOPED_TRACE(method);
    const auto report = run_json({kModel, "--input", kInputs, "--label", kLabels, "--method", method});
    EXPECT_EQ(report["method"], method);
    ASSERT_EQ(report["results"].size(), 5u);
    for (std::size_t i = 0; i < 5; ++i) {
      const auto& row = report["results"][i];
      EXPECT_EQ(row["index"], i);
      ASSERT_TRUE(row["attacked"].is_number());  // every digit breaks well inside [0, 1]
      const double certified = row["certified"], attacked = row["attacked"];
      EXPECT_GT(certified, 0.0);
      EXPECT_LE(certified, attacked);
      EXPECT_DOUBLE_EQ(row["ratio"].get<double>(), attacked / certified);
      if (method == "ibp") {
        certified_by_ibp.push_back(certified);
      } else {
        // Both bisections stop within 1%; CROWN's bounds are tighter than IBP's on this network.
        EXPECT_GE(certified, 0.99 * certified_by_ibp[i]);
      }
    }
  }
}

TEST_F(RadiusCli, AnL2RadiusIsBracketedToo) {
  const auto report = run_json({kModel, "--input", kInputs, "--label", "pred", "--norm", "2", "--method", "ibp"});
  for (const auto& row : report["results"]) {
    ASSERT_TRUE(row["attacked"].is_number());
    EXPECT_LE(row["certified"].get<double>(), row["attacked"].get<double>());
  }
}

TEST_F(RadiusCli, HumanOutputHasAHeaderAndALinePerInput) {
  const RunResult r = run({"radius", kModel, "--input", kInputs, "--label", "pred", "--method", "ibp"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1 + 5) << r.out;
  EXPECT_NE(r.out.find("attacked/certified"), std::string::npos) << r.out;
}

TEST_F(RadiusCli, BadOptionsAreOneLineErrors) {
  const auto radius = [&](std::vector<std::string> extra) {
    std::vector<std::string> args{"radius", kModel, "--input", kInputs, "--label", "pred"};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  };
  expect_user_error(radius({"--method", "no-such-method"}), {"no-such-method"});
  expect_user_error(radius({"--domain", "none"}), {"--max-eps"});
  expect_user_error(radius({"--max-eps", "0"}), {"--max-eps"});
  expect_user_error(radius({"--tolerance", "-1"}), {"--tolerance"});
  expect_user_error(radius({"--tolerance", "5"}), {"--tolerance"});
  expect_user_error(radius({"--norm", "1"}), {"--norm"});
  expect_user_error({"radius", kModel, "--input", kInputs, "--label", "10"}, {"label 10"});
}

}  // namespace
}  // namespace certnn
