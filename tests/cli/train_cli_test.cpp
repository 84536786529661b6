// certnn train and certnn evaluate: a linear model trained from a labelled CSV is written with
// its log and read by the other commands; a diverging run exits 1 with one line and writes
// nothing; a network is trained and certified the same way; unknown architectures and modes
// are refused by name; evaluate's JSON has its
// documented keys and certified ≤ pgd ≤ clean.
#include <nlohmann/json.hpp>

#include <random>
#include <sstream>

#include "cli_fixture.hpp"

namespace certnn {
namespace {

// 200 rows "label,x0,x1,x2,x3" in [0, 1]: x0 separates the classes by a gap of 0.2, the others
// are noise.
std::string labelled_csv(int classes = 2) {
  std::mt19937 generator(5);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  std::ostringstream csv;
  csv.precision(17);
  for (int row = 0; row < 200; ++row) {
    const int label = row % classes;
    csv << label << "," << (label == 1 ? 0.6 + 0.4 * unit(generator) : 0.4 * unit(generator));
    for (int i = 0; i < 3; ++i) csv << "," << unit(generator);
    csv << "\n";
  }
  return csv.str();
}

class TrainCli : public Cli {
 protected:
  std::vector<std::string> train_args(const std::string& data, const std::string& model) const {
    return {"train", "--data", data, "--arch", "linear", "--mode", "linear-robust", "--eps", "0.05",
            "--epochs", "5", "--out", model, "--lr", "0.1", "--batch", "16"};
  }
};

TEST_F(TrainCli, TrainsAModelAndLogThatOtherCommandsRead) {
  const fs::path data = write("data.csv", labelled_csv());
  const fs::path model = path("linear.onnx");
  std::vector<std::string> args = train_args(data.string(), model.string());
  args.push_back("--json");
  const RunResult r = run(args);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json summary = nlohmann::json::parse(r.out);
  EXPECT_GE(summary["train_accuracy"].get<double>(), 0.95);
  EXPECT_GE(summary["test_accuracy"].get<double>(), 0.9);
  EXPECT_EQ(summary["test_samples"], 40);
  ASSERT_TRUE(fs::exists(model));
  // One progress line per epoch on stderr.
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 5) << r.err;
  EXPECT_NE(r.err.find("epoch 5/5"), std::string::npos) << r.err;

  const nlohmann::json log = nlohmann::json::parse(test::read_file_bytes(path("linear.json")));
  ASSERT_EQ(log["epochs"].size(), 5u);
  for (const char* key : {"epoch", "loss", "gradient_norm", "train_accuracy", "validation_accuracy", "seconds"})
    EXPECT_TRUE(log["epochs"][0].contains(key)) << key;
  EXPECT_EQ(log["options"]["mode"], "linear-robust");
  EXPECT_EQ(log["options"]["eps"], 0.05);

