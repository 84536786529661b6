// certnn verify and certnn suite on the built binary, on y = 2x + 1 over x in [0, 1] where the
// answers are obvious: Y_0 >= 5 is unsat, Y_0 >= 2 is sat. Checks the verdicts, the VNN-COMP
// result file and its witness, the suite's results file, grading (exit 2, WRONG lines first),
// error rows for instances that cannot be loaded, and one-line user errors.
#include <gtest/gtest.h>

#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>

#include "certnn/model/network.hpp"
#include "certnn/onnx/exporter.hpp"
#include "certnn/spec/result.hpp"
#include "cli_fixture.hpp"

namespace certnn {
namespace {

// Rounding of 2x + 1 in float64 and of the decimal round trip: a few ulps of values near 3.
constexpr double kAffineTolerance = 8 * std::numeric_limits<double>::epsilon() * 3.0;

const std::string kProperty = "(declare-const X_0 Real)\n(declare-const Y_0 Real)\n"
                              "(assert (>= X_0 0))\n(assert (<= X_0 1))\n";
const std::string kUnsat = kProperty + "(assert (>= Y_0 5))\n";  // y <= 3 on the box
const std::string kSat = kProperty + "(assert (>= Y_0 2))\n";    // every x >= 0.5

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

class VerifyCli : public Cli {
 protected:
  void SetUp() override {
    Cli::SetUp();
    model::Network network({1, 1});
    network.add("affine", model::Dense{Eigen::MatrixXd::Constant(1, 1, 2.0), Eigen::VectorXd::Constant(1, 1.0)},
                {model::kInputValue});
    onnx::export_model(network, path("model.onnx").string());
    write("unsat.vnnlib", kUnsat);
    write("sat.vnnlib", kSat);
  }

  std::string file(const std::string& name) const { return path(name).string(); }

