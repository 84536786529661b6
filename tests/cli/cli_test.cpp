// The certnn command-line contract (DESIGN §5), run on the built binary: --json output that other
// programs can read (full float64 precision), exit 0 on success, and on every user error exit 1
// with exactly one stderr line starting "certnn: " — never a signal.
#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "certnn/model/forward.hpp"
#include "certnn/onnx/importer.hpp"
#include "cli_fixture.hpp"
#include "test_support.hpp"

namespace certnn {
namespace {

namespace fs = std::filesystem;

// The CLI must print what the library computes; 1e-9 relative to PyTorch is the agreement the
// reference tests establish for the library itself (see torch_reference_test.cpp).
constexpr double kRelativeTolerance = 1e-9;
constexpr double kAbsoluteFloor = 1e-15;
// --precision float32: float32 rounding, as derived in torch_reference_test.cpp.
constexpr double kFloat32Tolerance = 1024.0 * std::numeric_limits<float>::epsilon();

std::vector<std::string> torch_model_names() {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(test::torch_data_dir()))
    if (entry.path().extension() == ".onnx") names.push_back(entry.path().stem().string());
  std::sort(names.begin(), names.end());
  return names;
}

// A model whose operators certnn does not know: x -> Swish -> Relu -> Erf -> y.
std::string unsupported_operator_model(const std::string& first_node_name = "swish") {
  ::onnx::ModelProto model;
  model.set_ir_version(8);
  model.add_opset_import()->set_version(13);
  auto& graph = *model.mutable_graph();
  auto add_info = [](::onnx::ValueInfoProto& info, const std::string& name) {
    info.set_name(name);
    auto* tensor = info.mutable_type()->mutable_tensor_type();
    tensor->set_elem_type(::onnx::TensorProto::FLOAT);
    tensor->mutable_shape()->add_dim()->set_dim_value(1);
    tensor->mutable_shape()->add_dim()->set_dim_value(4);
  };
  add_info(*graph.add_input(), "x");
  add_info(*graph.add_output(), "y");
  auto add_node = [&](const std::string& op, const std::string& name, const std::string& in, const std::string& out) {
    auto* node = graph.add_node();
    node->set_op_type(op);
    node->set_name(name);
    node->add_input(in);
    node->add_output(out);
  };
  add_node("Swish", first_node_name, "x", "a");
  add_node("Relu", "relu", "a", "b");
  add_node("Erf", "erf", "b", "y");
  return model.SerializeAsString();
}

// ---- success paths ----

TEST_F(Cli, VersionPrintsTheVersion) {
  const RunResult r = run({"--version"});
  ASSERT_TRUE(r.exited);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find(CERTNN_VERSION), std::string::npos) << r.out;
  EXPECT_EQ(r.err, "");
}

TEST_F(Cli, HelpExitsZero) {
  const RunResult top = run({"--help"});
  ASSERT_TRUE(top.exited);
  EXPECT_EQ(top.exit_code, 0) << top.err;
  EXPECT_NE(top.out.find("info"), std::string::npos) << top.out;
  EXPECT_NE(top.out.find("eval"), std::string::npos) << top.out;
  for (const char* command : {"info", "eval"}) {
    const RunResult r = run({command, "--help"});
    ASSERT_TRUE(r.exited);
    EXPECT_EQ(r.exit_code, 0) << command << ": " << r.err;
    EXPECT_NE(r.out.find("--json"), std::string::npos) << r.out;
  }
}

// Parameter counts from the architectures in make_models.py, counted by hand.
constexpr std::int64_t dense_parameters(std::int64_t in, std::int64_t out) { return in * out + out; }
constexpr std::int64_t conv_parameters(std::int64_t in, std::int64_t out, std::int64_t kernel) {
  return in * out * kernel * kernel + out;
}
constexpr std::int64_t batch_norm_parameters(std::int64_t channels) { return 4 * channels; }  // scale, bias, mean, var

struct InfoExpectation {
  std::string model;
  std::vector<std::int64_t> input_shape, output_shape;
  std::vector<std::string> kinds;
  std::int64_t parameters;
};

