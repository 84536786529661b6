#include "certnn/data/csv.hpp"

#include <charconv>
#include <cmath>
#include <fstream>
#include <vector>

#include "certnn/core/error.hpp"

namespace certnn::data {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> split_fields(std::string_view line) {
  std::vector<std::string_view> fields;
  std::size_t start = 0;
  while (true) {
    const std::size_t comma = line.find(',', start);
    fields.push_back(trim(line.substr(start, comma == std::string_view::npos ? line.npos : comma - start)));
    if (comma == std::string_view::npos) return fields;
    start = comma + 1;
  }
}

std::optional<double> parse_number(std::string_view field) {
  if (field.size() > 1 && field.front() == '+' && field[1] != '-') field.remove_prefix(1);
  if (field.empty()) return std::nullopt;
  double value = 0;
  const auto [end, error] = std::from_chars(field.data(), field.data() + field.size(), value);
  if (error != std::errc() || end != field.data() + field.size()) return std::nullopt;
  return value;
}

}  // namespace

CsvTable read_csv_table(std::istream& in, const std::string& source,
                        std::optional<std::int64_t> expected_columns) {
  std::vector<double> values;
  std::vector<std::int64_t> line_numbers;
  std::int64_t columns = expected_columns.value_or(-1), rows = 0, line_number = 0;
  std::string line;
  bool header_allowed = true;  // only the first non-blank line may be a header
  while (std::getline(in, line)) {
    ++line_number;
    if (trim(line).empty()) continue;
    const auto fields = split_fields(line);
    const std::string where = source + ":" + std::to_string(line_number);
    if (header_allowed) {
      header_allowed = false;
      bool all_text = true;
      for (auto f : fields) all_text = all_text && !f.empty() && !parse_number(f);
      if (all_text) continue;  // header
    }
    if (columns >= 0 && static_cast<std::int64_t>(fields.size()) != columns)
      throw ParseError(where + ": has " + std::to_string(fields.size()) + " values, expected " +
                       std::to_string(columns));
    columns = static_cast<std::int64_t>(fields.size());
    for (std::size_t c = 0; c < fields.size(); ++c) {
      const std::string at = where + ":" + std::to_string(c + 1);
      const auto value = parse_number(fields[c]);
      if (!value) throw ParseError(at + ": '" + std::string(fields[c]) + "' is not a number");
      if (!std::isfinite(*value)) throw ParseError(at + ": " + std::string(fields[c]) + " is not a finite number");
      values.push_back(*value);
    }
    line_numbers.push_back(line_number);
    ++rows;
  }
  if (in.bad()) throw Error(source + ": read error");
  if (rows == 0) throw ParseError(source + ": no data rows");
  CsvTable table{Eigen::MatrixXd(rows, columns), std::move(line_numbers)};
  for (std::int64_t r = 0; r < rows; ++r)
    for (std::int64_t c = 0; c < columns; ++c) table.values(r, c) = values[r * columns + c];
  return table;
}

Eigen::MatrixXd read_csv(std::istream& in, const std::string& source,
                         std::optional<std::int64_t> expected_columns) {
  return read_csv_table(in, source, expected_columns).values;
}

Eigen::MatrixXd read_csv(const std::string& path, std::optional<std::int64_t> expected_columns) {
  std::ifstream file(path);
  if (!file) throw Error(path + ": cannot open the file");
  return read_csv(file, path, expected_columns);
}

}  // namespace certnn::data
