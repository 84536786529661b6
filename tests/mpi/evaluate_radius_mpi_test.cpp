// certnn evaluate and certnn radius under mpirun: the ranks share the samples (evaluate: whole
// chunks of 512, so the digits split is made large enough for several) or the rows (radius), and
// the job prints one copy of what one process prints, figure for figure, apart from the seconds.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "mpi_fixture.hpp"

namespace certnn {
namespace {

const std::string kModel = (test::source_dir() / "examples" / "digits_mlp.onnx").string();
const std::string kInputs = (test::source_dir() / "examples" / "digits_inputs.csv").string();
const std::string kLabels = (test::source_dir() / "examples" / "digits_labels.csv").string();

// 70% of the 1797 digits: a test split of 1258 samples, three chunks, one per rank of a job of 3.
const std::vector<std::string> kEvaluate = {"evaluate", kModel, "--data", "digits", "--eps", "0.05",
                                            "--test-fraction", "0.7", "--steps", "5"};

std::vector<std::string> with(std::vector<std::string> args, const std::vector<std::string>& more) {
  args.insert(args.end(), more.begin(), more.end());
  return args;
}

// The output without the timing: the "seconds" key of a JSON report, or the "seconds" line of a text one.
std::string without_seconds(const std::string& out, bool json) {
  if (json) {
    nlohmann::ordered_json report = nlohmann::ordered_json::parse(out);
    report.erase("seconds");
    return report.dump();
  }
  return lines_not_starting_with(out, "seconds");
}

TEST_F(MpiCli, EvaluateOverThreeRanksPrintsTheFiguresOfOneProcess) {
  for (const auto& extra : std::vector<std::vector<std::string>>{{"--json"}, {"--json", "--norm", "l2"}, {}}) {
    const std::vector<std::string> args = with(kEvaluate, extra);
    const bool json = !extra.empty();
    SCOPED_TRACE(json ? extra.back() : "text");
    const RunResult alone = run(args);
    ASSERT_EQ(alone.exit_code, 0) << alone.err;
    const RunResult job = run_ranks(3, args);
    ASSERT_EQ(job.exit_code, 0) << job.err;
    // One copy, rank 0's, holding the same figures.
    EXPECT_EQ(without_seconds(job.out, json), without_seconds(alone.out, json));
    if (json) {
      const auto report = nlohmann::json::parse(job.out);
      EXPECT_EQ(report["n"], 1258);
      EXPECT_GT(report["certified_accuracy"].get<double>(), 0.0);
    }
  }
}

TEST_F(MpiCli, EvaluateWithALimitAndMoreRanksThanChunks) {
  // --limit 600: two chunks (512 + 88) for four ranks, two of which evaluate nothing.
  const std::vector<std::string> args = with(kEvaluate, {"--limit", "600", "--json"});
  const RunResult alone = run(args);
  ASSERT_EQ(alone.exit_code, 0) << alone.err;
  const RunResult job = run_ranks(4, args);
  ASSERT_EQ(job.exit_code, 0) << job.err;
  EXPECT_EQ(without_seconds(job.out, true), without_seconds(alone.out, true));
  EXPECT_EQ(nlohmann::json::parse(job.out)["n"], 600);
}

TEST_F(MpiCli, RadiusOverThreeRanksPrintsTheRowsOfOneProcess) {
  // Five rows over three ranks: two ranks compute two rows, one computes one. No timings printed,
  // so the outputs match byte for byte.
  for (const auto& extra : std::vector<std::vector<std::string>>{{"--json"}, {}}) {
    const std::vector<std::string> args =
        with({"radius", kModel, "--input", kInputs, "--label", kLabels, "--steps", "20", "--restarts", "1"}, extra);
    SCOPED_TRACE(extra.empty() ? "text" : "json");
    const RunResult alone = run(args);
    ASSERT_EQ(alone.exit_code, 0) << alone.err;
    const RunResult job = run_ranks(3, args);
    ASSERT_EQ(job.exit_code, 0) << job.err;
    EXPECT_EQ(job.out, alone.out);
    if (!extra.empty()) {
      const auto report = nlohmann::json::parse(job.out);
      ASSERT_EQ(report["results"].size(), 5u);
      for (std::size_t i = 0; i < 5; ++i) EXPECT_EQ(report["results"][i]["index"], i);
    }
  }
}

TEST_F(MpiCli, RadiusRefusesBeforeAnyOutput) {
  const RunResult job = run_ranks(3, {"radius", kModel, "--input", kInputs, "--label", kLabels, "--tolerance", "2"});
  EXPECT_NE(job.exit_code, 0);
  EXPECT_EQ(job.out, "");
  EXPECT_NE(job.err.find("certnn: radius: --tolerance must lie in [1e-12, 1)"), std::string::npos) << job.err;
}

}  // namespace
}  // namespace certnn
