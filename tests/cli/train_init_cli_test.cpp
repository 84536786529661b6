// certnn train --init: PyTorch-exported models (tests/data/torch) trained further in ibp mode
// from their own weights, written, read back and certified; models the trainers cannot
// differentiate, or that do not fit the data, refused by name before any training.
#include <nlohmann/json.hpp>

#include <random>
#include <sstream>

#include "certnn/model/forward.hpp"
#include "certnn/onnx/importer.hpp"
#include "cli_fixture.hpp"

namespace certnn {
namespace {

// Rows "label,x..." of `features` values in [0, 1], labelled by the largest of `classes` fixed
// random linear scores: a task the small networks can learn, unrelated to their weights.
std::string linear_rule_csv(int rows, int features, int classes) {
  std::mt19937 generator(11);
  std::normal_distribution<double> normal;
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  Eigen::MatrixXd weight = Eigen::MatrixXd::NullaryExpr(classes, features, [&] { return normal(generator); });
  std::ostringstream csv;
  csv.precision(17);
  for (int row = 0; row < rows; ++row) {
    const Eigen::VectorXd x = Eigen::VectorXd::NullaryExpr(features, [&] { return unit(generator); });
    Eigen::Index label = 0;
    (weight * x).maxCoeff(&label);
    csv << label;
    for (Eigen::Index i = 0; i < features; ++i) csv << "," << x[i];
    csv << "\n";
  }
  return csv.str();
}

class TrainInitCli : public Cli {
 protected:
  nlohmann::json run_json(const std::vector<std::string>& args) const {
    const RunResult r = run(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.exit_code == 0 ? nlohmann::json::parse(r.out) : nlohmann::json();
  }
};

TEST_F(TrainInitCli, FineTunesPyTorchModelsInIbpModeAndCertifiesThem) {
  struct Case {
    std::string model;
    int features, classes, epochs;
  };
  for (const Case& c : {Case{"mlp_relu.onnx", 10, 5, 20}, Case{"cnn.onnx", 144, 10, 8}, Case{"residual_mlp.onnx", 12, 6, 20}}) {
    SCOPED_TRACE(c.model);
    const fs::path data = write(c.model + ".csv", linear_rule_csv(500, c.features, c.classes));
    const std::string original = torch_file(c.model).string(), tuned = path("tuned-" + c.model).string();
    const nlohmann::json before =
        run_json({"evaluate", original, "--data", data.string(), "--eps", "0.005", "--json"});
    const nlohmann::json summary =
        run_json({"train", "--data", data.string(), "--init", original, "--mode", "ibp", "--eps", "0.005",
                  "--epochs", std::to_string(c.epochs), "--lr", "0.003", "--out", tuned, "--json", "--quiet"});
    ASSERT_FALSE(summary.is_null());
    const nlohmann::json after = run_json({"evaluate", tuned, "--data", data.string(), "--eps", "0.005", "--json"});
    ASSERT_FALSE(after.is_null());
    // Trained on the task, the model beats the one it started from and certifies some of it.
    EXPECT_GT(after["clean_accuracy"].get<double>(), before["clean_accuracy"].get<double>() + 0.1);
    EXPECT_GT(after["certified_accuracy"].get<double>(), 0.0);
    EXPECT_EQ(after["clean_accuracy"], summary["test_accuracy"]);
    const nlohmann::json log = nlohmann::json::parse(test::read_file_bytes(path("tuned-" + c.model.substr(0, c.model.size() - 5) + ".json")));
    EXPECT_EQ(log["options"]["init"], original);
    EXPECT_EQ(log["options"]["mode"], "ibp");
  }
}

// The point-loss modes take the gradients of every layer kind: PyTorch's sigmoid MLP and its CNN
// with padding, average and max pooling and a leaky ReLU learn (their loss falls by a fifth or
// more, and they classify no worse than before); the layers without weights stay as they are.
TEST_F(TrainInitCli, FineTunesAnyKindInThePointLossModes) {
  struct Case {
    std::string model, mode;
    int features, classes, epochs;
  };
  for (const Case& c : {Case{"mlp_sigmoid.onnx", "standard", 10, 5, 30}, Case{"cnn_bn_pool_pad.onnx", "pgd", 300, 7, 30}}) {
    SCOPED_TRACE(c.model);
    const fs::path data = write(c.model + ".csv", linear_rule_csv(500, c.features, c.classes));
    const std::string original = torch_file(c.model).string(), tuned = path("tuned-" + c.model).string();
    const nlohmann::json before = run_json({"evaluate", original, "--data", data.string(), "--eps", "0.005", "--json"});
    const nlohmann::json summary =
        run_json({"train", "--data", data.string(), "--init", original, "--mode", c.mode, "--eps", "0.005", "--epochs",
                  std::to_string(c.epochs), "--lr", "0.01", "--out", tuned, "--json", "--quiet"});
    ASSERT_FALSE(summary.is_null());
    const nlohmann::json after = run_json({"evaluate", tuned, "--data", data.string(), "--eps", "0.005", "--json"});
    ASSERT_FALSE(after.is_null());
    EXPECT_GE(after["clean_accuracy"].get<double>(), before["clean_accuracy"].get<double>());
    const nlohmann::json log = nlohmann::json::parse(
        test::read_file_bytes(path("tuned-" + c.model.substr(0, c.model.size() - 5) + ".json")));
    EXPECT_EQ(log["options"]["mode"], c.mode);
    EXPECT_LT(log["epochs"].back()["loss"].get<double>(), 0.8 * log["epochs"].front()["loss"].get<double>());
    // The same graph comes back: every node of the original, in order, of the same kind.
    const model::Network a = onnx::import_model(original), b = onnx::import_model(tuned);
    ASSERT_EQ(a.nodes().size(), b.nodes().size());
    for (std::size_t k = 0; k < a.nodes().size(); ++k)
      EXPECT_EQ(model::kind_name(a.nodes()[k].op), model::kind_name(b.nodes()[k].op)) << k;
  }
}

TEST_F(TrainInitCli, StartsFromTheImportedWeights) {
  const fs::path data = write("data.csv", linear_rule_csv(100, 144, 10));
  const std::string original = torch_file("cnn.onnx").string(), tuned = path("tuned.onnx").string();
  // One step of the smallest rate leaves the function as it was, up to the float32 export.
  const RunResult r = run({"train", "--data", data.string(), "--init", original, "--mode", "standard", "--epochs", "1",
                           "--lr", "1e-12", "--batch", "200", "--out", tuned, "--quiet"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const model::Network a = onnx::import_model(original), b = onnx::import_model(tuned);
  std::mt19937 generator(3);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  const Eigen::MatrixXd inputs = Eigen::MatrixXd::NullaryExpr(144, 20, [&] { return unit(generator); });
  const Eigen::MatrixXd ya = model::forward<double>(a, inputs), yb = model::forward<double>(b, inputs);
  EXPECT_LT((ya - yb).cwiseAbs().maxCoeff(), 1e-5 * (1.0 + ya.cwiseAbs().maxCoeff()));
}

TEST_F(TrainInitCli, RefusesModelsItCannotTrainByName) {
  const fs::path data = write("data.csv", linear_rule_csv(50, 10, 5));
  const auto args = [&](const std::string& model) {
    return std::vector<std::string>{"train", "--data", data.string(), "--init", torch_file(model).string(),
                                    "--mode", "ibp", "--eps", "0.01", "--epochs", "1", "--out", path("x.onnx").string()};
  };
  expect_user_error(args("mlp_sigmoid.onnx"),
                    {"node '/1/Sigmoid' is a Sigmoid", "bound-based trainers", "their kinds: Gemm/MatMul, Conv, Relu"});
  expect_user_error(args("cnn_bn_pool_pad.onnx"), {"node '/0/Pad' is a Pad", "bound-based trainers"});
  expect_user_error(args("cnn.onnx"), {"takes 144 inputs, the data's samples have 10"});
  std::vector<std::string> both = args("mlp_relu.onnx");
  both.insert(both.end(), {"--arch", "mlp:8x2"});
  expect_user_error(both, {"--arch and --init exclude each other"});
  expect_user_error({"train", "--data", data.string(), "--mode", "ibp", "--eps", "0.01", "--epochs", "1", "--out",
                     path("x.onnx").string()},
                    {"one of --arch or --init is needed"});
  EXPECT_FALSE(fs::exists(path("x.onnx")));
}

}  // namespace
}  // namespace certnn