TEST_F(Cli, InfoJsonDescribesTheModel) {
  const std::vector<InfoExpectation> expectations = {
      {"mlp_relu", {1, 10}, {1, 5}, {"Dense", "Relu", "Dense", "Relu", "Dense"},
       dense_parameters(10, 20) + dense_parameters(20, 20) + dense_parameters(20, 5)},
      {"cnn", {1, 1, 12, 12}, {1, 10}, {"Conv", "Relu", "Conv", "Relu", "Reshape", "Dense"},
       conv_parameters(1, 4, 3) + conv_parameters(4, 8, 3) + dense_parameters(8 * 6 * 6, 10)},
      // Pad, Conv(3->6, k3, dilation 2), BN(6), ReLU, AvgPool (exported as Pad + AveragePool),
      // Conv(6->4, k3), LeakyReLU, MaxPool, Flatten, Linear(8 -> 7) on the [1,4,1,2] features.
      {"cnn_bn_pool_pad_keepbn", {1, 3, 10, 10}, {1, 7},
       {"Pad", "Conv", "BatchNormalization", "Relu", "Pad", "AveragePool", "Conv", "LeakyRelu", "MaxPool",
        "Reshape", "Dense"},
       conv_parameters(3, 6, 3) + batch_norm_parameters(6) + conv_parameters(6, 4, 3) + dense_parameters(8, 7)},
  };
  for (const auto& e : expectations) {
    SCOPED_TRACE(e.model);
    const RunResult r = run({"info", torch_file(e.model + ".onnx").string(), "--json"});
    ASSERT_TRUE(r.exited);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.err, "");
    const nlohmann::json info = nlohmann::json::parse(r.out);
    EXPECT_EQ(info.at("input").at("shape").get<std::vector<std::int64_t>>(), e.input_shape);
    EXPECT_EQ(info.at("output").at("shape").get<std::vector<std::int64_t>>(), e.output_shape);
    EXPECT_EQ(info.at("parameters").get<std::int64_t>(), e.parameters);
    const auto& layers = info.at("layers");
    ASSERT_EQ(layers.size(), e.kinds.size());
    std::int64_t layer_sum = 0;
    for (std::size_t k = 0; k < layers.size(); ++k) {
      EXPECT_EQ(layers[k].at("kind").get<std::string>(), e.kinds[k]) << "layer " << k;
      layer_sum += layers[k].at("parameters").get<std::int64_t>();
    }
    EXPECT_EQ(layer_sum, e.parameters);
    EXPECT_EQ(layers.back().at("shape").get<std::vector<std::int64_t>>(), e.output_shape);
  }
}

TEST_F(Cli, InfoTableShowsShapesAndParameterCount) {
  const RunResult r = run({"info", torch_file("mlp_relu.onnx").string()});
  ASSERT_TRUE(r.exited);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("[1,10]"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(std::to_string(dense_parameters(10, 20) + dense_parameters(20, 20) + dense_parameters(20, 5))),
            std::string::npos)
      << r.out;
}

