// The 45 ACAS Xu networks against an independent float64 numpy evaluation of the same ONNX files
// (tests/data/acasxu, made by make_reference.py), on raw-range and on normalised inputs.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "certnn/model/forward.hpp"
#include "certnn/onnx/importer.hpp"
#include "test_support.hpp"

namespace certnn {
namespace {

// numpy and certnn round the same float64 operations in different orders: a few ulps per layer.
// 1e-9 relative leaves orders of magnitude of room for that while any real difference (a wrong
// weight, a float32 evaluation at ~1e-7) fails.
constexpr double kRelativeTolerance = 1e-9;
// Outputs near zero lose the relative bound: allow the rounding error of the whole row instead,
// 7 layers × fan-in 50 × 2^-53 ≈ 4e-14 of the row's largest output, with a 25× margin.
constexpr double kRowFloorFactor = 1e-12;

constexpr int kInputSize = 5;
constexpr int kOutputSize = 5;
constexpr std::size_t kRowsPerNetwork = 4;  // make_reference.py's SAMPLES_PER_NET

struct ReferenceRow {
  Eigen::VectorXd input;
  Eigen::VectorXd output;
};

// network file name -> its rows, from a reference CSV (header network,x0..x4,y0..y4).
std::map<std::string, std::vector<ReferenceRow>> read_reference(const std::string& file_name) {
  std::ifstream file(test::acasxu_data_dir() / file_name);
  if (!file) throw std::runtime_error("cannot open " + file_name);
  std::map<std::string, std::vector<ReferenceRow>> rows;
  std::string line;
  std::getline(file, line);  // header
  while (std::getline(file, line)) {
    if (line.empty()) continue;
    const auto fields = test::split_csv_line(line);
    if (fields.size() != 1 + kInputSize + kOutputSize)
      throw std::runtime_error(file_name + ": a row with " + std::to_string(fields.size()) + " fields");
    ReferenceRow row{Eigen::VectorXd(kInputSize), Eigen::VectorXd(kOutputSize)};
    for (int i = 0; i < kInputSize; ++i) row.input[i] = test::parse_double(fields[1 + i]);
    for (int i = 0; i < kOutputSize; ++i) row.output[i] = test::parse_double(fields[1 + kInputSize + i]);
    rows[fields[0]].push_back(std::move(row));
  }
  return rows;
}

class AcasXuReference : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    network_path_ = test::benchmarks_dir() / "acasxu" / "onnx" / GetParam();
    ASSERT_TRUE(std::filesystem::exists(network_path_)) << "ACAS Xu network not found at " << network_path_.string();
  }

  void check_against(const std::string& reference_file) {
    const auto reference = read_reference(reference_file);
    const auto rows = reference.find(GetParam());
    ASSERT_NE(rows, reference.end()) << reference_file << " has no rows for " << GetParam();
    ASSERT_EQ(rows->second.size(), kRowsPerNetwork);

    const model::Network network = onnx::import_model(network_path_.string());
    ASSERT_EQ(network.input_size(), kInputSize);
    ASSERT_EQ(network.output_size(), kOutputSize);
    for (std::size_t r = 0; r < rows->second.size(); ++r) {
      const ReferenceRow& row = rows->second[r];
      const Eigen::VectorXd got = model::forward<double>(network, row.input);
      const double floor = kRowFloorFactor * row.output.cwiseAbs().maxCoeff();
      for (int k = 0; k < kOutputSize; ++k)
        EXPECT_LE(std::abs(got[k] - row.output[k]), kRelativeTolerance * std::abs(row.output[k]) + floor)
            << reference_file << " row " << r << ", output " << k << ": certnn " << got[k]
            << ", numpy " << row.output[k];
    }
  }

  std::filesystem::path network_path_;
};

TEST_P(AcasXuReference, RawRangeInputsMatchNumpy) { check_against("reference.csv"); }

TEST_P(AcasXuReference, NormalizedInputsMatchNumpy) { check_against("reference_normalized.csv"); }

INSTANTIATE_TEST_SUITE_P(Networks, AcasXuReference,
                         ::testing::ValuesIn(test::all_acasxu_network_names()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           // "ACASXU_run2a_1_2_batch_2000.onnx" -> "Network_1_2"
                           return "Network_" + info.param.substr(13, 3);
                         });

// The reference files cover exactly the 45 networks, each with its rows.
TEST(AcasXuReferenceData, CoversEveryNetwork) {
  for (const char* file : {"reference.csv", "reference_normalized.csv"}) {
    const auto reference = read_reference(file);
    EXPECT_EQ(reference.size(), 45u) << file;
    for (const auto& name : test::all_acasxu_network_names()) {
      const auto rows = reference.find(name);
      ASSERT_NE(rows, reference.end()) << file << " lacks " << name;
      EXPECT_EQ(rows->second.size(), kRowsPerNetwork) << file << ", " << name;
    }
  }
}

}  // namespace
}  // namespace certnn
