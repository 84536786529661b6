// Numeric CSV input files: one sample per line, comma-separated values (flattened in the model's
// input order). A first line made only of non-numeric fields is taken as a header. Every other
// field must be a finite number; errors name file, line and column.
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <istream>
#include <optional>
#include <string>
#include <vector>

namespace certnn::data {

// rows x columns. expected_columns, when given, is checked on every row.
Eigen::MatrixXd read_csv(const std::string& path, std::optional<std::int64_t> expected_columns = {});
Eigen::MatrixXd read_csv(std::istream& in, const std::string& source,
                         std::optional<std::int64_t> expected_columns = {});

// The values with the line each row came from, for callers that check fields further and must
// name the place (labelled datasets).
struct CsvTable {
  Eigen::MatrixXd values;                 // rows x columns
  std::vector<std::int64_t> line_numbers;  // one per row, counting from 1
};
CsvTable read_csv_table(std::istream& in, const std::string& source,
                        std::optional<std::int64_t> expected_columns = {});

}  // namespace certnn::data
