// Numeric CSV input files: one sample per line, comma-separated values (flattened in the model's
// input order). A first line made only of non-numeric fields is taken as a header. Every other
// field must be a finite number; errors name file, line and column.
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <istream>
#include <optional>
#include <string>

namespace certnn::data {

// rows x columns. expected_columns, when given, is checked on every row.
Eigen::MatrixXd read_csv(const std::string& path, std::optional<std::int64_t> expected_columns = {});
Eigen::MatrixXd read_csv(std::istream& in, const std::string& source,
                         std::optional<std::int64_t> expected_columns = {});

}  // namespace certnn::data
