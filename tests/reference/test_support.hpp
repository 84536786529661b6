// Helpers shared by the reference, round-trip, malformed-model and CLI tests: where the test data
// lives, a CSV reader that does not go through certnn (so a reference is read independently of
// the code it checks), file bytes, and the printed, settable seed of the random tests.
#pragma once

#include <gtest/gtest.h>

#include <Eigen/Core>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace certnn::test {

inline std::filesystem::path source_dir() { return CERTNN_SOURCE_DIR; }
inline std::filesystem::path torch_data_dir() { return source_dir() / "tests" / "data" / "torch"; }
inline std::filesystem::path acasxu_data_dir() { return source_dir() / "tests" / "data" / "acasxu"; }
inline std::filesystem::path benchmarks_dir() { return CERTNN_BENCHMARKS_DIR; }

// The ACAS Xu network file for advisory i (1..5) and time step j (1..9).
inline std::string acasxu_network_name(int previous_advisory, int time_step) {
  return "ACASXU_run2a_" + std::to_string(previous_advisory) + "_" + std::to_string(time_step) +
         "_batch_2000.onnx";
}

inline std::vector<std::string> all_acasxu_network_names() {
  std::vector<std::string> names;
  for (int i = 1; i <= 5; ++i)
    for (int j = 1; j <= 9; ++j) names.push_back(acasxu_network_name(i, j));
  return names;
}

inline std::vector<std::string> mnist_fc_network_names() {
  return {"mnist-net_256x2.onnx", "mnist-net_256x4.onnx", "mnist-net_256x6.onnx"};
}

inline std::string read_file_bytes(const std::filesystem::path& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) throw std::runtime_error("cannot open " + path.string());
  std::ostringstream contents;
  contents << file.rdbuf();
  return contents.str();
}

inline void write_file_bytes(const std::filesystem::path& path, const std::string& bytes) {
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  file.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!file) throw std::runtime_error("cannot write " + path.string());
}

// Splits one CSV line at commas (the reference files hold no quoting).
inline std::vector<std::string> split_csv_line(const std::string& line) {
  std::vector<std::string> fields;
  std::stringstream stream(line);
  std::string field;
  while (std::getline(stream, field, ',')) fields.push_back(field);
  return fields;
}

// Exact decimal-to-double conversion with strtod (correctly rounded in glibc), so '%.17g' text
// reads back to the double it was printed from. Throws on anything that is not one number.
inline double parse_double(const std::string& text) {
  char* end = nullptr;
  const double value = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size())
    throw std::runtime_error("not a number: '" + text + "'");
  return value;
}

// A purely numeric CSV file (no header) as rows x columns.
inline Eigen::MatrixXd read_numeric_csv(const std::filesystem::path& path) {
  std::ifstream file(path);
  if (!file) throw std::runtime_error("cannot open " + path.string());
  std::vector<std::vector<double>> rows;
  std::string line;
  while (std::getline(file, line)) {
    if (line.empty()) continue;
    std::vector<double> row;
    for (const auto& field : split_csv_line(line)) row.push_back(parse_double(field));
    if (!rows.empty() && row.size() != rows.front().size())
      throw std::runtime_error(path.string() + ": rows of different widths");
    rows.push_back(std::move(row));
  }
  if (rows.empty()) throw std::runtime_error(path.string() + ": no rows");
  Eigen::MatrixXd matrix(rows.size(), rows.front().size());
  for (std::size_t r = 0; r < rows.size(); ++r)
    for (std::size_t c = 0; c < rows[r].size(); ++c)
      matrix(static_cast<Eigen::Index>(r), static_cast<Eigen::Index>(c)) = rows[r][c];
  return matrix;
}

// The seed of a random test: CERTNN_TEST_SEED when set (to replay a failure), else the test's
// fixed default. Printed and recorded so a failing run says how to reproduce it.
inline std::uint64_t test_seed(std::uint64_t fallback) {
  std::uint64_t seed = fallback;
  if (const char* text = std::getenv("CERTNN_TEST_SEED"); text != nullptr && *text != '\0')
    seed = std::strtoull(text, nullptr, 10);
  std::cout << "seed " << seed << " (set CERTNN_TEST_SEED to replay)\n";
  ::testing::Test::RecordProperty("seed", std::to_string(seed));
  return seed;
}

}  // namespace certnn::test