// The CLI's outputs for every reference model: close to PyTorch, and exactly what the library
// computes (so neither the JSON nor the CSV printing loses float64 digits).
TEST_F(Cli, EvalMatchesPyTorchAndTheLibraryExactly) {
  for (const auto& name : torch_model_names()) {
    SCOPED_TRACE(name);
    const fs::path model = torch_file(name + ".onnx"), input = torch_file(name + ".input.csv");
    const Eigen::MatrixXd expected = test::read_numeric_csv(torch_file(name + ".expected.csv"));
    const model::Network network = onnx::import_model(model.string());
    const Eigen::MatrixXd library =
        model::forward<double>(network, test::read_numeric_csv(input).transpose()).transpose();

    const RunResult json_run = run({"eval", model.string(), "--input", input.string(), "--json"});
    ASSERT_TRUE(json_run.exited);
    ASSERT_EQ(json_run.exit_code, 0) << json_run.err;
    const auto rows = nlohmann::json::parse(json_run.out).at("outputs");
    ASSERT_EQ(static_cast<Eigen::Index>(rows.size()), expected.rows());

    const RunResult csv_run = run({"eval", model.string(), "--input", input.string()});
    ASSERT_TRUE(csv_run.exited);
    ASSERT_EQ(csv_run.exit_code, 0) << csv_run.err;
    const Eigen::MatrixXd csv = test::read_numeric_csv(write("outputs.csv", csv_run.out));
    ASSERT_EQ(csv.rows(), expected.rows());
    ASSERT_EQ(csv.cols(), expected.cols());

    for (Eigen::Index r = 0; r < expected.rows(); ++r) {
      ASSERT_EQ(static_cast<Eigen::Index>(rows[r].size()), expected.cols());
      for (Eigen::Index k = 0; k < expected.cols(); ++k) {
        const double from_json = rows[r][k].get<double>();
        EXPECT_LE(std::abs(from_json - expected(r, k)), kRelativeTolerance * std::abs(expected(r, k)) + kAbsoluteFloor)
            << "row " << r << ", output " << k;
        EXPECT_EQ(from_json, library(r, k)) << "JSON lost precision at row " << r << ", output " << k;
        EXPECT_EQ(csv(r, k), library(r, k)) << "CSV lost precision at row " << r << ", output " << k;
      }
    }
  }
}

TEST_F(Cli, EvalFloat32StaysWithinFloat32Rounding) {
  const std::string name = "cnn_bn_pool_pad_keepbn";
  const Eigen::MatrixXd expected = test::read_numeric_csv(torch_file(name + ".expected.csv"));
  const RunResult r = run({"eval", torch_file(name + ".onnx").string(), "--input",
                           torch_file(name + ".input.csv").string(), "--json", "--precision", "float32"});
  ASSERT_TRUE(r.exited);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto rows = nlohmann::json::parse(r.out).at("outputs");
  ASSERT_EQ(static_cast<Eigen::Index>(rows.size()), expected.rows());
  const double scale = expected.cwiseAbs().maxCoeff();
  bool differs_from_float64 = false;
  for (Eigen::Index row = 0; row < expected.rows(); ++row)
    for (Eigen::Index k = 0; k < expected.cols(); ++k) {
      const double got = rows[row][k].get<double>();
      EXPECT_LE(std::abs(got - expected(row, k)), kFloat32Tolerance * scale) << "row " << row << ", output " << k;
      // Every float32 result is a float; a float64 evaluation would (almost surely) not be.
      EXPECT_EQ(static_cast<double>(static_cast<float>(got)), got);
      differs_from_float64 = differs_from_float64 || got != expected(row, k);
    }
  EXPECT_TRUE(differs_from_float64);
}

TEST_F(Cli, EvalAcceptsAHeaderLine) {
  const RunResult r = run({"eval", torch_file("mlp_relu.onnx").string(), "--input",
                           write("with_header.csv", "a,b,c,d,e,f,g,h,i,j\n0,0,0,0,0,0,0,0,0,0\n").string(),
                           "--json"});
  ASSERT_TRUE(r.exited);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out).at("outputs").size(), 1u);
}

// ---- user errors: exit 1, one line ----

TEST_F(Cli, MissingModelFile) {
  const std::string missing = path("missing.onnx").string();
  expect_user_error({"info", missing}, {missing});
  expect_user_error({"eval", missing, "--input", torch_file("mlp_relu.input.csv").string()}, {missing});
}

TEST_F(Cli, ModelPathIsADirectory) { expect_user_error({"info", dir_.string()}); }

TEST_F(Cli, RandomBytesModel) {
  std::mt19937_64 rng(test::test_seed(7));
  for (int i = 0; i < 5; ++i) {
    std::string bytes(4096, '\0');
    for (auto& c : bytes) c = static_cast<char>(rng());
    const fs::path model = write("random.onnx", bytes);
    expect_user_error({"info", model.string()}, {model.string()});
  }
}