  // A counterexample of kSat: x in the box, y = 2x + 1 and y >= 2.
  static void expect_witness_of_sat(double x, double y) {
    EXPECT_GE(x, 0.0);
    EXPECT_LE(x, 1.0);
    EXPECT_GE(y, 2.0);
    EXPECT_NEAR(y, 2.0 * x + 1.0, kAffineTolerance);
  }
};

TEST_F(VerifyCli, UnreachableOutputIsUnsat) {
  const RunResult r = run({"verify", file("model.onnx"), file("unsat.vnnlib"), "--result", file("unsat.txt")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto out = lines(r.out);
  ASSERT_GE(out.size(), 2u) << r.out;
  EXPECT_EQ(out[0], "unsat");
  EXPECT_EQ(out[1].rfind("time ", 0), 0u) << r.out;
  EXPECT_NE(out[1].find(" sub-problems"), std::string::npos) << r.out;
  const spec::Result result = spec::read_result(file("unsat.txt"));
  EXPECT_EQ(result.verdict, "unsat");
  EXPECT_EQ(result.input.size(), 0);
}

TEST_F(VerifyCli, ReachableOutputIsSatWithAWitnessInTheBox) {
  const RunResult r = run({"verify", file("model.onnx"), file("sat.vnnlib"), "--result", file("sat.txt")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(lines(r.out).at(0), "sat") << r.out;
  const spec::Result result = spec::read_result(file("sat.txt"));
  EXPECT_EQ(result.verdict, "sat");
  ASSERT_EQ(result.input.size(), 1);
  ASSERT_EQ(result.output.size(), 1);
  expect_witness_of_sat(result.input[0], result.output[0]);
}

TEST_F(VerifyCli, JsonGivesResultSecondsSubproblemsAndTheWitnessForSat) {
  RunResult r = run({"verify", file("model.onnx"), file("unsat.vnnlib"), "--json", "--threads", "1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto report = nlohmann::json::parse(r.out);
  EXPECT_EQ(report["result"], "unsat");
  EXPECT_GE(report["seconds"].get<double>(), 0.0);
  EXPECT_GE(report["subproblems"].get<std::int64_t>(), 0);
  EXPECT_FALSE(report.contains("witness"));

  r = run({"verify", file("model.onnx"), file("sat.vnnlib"), "--json", "--splitting", "input", "--timeout", "30"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  report = nlohmann::json::parse(r.out);
  EXPECT_EQ(report["result"], "sat");
  ASSERT_EQ(report["witness"]["input"].size(), 1u);
  ASSERT_EQ(report["witness"]["output"].size(), 1u);
  expect_witness_of_sat(report["witness"]["input"][0].get<double>(), report["witness"]["output"][0].get<double>());
}

TEST_F(VerifyCli, UserErrorsAreOneLineAndLeaveErrorInTheResultFile) {
  expect_user_error({"verify", file("missing.onnx"), file("sat.vnnlib")}, {"missing.onnx"});
  expect_user_error({"verify", file("model.onnx"), file("missing.vnnlib")}, {"missing.vnnlib"});
  const std::string two_inputs = write("two.vnnlib", "(declare-const X_0 Real)(declare-const X_1 Real)"
                                                     "(declare-const Y_0 Real)(assert (>= X_0 0))(assert (<= X_0 1))"
                                                     "(assert (>= X_1 0))(assert (<= X_1 1))(assert (>= Y_0 2))")
                                     .string();
  expect_user_error({"verify", file("model.onnx"), two_inputs, "--result", file("two.txt")});
  EXPECT_EQ(spec::read_result(file("two.txt")).verdict, "error");
  expect_user_error({"verify", file("model.onnx"), file("sat.vnnlib"), "--splitting", "random"}, {"random"});
  expect_user_error({"verify", file("model.onnx"), file("sat.vnnlib"), "--timeout", "0"}, {"--timeout"});
  expect_user_error({"verify", file("model.onnx"), file("sat.vnnlib"), "--threads", "0"}, {"--threads"});
}

// ---- suite ----

const std::string kTwoInstances = "model.onnx,unsat.vnnlib,60\nmodel.onnx,sat.vnnlib,60\n";

TEST_F(VerifyCli, SuiteWithAWrongAnswerExitsTwoAndListsItFirst) {
  write("instances.csv", kTwoInstances);
  // The sat instance is marked unsat: certnn's (right) answer is graded wrong.
  write("expected.csv", "onnx,vnnlib,expected\nmodel.onnx,unsat.vnnlib,unsat\nmodel.onnx,sat.vnnlib,unsat\n");
  const RunResult r = run({"suite", file("instances.csv"), "--expected", file("expected.csv"), "--out",
                           file("results.csv")});
  ASSERT_TRUE(r.exited) << r.err;
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  const auto out = lines(r.out);
  ASSERT_FALSE(out.empty());
  EXPECT_EQ(out[0], "WRONG model.onnx sat.vnnlib: got sat, expected unsat");
  EXPECT_EQ(std::count_if(out.begin(), out.end(), [](const std::string& l) { return l.rfind("WRONG", 0) == 0; }), 1);
  EXPECT_NE(r.out.find("\ninstances           2\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\nsolved              2\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\nwrong               1\n"), std::string::npos) << r.out;

  const auto progress = lines(r.err);
  ASSERT_EQ(progress.size(), 2u) << r.err;
  EXPECT_EQ(progress[0].rfind("[1/2] model.onnx unsat.vnnlib: unsat ", 0), 0u) << r.err;
  EXPECT_EQ(progress[1].rfind("[2/2] model.onnx sat.vnnlib: sat ", 0), 0u) << r.err;
  EXPECT_NE(progress[1].find("WRONG (expected unsat)"), std::string::npos) << r.err;
  EXPECT_NE(progress[1].find("(solved 2, total "), std::string::npos) << r.err;

  const auto rows = lines(test::read_file_bytes(path("results.csv")));
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0], "onnx,vnnlib,result,seconds");
  const auto first = test::split_csv_line(rows[1]), second = test::split_csv_line(rows[2]);
  ASSERT_EQ(first.size(), 4u);
  ASSERT_EQ(second.size(), 4u);
  EXPECT_EQ(first[0] + "," + first[1] + "," + first[2], "model.onnx,unsat.vnnlib,unsat");
  EXPECT_EQ(second[0] + "," + second[1] + "," + second[2], "model.onnx,sat.vnnlib,sat");
  EXPECT_GE(test::parse_double(first[3]), 0.0);
}

TEST_F(VerifyCli, SuiteWithRightAnswersExitsZeroAndNamesUngradedInstances) {
  write("instances.csv", kTwoInstances);
  write("expected.csv", "onnx,vnnlib,expected\nmodel.onnx,unsat.vnnlib,unsat\n");
  const RunResult r = run({"suite", file("instances.csv"), "--expected", file("expected.csv")});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(r.out.find("WRONG"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("no expected answer: model.onnx sat.vnnlib\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\nwrong               0\n"), std::string::npos) << r.out;
}

TEST_F(VerifyCli, SuiteRecordsAnInstanceThatCannotBeLoadedAsErrorAndGoesOn) {
  write("instances.csv", "missing.onnx,unsat.vnnlib,60\r\nmodel.onnx,unsat.vnnlib,60\r\n\r\n");
  const RunResult r = run({"suite", file("instances.csv"), "--out", file("results.csv"), "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto report = nlohmann::json::parse(r.out);
  ASSERT_EQ(report["instances"].size(), 2u);
  EXPECT_EQ(report["instances"][0]["result"], "error");
  EXPECT_NE(report["instances"][0]["message"].get<std::string>().find("missing.onnx"), std::string::npos);
  EXPECT_EQ(report["instances"][1]["result"], "unsat");
  EXPECT_EQ(report["summary"]["instances"], 2);
  EXPECT_EQ(report["summary"]["solved"], 1);
  EXPECT_EQ(report["summary"]["unsat"], 1);
  EXPECT_EQ(report["summary"]["error"], 1);
  EXPECT_FALSE(report["summary"].contains("wrong"));
  const auto rows = lines(test::read_file_bytes(path("results.csv")));
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[1].rfind("missing.onnx,unsat.vnnlib,error,", 0), 0u) << rows[1];
  EXPECT_EQ(rows[2].rfind("model.onnx,unsat.vnnlib,unsat,", 0), 0u) << rows[2];
  EXPECT_NE(r.err.find("[1/2] missing.onnx unsat.vnnlib: error"), std::string::npos) << r.err;
}

TEST_F(VerifyCli, SuitePathsAreTakenUnderRoot) {
  fs::create_directories(path("lists"));
  write("lists/instances.csv", "model.onnx,unsat.vnnlib,60\n");
  const RunResult r = run({"suite", file("lists/instances.csv"), "--root", dir_.string(), "--timeout-scale", "0.5",
                           "--threads", "1", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["instances"][0]["result"], "unsat") << r.out;
}

TEST_F(VerifyCli, MalformedSuiteFilesAreUserErrors) {
  write("bad_columns.csv", "model.onnx,unsat.vnnlib,60\nmodel.onnx,sat.vnnlib\n");
  expect_user_error({"suite", file("bad_columns.csv")}, {"bad_columns.csv:2: ", "expected 3 comma-separated fields"});
  write("bad_timeout.csv", "model.onnx,unsat.vnnlib,-1\n");
  expect_user_error({"suite", file("bad_timeout.csv")}, {"bad_timeout.csv:1: ", "timeout '-1'"});
  expect_user_error({"suite", file("absent.csv")}, {"absent.csv"});
  write("instances.csv", kTwoInstances);
  write("bad_expected.csv", "onnx,vnnlib,expected\nmodel.onnx,sat.vnnlib,yes\n");
  expect_user_error({"suite", file("instances.csv"), "--expected", file("bad_expected.csv")},
                    {"bad_expected.csv:2: ", "'yes' is neither sat nor unsat"});
  expect_user_error({"suite", file("instances.csv"), "--timeout-scale", "-1"}, {"--timeout-scale"});
}

}  // namespace
}  // namespace certnn
