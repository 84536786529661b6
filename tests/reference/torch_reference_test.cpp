// The PyTorch reference models (tests/data/torch, made by make_models.py): certnn's import and
// forward pass must reproduce the float64 outputs PyTorch computed for the exported function.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "certnn/model/forward.hpp"
#include "certnn/onnx/importer.hpp"
#include "test_support.hpp"

namespace certnn {
namespace {

// float64: PyTorch and certnn both round every operation to float64 but in different orders, so
// they differ by a few units of 1e-16 per layer. 1e-9 leaves ample room for that and is still far
// below the ~1e-8 gaps that a float32 rounding of weights (e.g. a BatchNorm folded into a Conv)
// or a float32 evaluation would cause, so such a mismatch cannot pass.
constexpr double kRelativeTolerance = 1e-9;
// Absolute floor for outputs that are (nearly) zero, where the relative bound vanishes.
constexpr double kAbsoluteFloor = 1e-15;

// float32 evaluation: each dot product of length n errs by at most γ_n·Σ|w·x| with
// γ_n ≈ n·ε/2; the largest fan-in here is 288 (γ ≈ 1.7e-5), over at most five layers whose
// weights are of order one. 1024·ε_float ≈ 1.2e-4 of the largest output magnitude bounds that
// with a margin, yet catches any real disagreement (a wrong layer is off by O(1)).
constexpr double kFloat32Tolerance = 1024.0 * std::numeric_limits<float>::epsilon();

// Every model <name>.onnx in tests/data/torch, by name.
std::vector<std::string> torch_model_names() {
  std::vector<std::string> names;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(test::torch_data_dir(), error))
    if (entry.path().extension() == ".onnx") names.push_back(entry.path().stem().string());
  std::sort(names.begin(), names.end());
  return names;
}

TEST(TorchReference, FindsEveryModelWithItsInputsAndOutputs) {
  const auto names = torch_model_names();
  // make_models.py writes nine models; fewer means the data folder is incomplete.
  EXPECT_GE(names.size(), 9u);
  for (const auto& name : names) {
    EXPECT_TRUE(std::filesystem::exists(test::torch_data_dir() / (name + ".input.csv"))) << name;
    EXPECT_TRUE(std::filesystem::exists(test::torch_data_dir() / (name + ".expected.csv"))) << name;
  }
}

class TorchReference : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    const auto dir = test::torch_data_dir();
    network_.emplace(onnx::import_model((dir / (GetParam() + ".onnx")).string()));
    inputs_ = test::read_numeric_csv(dir / (GetParam() + ".input.csv"));
    expected_ = test::read_numeric_csv(dir / (GetParam() + ".expected.csv"));
  }

  std::optional<model::Network> network_;
  Eigen::MatrixXd inputs_;    // one sample per row
  Eigen::MatrixXd expected_;  // one output per row
};

TEST_P(TorchReference, Float64OutputsMatchPyTorch) {
  ASSERT_EQ(inputs_.cols(), network_->input_size());
  ASSERT_EQ(expected_.cols(), network_->output_size());
  ASSERT_EQ(inputs_.rows(), expected_.rows());

  const model::Batch<double> outputs = model::forward<double>(*network_, inputs_.transpose());
  ASSERT_EQ(outputs.cols(), expected_.rows());
  for (Eigen::Index row = 0; row < expected_.rows(); ++row)
    for (Eigen::Index k = 0; k < expected_.cols(); ++k) {
      const double want = expected_(row, k), got = outputs(k, row);
      EXPECT_LE(std::abs(got - want), kRelativeTolerance * std::abs(want) + kAbsoluteFloor)
          << "row " << row << ", output " << k << ": certnn " << got << ", PyTorch " << want;
    }
}

TEST_P(TorchReference, Float32OutputsStayWithinFloat32Rounding) {
  const model::Batch<float> inputs = inputs_.transpose().cast<float>();
  // The inputs are float32 values, so the cast itself must not round.
  ASSERT_TRUE((inputs.cast<double>() - inputs_.transpose()).isZero(0.0));

  const Eigen::MatrixXd outputs = model::forward<float>(*network_, inputs).cast<double>();
  const double scale = expected_.cwiseAbs().maxCoeff();
  for (Eigen::Index row = 0; row < expected_.rows(); ++row)
    for (Eigen::Index k = 0; k < expected_.cols(); ++k) {
      const double want = expected_(row, k), got = outputs(k, row);
      EXPECT_LE(std::abs(got - want), kFloat32Tolerance * scale)
          << "row " << row << ", output " << k << ": certnn float32 " << got << ", PyTorch " << want;
    }
}

INSTANTIATE_TEST_SUITE_P(Models, TorchReference, ::testing::ValuesIn(torch_model_names()),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

}  // namespace
}  // namespace certnn