TEST_F(Cli, EmptyAndTextModels) {
  expect_user_error({"info", write("empty.onnx", "").string()}, {"empty"});
  expect_user_error({"info", write("text.onnx", "not a model\nat all\n").string()}, {"not an ONNX model"});
}

TEST_F(Cli, UnsupportedOperatorModelListsEveryNode) {
  const fs::path model = write("unsupported.onnx", unsupported_operator_model());
  expect_user_error({"info", model.string()},
                    {"node 'swish' (Swish) is not supported", "node 'erf' (Erf) is not supported"});
  expect_user_error({"eval", model.string(), "--input", write("x.csv", "1,2,3,4\n").string()},
                    {"node 'swish' (Swish)"});
}

// Names inside a model are arbitrary bytes; a line break in one must not break the one-line rule.
TEST_F(Cli, NodeNameWithALineBreakStillGivesOneLine) {
  const fs::path model = write("newline.onnx", unsupported_operator_model("two\nlines\r"));
  // The line break is written as an escape.
  expect_user_error({"info", model.string()}, {"node 'two\\nlines\\r' (Swish) is not supported"});
}

TEST_F(Cli, CsvWithTheWrongWidth) {
  const fs::path csv = write("wide.csv", "1,2,3,4,5,6,7,8,9,10\n1,2,3\n");
  expect_user_error({"eval", torch_file("mlp_relu.onnx").string(), "--input", csv.string()},
                    {csv.string() + ":2", "has 3 values, expected 10"});
}

TEST_F(Cli, CsvWithANonNumber) {
  const fs::path csv = write("word.csv", "1,2,3,4,5,6,7,8,9,10\n1,2,three,4,5,6,7,8,9,10\n");
  expect_user_error({"eval", torch_file("mlp_relu.onnx").string(), "--input", csv.string()},
                    {csv.string() + ":2:3", "'three' is not a number"});
}

TEST_F(Cli, CsvWithNaNOrInfinity) {
  for (const char* bad : {"nan", "NaN", "inf", "-inf", "1e999"}) {
    SCOPED_TRACE(bad);
    const fs::path csv = write("nan.csv", std::string("1,2,3,4,5,6,7,8,9,") + bad + "\n");
    expect_user_error({"eval", torch_file("mlp_relu.onnx").string(), "--input", csv.string()},
                      {csv.string() + ":1:10"});
  }
}

TEST_F(Cli, EmptyCsv) {
  const fs::path model = torch_file("mlp_relu.onnx");
  expect_user_error({"eval", model.string(), "--input", write("empty.csv", "").string()}, {"no data rows"});
  expect_user_error({"eval", model.string(), "--input", write("blank.csv", "\n\n  \n").string()}, {"no data rows"});
  expect_user_error({"eval", model.string(), "--input", write("header.csv", "a,b\n").string()}, {"no data rows"});
}

TEST_F(Cli, MissingCsvFile) {
  const std::string missing = path("missing.csv").string();
  expect_user_error({"eval", torch_file("mlp_relu.onnx").string(), "--input", missing}, {missing});
}

TEST_F(Cli, MissingInputOption) {
  expect_user_error({"eval", torch_file("mlp_relu.onnx").string()}, {"--input"});
}

TEST_F(Cli, MissingModelArgument) { expect_user_error({"info"}); }

TEST_F(Cli, NoSubcommand) { expect_user_error({}); }

TEST_F(Cli, UnknownSubcommand) { expect_user_error({"frobnicate", torch_file("mlp_relu.onnx").string()}); }

TEST_F(Cli, UnknownOption) {
  expect_user_error({"info", torch_file("mlp_relu.onnx").string(), "--frobnicate"}, {"--frobnicate"});
  expect_user_error({"--frobnicate"});
}

TEST_F(Cli, UnknownPrecision) {
  expect_user_error({"eval", torch_file("mlp_relu.onnx").string(), "--input",
                     torch_file("mlp_relu.input.csv").string(), "--precision", "float16"},
                    {"float16"});
}

}  // namespace
}  // namespace certnn
