// certnn weights: draws the chosen rows of the first Dense layer, or a first one-channel Conv's
// kernels, as a PNG with the documented geometry; a network that starts otherwise, a bad --rows, a non-image input and an
// unwritable --out are one-line errors.
#include <nlohmann/json.hpp>

#include "certnn/model/network.hpp"
#include "certnn/onnx/exporter.hpp"
#include "cli_fixture.hpp"

namespace certnn {
namespace {

// input [1,1,2,3] → Flatten → Dense with 3 rows; row r holds r - 1 + 0.5 k in column k.
fs::path write_dense_model(const fs::path& path, const Shape& input_shape) {
  model::Network network(input_shape);
  const std::int64_t n = element_count(input_shape);
  Eigen::MatrixXd weight(3, n);
  for (Eigen::Index r = 0; r < 3; ++r)
    for (Eigen::Index k = 0; k < n; ++k) weight(r, k) = static_cast<double>(r) - 1.0 + 0.5 * static_cast<double>(k);
  const model::ValueId flat = network.add("flatten", model::Reshape{{1, n}}, {model::kInputValue});
  network.set_output(network.add("dense", model::Dense{weight, Eigen::VectorXd::Zero(3)}, {flat}));
  onnx::export_model(network, path.string());
  return path;
}

TEST_F(Cli, WeightsDrawsTheChosenRowsOfTheFirstDenseLayer) {
  const fs::path model = write_dense_model(path("dense.onnx"), {1, 1, 2, 3});
  const fs::path out = path("w.png");
  const RunResult r = run({"weights", model.string(), "--out", out.string(), "--rows", "0,2", "--scale", "2", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json summary = nlohmann::json::parse(r.out);
  EXPECT_EQ(summary["layer"], "dense");
  EXPECT_EQ(summary["rows"], nlohmann::json({0, 2}));
  EXPECT_EQ(summary["tile"], nlohmann::json({2, 3}));
  // Two tiles of 6 x 4 pixels side by side, 1-pixel separators and border.
  EXPECT_EQ(summary["width"], 15);
  EXPECT_EQ(summary["height"], 6);
  EXPECT_EQ(summary["max_abs"], 3.5);  // row 2, column 5: 1 + 2.5
  EXPECT_EQ(test::read_file_bytes(out).substr(0, 8), "\x89PNG\r\n\x1a\n");
}

TEST_F(Cli, WeightsDrawsTheKernelsOfAFirstOneChannelConv) {
  const fs::path out = path("kernels.png");
  const RunResult r = run({"weights", torch_file("cnn.onnx").string(), "--out", out.string(), "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json summary = nlohmann::json::parse(r.out);
  EXPECT_EQ(summary["layer"], "/0/Conv");
  EXPECT_EQ(summary["rows"], nlohmann::json({0, 1, 2, 3}));  // one kernel per output channel
  EXPECT_EQ(summary["tile"], nlohmann::json({3, 3}));
}

TEST_F(Cli, WeightsRefusesWhatItCannotDraw) {
  const fs::path model = write_dense_model(path("dense.onnx"), {1, 1, 2, 3});
  const std::string out = path("w.png").string();
  const fs::path relu_first = path("relu_first.onnx");
  {
    model::Network network({1, 4});
    const model::ValueId relu = network.add("relu", model::Relu{}, {model::kInputValue});
    network.set_output(network.add("dense", model::Dense{Eigen::MatrixXd::Ones(2, 4), Eigen::VectorXd::Zero(2)}, {relu}));
    onnx::export_model(network, relu_first.string());
  }
  expect_user_error({"weights", relu_first.string(), "--out", out}, {"first layer is Relu"});
  expect_user_error({"weights", model.string(), "--out", out, "--rows", "1,3"}, {"row 3 is out of range"});
  expect_user_error({"weights", model.string(), "--out", out, "--rows", "1,x"}, {"'x' is not a row number"});
  expect_user_error({"weights", model.string(), "--out", out, "--rows", "2-1"}, {"range '2-1' is empty"});
  expect_user_error({"weights", model.string(), "--out", out, "--scale", "0"});
  expect_user_error({"weights", model.string(), "--out", path("missing/w.png").string()}, {"cannot open for writing"});
  const fs::path wide = write_dense_model(path("wide.onnx"), {1, 3, 2, 2});
  expect_user_error({"weights", wide.string(), "--out", out}, {"not a one-channel image"});
  EXPECT_FALSE(fs::exists(out));
}

}  // namespace
}  // namespace certnn
