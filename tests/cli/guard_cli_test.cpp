// certnn guard fit / check and serve --guard on the 8x8 digits: test-set inputs are flagged at
// about the chosen rate, noise and shifted digits almost always, and the server reports the same
// verdicts as "trusted": false with the reasons.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <random>

#include "cli_fixture.hpp"
#include "serve_process.hpp"

namespace certnn {
namespace {

using nlohmann::json;

fs::path digits_model() { return test::source_dir() / "examples" / "digits_mlp.onnx"; }

std::string csv_row(const Eigen::RowVectorXd& row) {
  std::string line;
  for (Eigen::Index i = 0; i < row.size(); ++i) {
    if (i) line += ',';
    line += std::to_string(row(i));
  }
  return line + "\n";
}

class Guard : public Cli {
 protected:
  // Fits a guard at `rate` and returns fit's JSON summary.
  json fit(double rate) {
    const RunResult r = run({"guard", "fit", digits_model().string(), "--data", "digits", "--out",
                             path("guard.json").string(), "--rate", std::to_string(rate), "--json"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return json::parse(r.out, nullptr, false);
  }
  // The flagged fraction of the CSV rows, and the per-row verdicts.
  json check(const fs::path& rows) {
    const RunResult r = run({"guard", "check", digits_model().string(), "--guard", path("guard.json").string(),
                             "--input", rows.string(), "--json"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return json::parse(r.out, nullptr, false)["results"];
  }
  static double flagged_fraction(const json& results) {
    double flagged = 0;
    for (const auto& row : results) flagged += row["flagged"].get<bool>() ? 1 : 0;
    return flagged / static_cast<double>(results.size());
  }
  fs::path test_rows() {
    const RunResult r = run({"data", "digits", "--export", "test", "--out", path("test.csv").string()});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return path("test.csv");
  }
};

TEST_F(Guard, TestInputsAreFlaggedAtAboutTheChosenRate) {
  for (const double rate : {0.05, 0.2}) {
    SCOPED_TRACE(rate);
    const json summary = fit(rate);
    EXPECT_EQ(summary["layer"], summary["layer"].get<std::string>());
    EXPECT_GT(summary["fit_samples"].get<int>(), 1000);
    EXPECT_LE(summary["heldout_flagged"].get<double>(), rate + 0.01);
    const double flagged = flagged_fraction(check(test_rows()));
    EXPECT_NEAR(flagged, summary["test_flagged"].get<double>(), 1e-12);
    // 359 test samples: about rate, within sampling error and the training/test gap.
    EXPECT_GT(flagged, rate / 3);
    EXPECT_LT(flagged, 2.5 * rate);
  }
}

TEST_F(Guard, NoiseAndShiftedDigitsAreFlagged) {
  fit(0.05);
  const Eigen::MatrixXd test = test::read_numeric_csv(test_rows());
  std::mt19937_64 random(test::test_seed(7));
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  std::string noise, shifted, inverted;
  for (int k = 0; k < 100; ++k) {
    Eigen::RowVectorXd row(64);
    for (auto& x : row) x = uniform(random);
    noise += csv_row(row);
    // Moved three pixels right (ink enters the columns that are blank in training), and negated.
    Eigen::RowVectorXd moved = Eigen::RowVectorXd::Zero(64);
    for (int y = 0; y < 8; ++y)
      for (int x = 0; x + 3 < 8; ++x) moved(y * 8 + x + 3) = test(k, y * 8 + x);
    shifted += csv_row(moved);
    inverted += csv_row((1.0 - test.row(k).array()).matrix());
  }
  EXPECT_EQ(flagged_fraction(check(write("noise.csv", noise))), 1.0);
  EXPECT_GT(flagged_fraction(check(write("shifted.csv", shifted))), 0.8);
  EXPECT_EQ(flagged_fraction(check(write("inverted.csv", inverted))), 1.0);
}

TEST_F(Guard, ServerAnswersWithTheGuardsVerdicts) {
  fit(0.05);
  const Eigen::MatrixXd test = test::read_numeric_csv(test_rows());
  std::string rows;
  json inputs = json::array();
  for (int k = 0; k < 40; ++k) {
    Eigen::RowVectorXd row = test.row(k);
    if (k % 2) row = (1.0 - row.array()).matrix();  // every other one inverted: out of distribution
    rows += csv_row(row);
    json values = json::array();
    std::istringstream fields(csv_row(row));
    for (std::string field; std::getline(fields, field, ',');) values.push_back(std::stod(field));
    inputs.push_back(values);
  }
  const json verdicts = check(write("rows.csv", rows));
  test::ServeProcess server({digits_model().string(), "--guard", path("guard.json").string(), "--max-inputs", "64"},
                            path("serve.log"));
  ASSERT_GT(server.port(), 0) << server.errors();
  const json model = json::parse(test::http(server.port(), "GET", "/v1/model").body);
  EXPECT_EQ(model["guard"]["false_alarm_rate"], 0.05);
  const test::HttpReply reply = test::http(server.port(), "POST", "/v1/predict", json{{"inputs", inputs}}.dump());
  ASSERT_EQ(reply.status, 200) << reply.body;
  const json results = json::parse(reply.body)["results"];
  ASSERT_EQ(results.size(), 40u);
  for (std::size_t k = 0; k < 40; ++k) {
    SCOPED_TRACE(k);
    json guard_reasons = json::array();
    for (const auto& reason : results[k]["reasons"])
      if (reason != "not_certified" && reason != "certificate_unfinished") guard_reasons.push_back(reason);
    EXPECT_EQ(guard_reasons, verdicts[k]["reasons"]);
    if (k % 2) {
      EXPECT_EQ(results[k]["trusted"], false);
    }
    EXPECT_EQ(results[k]["trusted"], results[k]["reasons"].empty());
    EXPECT_TRUE(results[k]["guard"].contains("distance"));
  }
}

TEST_F(Guard, RefusesWhatItCannotFit) {
  expect_user_error({"guard", "fit", digits_model().string(), "--data", "fashion-mnist", "--out",
                     path("g.json").string()},
                    {"784"});
  expect_user_error({"guard", "fit", digits_model().string(), "--data", "digits", "--out", path("g.json").string(),
                     "--rate", "0"},
                    {"--rate"});
  write("other.json", "{\"format\":\"certnn-guard\",\"version\":1,\"input_size\":784}");
  expect_user_error({"guard", "check", digits_model().string(), "--guard", path("other.json").string(), "--input",
                     (test::source_dir() / "examples" / "digits_inputs.csv").string()},
                    {"784 inputs"});
}

}  // namespace
}  // namespace certnn
