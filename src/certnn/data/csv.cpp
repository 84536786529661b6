#include "certnn/data/csv.hpp"

#include <cctype>
#include <charconv>
#include <cmath>
#include <fstream>
#include <string>
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

enum class FieldKind { Number, OutOfRange, Text };

struct Field {
  FieldKind kind = FieldKind::Text;
  double value = 0.0;
};

Field parse_field(std::string_view field) {
  if (field.size() > 1 && field.front() == '+' && field[1] != '-') field.remove_prefix(1);
  if (field.empty()) return {};
  double value = 0;
  const auto [end, error] = std::from_chars(field.data(), field.data() + field.size(), value);
  if (end != field.data() + field.size()) return {};
  if (error == std::errc::result_out_of_range) return {FieldKind::OutOfRange, 0.0};
  if (error != std::errc()) return {};
  return {FieldKind::Number, value};
}

// A header names columns: no field of it starts like a number ("x0", "pixel 3"), so a data row
// with an unreadable number ("1e400", "0.1;0.2") is reported as such, not skipped as a header.
bool is_name(std::string_view field) {
  if (field.empty()) return false;
  std::size_t i = 0;
  if (field[i] == '+' || field[i] == '-') ++i;
  if (i < field.size() && field[i] == '.') ++i;
  return !(i < field.size() && std::isdigit(static_cast<unsigned char>(field[i])));
}

// Rows separated by semicolons, tabs or bars read as one unreadable field: say what is expected.
std::string separator_hint(std::string_view text) {
  return text.find_first_of(";\t|") != std::string_view::npos ? " (fields must be separated by commas)" : "";
}

}  // namespace

CsvTable read_csv_table(std::istream& in, const std::string& source,
                        std::optional<std::int64_t> expected_columns) {
  std::vector<double> values;
  std::vector<std::int64_t> line_numbers;
  std::int64_t columns = expected_columns.value_or(-1), rows = 0, line_number = 0;
  std::string line;
  bool header_allowed = true;  // only the first non-blank line may be a header
  bool header_skipped = false;
  while (std::getline(in, line)) {
    ++line_number;
    // Spreadsheets write a UTF-8 byte order mark before the first field.
    if (line_number == 1 && line.starts_with("\xEF\xBB\xBF")) line.erase(0, 3);
    if (trim(line).empty()) continue;
    const auto fields = split_fields(line);
    const std::string where = source + ":" + std::to_string(line_number);
    if (header_allowed) {
      header_allowed = false;
      bool names = true;
      for (auto f : fields) names = names && is_name(f) && parse_field(f).kind == FieldKind::Text;
      if (names) {
        header_skipped = true;
        continue;
      }
    }
    if (columns >= 0 && static_cast<std::int64_t>(fields.size()) != columns)
      throw ParseError(where + ": has " + std::to_string(fields.size()) + " values, expected " +
                       std::to_string(columns) + separator_hint(line));
    columns = static_cast<std::int64_t>(fields.size());
    for (std::size_t c = 0; c < fields.size(); ++c) {
      const std::string at = where + ":" + std::to_string(c + 1);
      const std::string text(fields[c]);
      const Field field = parse_field(fields[c]);
      if (field.kind == FieldKind::OutOfRange) throw ParseError(at + ": " + text + " is outside the range of a double");
      if (field.kind == FieldKind::Text) throw ParseError(at + ": '" + text + "' is not a number" + separator_hint(text));
      if (!std::isfinite(field.value)) throw ParseError(at + ": " + text + " is not a finite number");
      values.push_back(field.value);
    }
    line_numbers.push_back(line_number);
    ++rows;
  }
  if (in.bad()) throw Error(source + ": read error");
  if (rows == 0) throw ParseError(source + (header_skipped ? ": no data rows after the header line" : ": no data rows"));
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
