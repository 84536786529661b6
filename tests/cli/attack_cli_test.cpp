// certnn attack on the built binary, on the digits MLP of examples/ (5 images, labels 8 8 9 8 3):
// the JSON shape, points within eps of the inputs and inside [0, 1], adversarial labels confirmed
// by certnn eval, the three forms of --label, targeted attacks, the human table, and one-line
// errors for bad labels, radii, options and input files.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli_fixture.hpp"

namespace certnn {
namespace {

const std::string kModel = (test::source_dir() / "examples" / "digits_mlp.onnx").string();
const std::string kInputs = (test::source_dir() / "examples" / "digits_inputs.csv").string();
const std::string kLabels = (test::source_dir() / "examples" / "digits_labels.csv").string();
const std::vector<std::int64_t> kTrueLabels{8, 8, 9, 8, 3};

class AttackCli : public Cli {
 protected:
  nlohmann::json run_json(std::vector<std::string> args) const {
    args.insert(args.begin(), "attack");
    args.push_back("--json");
    const RunResult r = run(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return nlohmann::json::parse(r.out);
  }

  // The model's predictions at the given inputs, by certnn eval.
  std::vector<std::int64_t> evaluate(const std::vector<std::vector<double>>& inputs) const {
    std::ostringstream csv;
    csv.precision(17);
    for (const auto& row : inputs) {
      for (std::size_t i = 0; i < row.size(); ++i) csv << (i ? "," : "") << row[i];
      csv << "\n";
    }
    const RunResult r = run({"eval", kModel, "--input", write("points.csv", csv.str()).string(), "--json"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    std::vector<std::int64_t> classes;
    const nlohmann::json report = nlohmann::json::parse(r.out);
    for (const auto& outputs : report["outputs"]) {
      const auto values = outputs.get<std::vector<double>>();
      classes.push_back(std::max_element(values.begin(), values.end()) - values.begin());
    }
    return classes;
  }
};

TEST_F(AttackCli, JsonReportsPointsInsideTheBallThatCertnnEvalConfirms) {
  const Eigen::MatrixXd originals = test::read_numeric_csv(kInputs);
  for (const std::string norm : {"inf", "2"}) {
    SCOPED_TRACE("--norm " + norm);
    const double eps = norm == "inf" ? 0.15 : 1.5;
    const auto report = run_json({kModel, "--input", kInputs, "--label", kLabels, "--eps", std::to_string(eps),
                                  "--norm", norm, "--steps", "20"});
    ASSERT_EQ(report["results"].size(), 5u);
    std::vector<std::vector<double>> points;
    std::size_t unbroken = 0;
    for (std::size_t s = 0; s < 5; ++s) {
      const auto& result = report["results"][s];
      EXPECT_EQ(result["index"].get<std::size_t>(), s);
      EXPECT_EQ(result["label"].get<std::int64_t>(), kTrueLabels[s]);
      EXPECT_EQ(result["clean_label"].get<std::int64_t>(), kTrueLabels[s]);  // all five are classified right
      const auto point = result["input"].get<std::vector<double>>();
      ASSERT_EQ(point.size(), 64u);
      double linf = 0, l2 = 0;
      for (std::size_t i = 0; i < 64; ++i) {
        EXPECT_GE(point[i], 0.0);
        EXPECT_LE(point[i], 1.0);
        const double d = point[i] - originals(static_cast<Eigen::Index>(s), static_cast<Eigen::Index>(i));
        linf = std::max(linf, std::fabs(d));
        l2 += d * d;
      }
      const double distance = norm == "inf" ? linf : std::sqrt(l2);
      EXPECT_LE(distance, eps);
      EXPECT_NEAR(result["norm"].get<double>(), distance, 1e-12);
      const bool success = result["success"].get<bool>();
      EXPECT_EQ(success, result["adversarial_label"].get<std::int64_t>() != kTrueLabels[s]);
      if (!success) {
        EXPECT_EQ(distance, 0.0);  // unsuccessful: the original input is reported
        ++unbroken;
      }
      points.push_back(point);
    }
    const std::vector<std::int64_t> confirmed = evaluate(points);
    ASSERT_EQ(confirmed.size(), 5u);
    for (std::size_t s = 0; s < 5; ++s)
      EXPECT_EQ(confirmed[s], report["results"][s]["adversarial_label"].get<std::int64_t>()) << s;
    EXPECT_EQ(report["clean_accuracy"].get<double>(), 1.0);
    EXPECT_DOUBLE_EQ(report["attacked_accuracy"].get<double>(), static_cast<double>(unbroken) / 5);
    EXPECT_DOUBLE_EQ(report["gap"].get<double>(), 1.0 - static_cast<double>(unbroken) / 5);
  }
}

TEST_F(AttackCli, LargerRadiiBreakMoreAndZeroBreaksNothing) {
  const auto accuracy = [&](const std::string& eps, const std::string& method) {
    return run_json({kModel, "--input", kInputs, "--label", kLabels, "--eps", eps, "--method", method})["attacked_accuracy"]
        .get<double>();
  };
  EXPECT_EQ(accuracy("0", "pgd"), 1.0);
  EXPECT_EQ(accuracy("0", "fgsm"), 1.0);
  EXPECT_EQ(accuracy("0.5", "pgd"), 0.0);  // half the pixel range turns any digit into another
  EXPECT_LE(accuracy("0.5", "fgsm"), accuracy("0.05", "fgsm"));
}

TEST_F(AttackCli, LabelsComeAsOneClassAFileOrThePrediction) {
  // One class for all: rows labelled 9 and 3 are misclassified already (success, norm 0).
  const auto eights = run_json({kModel, "--input", kInputs, "--label", "8", "--eps", "0.01"});
  EXPECT_DOUBLE_EQ(eights["clean_accuracy"].get<double>(), 0.6);
  for (std::size_t s : {2u, 4u}) {
    const auto& result = eights["results"][s];
    EXPECT_TRUE(result["success"].get<bool>());
    EXPECT_EQ(result["norm"].get<double>(), 0.0);
    EXPECT_EQ(result["adversarial_label"].get<std::int64_t>(), kTrueLabels[s]);
  }
  EXPECT_LE(eights["attacked_accuracy"].get<double>(), 0.6);
  const auto predicted = run_json({kModel, "--input", kInputs, "--label", "pred", "--eps", "0.01"});
  for (std::size_t s = 0; s < 5; ++s) EXPECT_EQ(predicted["results"][s]["label"].get<std::int64_t>(), kTrueLabels[s]);
  const fs::path with_header = write("labels.csv", "label\n8\n8\n9\n\n8\n3\n");
  const auto from_file = run_json({kModel, "--input", kInputs, "--label", with_header.string(), "--eps", "0.01"});
  EXPECT_EQ(from_file["clean_accuracy"].get<double>(), 1.0);
}

TEST_F(AttackCli, TargetedAttacksReachTheTarget) {
  const auto report = run_json({kModel, "--input", kInputs, "--label", kLabels, "--eps", "0.5", "--target", "1",
                                "--loss", "margin", "--restarts", "2"});
  EXPECT_EQ(report["target"].get<std::int64_t>(), 1);
  int reached = 0;
  for (const auto& result : report["results"]) {
    if (result["success"].get<bool>()) {
      EXPECT_EQ(result["adversarial_label"].get<std::int64_t>(), 1);
      ++reached;
    } else {
      EXPECT_EQ(result["adversarial_label"].get<std::int64_t>(), result["label"].get<std::int64_t>());
    }
  }
  EXPECT_GT(reached, 0);
}

TEST_F(AttackCli, HumanOutputHasALinePerInputAndTheSummary) {
  const RunResult r = run({"attack", kModel, "--input", kInputs, "--label", kLabels, "--eps", "0.1", "--schedule",
                           "cosine", "--seed", "3"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1 + 5 + 3) << r.out;
  for (const std::string fragment : {"clean accuracy", "attacked accuracy", "robustness gap"})
    EXPECT_NE(r.out.find(fragment), std::string::npos) << r.out;
}

TEST_F(AttackCli, BadLabelsAreOneLineErrors) {
  const std::vector<std::string> base{"attack", kModel, "--input", kInputs, "--eps", "0.1", "--label"};
  const auto with_label = [&](const std::string& label) {
    auto args = base;
    args.push_back(label);
    return args;
  };
  expect_user_error(with_label("10"), {"label 10 is outside the model's classes 0..9"});
  expect_user_error(with_label("-1"), {"outside the model's classes"});
  expect_user_error(with_label(path("missing.csv").string()), {"missing.csv", "not a class number"});
  expect_user_error(with_label(write("short.csv", "8\n8\n9\n").string()), {"3 labels for 5 input rows"});
  expect_user_error(with_label(write("real.csv", "8\n8.5\n9\n8\n3\n").string()), {"real.csv:2", "'8.5' is not an integer"});
  expect_user_error(with_label(write("wide.csv", "8,1\n8\n9\n8\n3\n").string()), {"wide.csv:1", "one class per line"});
  expect_user_error(with_label(write("big.csv", "8\n8\n9\n8\n12\n").string()), {"big.csv:5", "label 12"});
}

TEST_F(AttackCli, BadOptionsAndInputsAreOneLineErrors) {
  const auto attack = [&](std::vector<std::string> extra, const std::string& input = kInputs) {
    std::vector<std::string> args{"attack", kModel, "--input", input, "--label", "pred"};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  };
  expect_user_error(attack({"--eps", "-0.1"}), {"--eps"});
  expect_user_error(attack({"--eps", "nan"}), {"--eps"});
  expect_user_error(attack({"--eps", "0.1", "--steps", "0"}), {"--steps"});
  expect_user_error(attack({"--eps", "0.1", "--restarts", "0"}), {"--restarts"});
  expect_user_error(attack({"--eps", "0.1", "--norm", "1"}), {"--norm"});
  expect_user_error(attack({"--eps", "0.1", "--method", "cw"}), {"--method"});
  expect_user_error(attack({"--eps", "0.1", "--target", "10"}), {"target 10"});
  expect_user_error(attack({"--eps", "0.1", "--domain", "1,0"}), {"--domain"});
  expect_user_error(attack({}), {"--eps"});
  std::string nan_row = "nan";
  for (int i = 1; i < 64; ++i) nan_row += ",0";
  expect_user_error(attack({"--eps", "0.1"}, write("nan.csv", nan_row + "\n").string()), {"nan.csv:1"});
  expect_user_error(attack({"--eps", "0.1"}, write("narrow.csv", "0,0,0\n").string()), {"narrow.csv:1", "expected 64"});
  std::string outside = "2";
  for (int i = 1; i < 64; ++i) outside += ",0";
  expect_user_error(attack({"--eps", "0.1"}, write("outside.csv", outside + "\n").string()),
                    {"outside.csv: input 0", "outside the domain [0, 1]"});
  const RunResult unbounded = run(attack({"--eps", "0.1", "--domain", "none", "--json"}, path("outside.csv").string()));
  EXPECT_EQ(unbounded.exit_code, 0) << unbounded.err;
}

}  // namespace
}  // namespace certnn