  const RunResult info = run({"info", model.string(), "--json"});
  ASSERT_EQ(info.exit_code, 0) << info.err;
  EXPECT_NE(info.out.find("Dense"), std::string::npos) << info.out;
}

TEST_F(TrainCli, AHugeLearningRateStopsWithOneLineAndWritesNoModel) {
  const fs::path data = write("data.csv", labelled_csv());
  const fs::path model = path("diverged.onnx");
  std::vector<std::string> args = train_args(data.string(), model.string());
  args[14] = "1e308";  // --lr
  expect_user_error(args, {"training diverged at epoch 1: "});
  EXPECT_FALSE(fs::exists(model));
  EXPECT_FALSE(fs::exists(path("diverged.json")));
}

TEST_F(TrainCli, AGradientAboveTheThresholdStopsAsAnExplosion) {
  const fs::path data = write("data.csv", labelled_csv());
  std::vector<std::string> args = train_args(data.string(), path("m.onnx").string());
  args.insert(args.end(), {"--explode", "1e-9"});
  expect_user_error(args, {"exceeds the explosion threshold 1e-09"});
  EXPECT_FALSE(fs::exists(path("m.onnx")));
}

TEST_F(TrainCli, RefusesUnknownArchitecturesAndModesByName) {
  const fs::path data = write("data.csv", labelled_csv());
  std::vector<std::string> args = train_args(data.string(), path("m.onnx").string());
  args[4] = "mlp:100";
  expect_user_error(args, {"--arch mlp:100 is not an architecture; available: linear, mlp:WxD"});
  args = train_args(data.string(), path("m.onnx").string());
  args[6] = "ibp";
  expect_user_error(args, {"--mode ibp does not train --arch linear; available: standard, linear-robust"});
  args[4] = "mlp:8x2";
  args[6] = "linear-robust";
  expect_user_error(args, {"--mode linear-robust does not train --arch mlp:8x2; available: standard, pgd, ibp, crown-ibp"});
}

// A network trained by IBP is written with its log (stability certificate included), and a
// diverging network run exits 1 with the explosion message and writes nothing.
TEST_F(TrainCli, TrainsANetworkAndStopsADivergingOne) {
  const fs::path data = write("data.csv", labelled_csv());
  const fs::path model = path("mlp.onnx");
  std::vector<std::string> args = train_args(data.string(), model.string());
  args[4] = "stable:8x2";
  args[6] = "ibp";
  args[14] = "0.01";
  args.push_back("--json");
  const RunResult r = run(args);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json summary = nlohmann::json::parse(r.out);
  EXPECT_GE(summary["test_accuracy"].get<double>(), 0.9);
  EXPECT_TRUE(summary["stability"]["non_expansive"].get<bool>());
  EXPECT_GT(summary["stability"]["lipschitz_upper"].get<double>(), 0.0);
  const nlohmann::json log = nlohmann::json::parse(test::read_file_bytes(path("mlp.json")));
  EXPECT_EQ(log["epochs"].back()["eps"], 0.05);
  EXPECT_EQ(log["options"]["optimizer"], "adam");
  const RunResult eval = run({"evaluate", model.string(), "--data", data.string(), "--eps", "0.05", "--json"});
  ASSERT_EQ(eval.exit_code, 0) << eval.err;
  // certnn info shows the training summary from the log beside the model.
  const RunResult info = run({"info", model.string(), "--json"});
  ASSERT_EQ(info.exit_code, 0) << info.err;
  const nlohmann::json training = nlohmann::json::parse(info.out)["training"];
  EXPECT_EQ(training["options"]["mode"], "ibp");
  EXPECT_EQ(training["test_accuracy"], summary["test_accuracy"]);
  EXPECT_FALSE(training.contains("epochs"));

  const fs::path diverged = path("diverged-mlp.onnx");
  args = train_args(data.string(), diverged.string());
  args[4] = "mlp:8x2";
  args[6] = "standard";
  args[14] = "1e6";
  args.insert(args.end(), {"--optimizer", "sgd", "--explode", "10"});
  expect_user_error(args, {"training diverged at epoch 1: ", "exceeds the explosion threshold 10"});
  EXPECT_FALSE(fs::exists(diverged));
  EXPECT_FALSE(fs::exists(path("diverged-mlp.json")));
}

// certnn data --export writes the split the trainer and evaluate use, one sample per row.
TEST_F(TrainCli, DataExportWritesOnePartOfTheSplit) {
  const fs::path data = write("data.csv", labelled_csv());
  const auto rows = [](const std::string& text) { return std::count(text.begin(), text.end(), '\n'); };
  const auto fields = [](const std::string& text) {
    const std::string first = text.substr(0, text.find('\n'));
    return std::count(first.begin(), first.end(), ',') + 1;
  };
  ASSERT_EQ(run({"data", data.string(), "--export", "test", "--out", path("test.csv").string(), "--labels"}).exit_code, 0);
  const std::string labelled = test::read_file_bytes(path("test.csv"));
  EXPECT_EQ(rows(labelled), 40);  // the default test fraction 0.2 of 200
  EXPECT_EQ(fields(labelled), 5);
  // The exported rows are a labelled dataset of their own, with the split's class counts.
  const RunResult again = run({"data", path("test.csv").string(), "--json"});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  const nlohmann::json exported = nlohmann::json::parse(again.out);
  const nlohmann::json original = nlohmann::json::parse(run({"data", data.string(), "--json"}).out);
  for (int c = 0; c < 2; ++c)
    EXPECT_EQ(exported["train_class_counts"][c].get<int>() + exported["test_class_counts"][c].get<int>(),
              original["test_class_counts"][c].get<int>());

  ASSERT_EQ(run({"data", data.string(), "--export", "train", "--limit", "7", "--out", path("train.csv").string()}).exit_code, 0);
  const std::string points = test::read_file_bytes(path("train.csv"));
  EXPECT_EQ(rows(points), 7);
  EXPECT_EQ(fields(points), 4);
  expect_user_error({"data", data.string(), "--export", "test"}, {"--export needs --out FILE"});
}

TEST_F(TrainCli, RefusesADatasetWithThreeClasses) {
  const fs::path data = write("three.csv", labelled_csv(3));
  expect_user_error(train_args(data.string(), path("m.onnx").string()), {"has 3 classes", "exactly 2"});
}

TEST_F(TrainCli, EvaluateReportsTheDocumentedJson) {
  const fs::path data = write("data.csv", labelled_csv());
  const fs::path model = path("linear.onnx");
  std::vector<std::string> args = train_args(data.string(), model.string());
  args.push_back("--quiet");
  ASSERT_EQ(run(args).exit_code, 0);
  for (const char* eps : {"0", "0.1", "0.3"}) {
    const RunResult r = run({"evaluate", model.string(), "--data", data.string(), "--eps", eps, "--json"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const nlohmann::ordered_json report = nlohmann::ordered_json::parse(r.out);
    std::vector<std::string> keys;
    for (const auto& [key, value] : report.items()) keys.push_back(key);
    EXPECT_EQ(keys, (std::vector<std::string>{"n", "clean_accuracy", "pgd_accuracy", "certified_accuracy", "seconds"}));
    EXPECT_EQ(report["n"], 40);
    const double clean = report["clean_accuracy"], pgd = report["pgd_accuracy"], certified = report["certified_accuracy"];
    EXPECT_LE(certified, pgd) << "eps " << eps;
    EXPECT_LE(pgd, clean) << "eps " << eps;
  }
}

}  // namespace
}  // namespace certnn
