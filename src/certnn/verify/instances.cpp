#include "certnn/verify/instances.hpp"

#include <charconv>
#include <cmath>
#include <filesystem>

#include "certnn/core/error.hpp"
#include "certnn/core/text_file.hpp"

namespace certnn::verify {
namespace {

struct Row {
  int line = 0;
  std::vector<std::string> fields;
};

std::string_view trim(std::string_view text) {
  const auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; };
  while (!text.empty() && blank(text.front())) text.remove_prefix(1);
  while (!text.empty() && blank(text.back())) text.remove_suffix(1);
  return text;
}

// The non-blank lines split at commas, each field trimmed.
std::vector<Row> read_rows(std::string_view text) {
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);  // a UTF-8 byte-order mark
  std::vector<Row> rows;
  int line = 0;
  for (std::size_t start = 0; start <= text.size();) {
    ++line;
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view content = trim(text.substr(start, end - start));
    if (!content.empty()) {
      Row row{line, {}};
      for (std::size_t from = 0;;) {
        const std::size_t comma = content.find(',', from);
        row.fields.emplace_back(trim(content.substr(from, comma == std::string_view::npos ? comma : comma - from)));
        if (comma == std::string_view::npos) break;
        from = comma + 1;
      }
      rows.push_back(std::move(row));
    }
    start = end + 1;
  }
  return rows;
}

[[noreturn]] void fail(const std::string& source, int line, const std::string& message) {
  throw ParseError(source + ":" + std::to_string(line) + ": " + message);
}

void check_columns(const std::string& source, const Row& row, const char* names) {
  if (row.fields.size() != 3)
    fail(source, row.line,
         "expected 3 comma-separated fields " + std::string(names) + ", found " + std::to_string(row.fields.size()));
  if (row.fields[0].empty()) fail(source, row.line, "the onnx path is empty");
  if (row.fields[1].empty()) fail(source, row.line, "the vnnlib path is empty");
}

double parse_timeout(const std::string& source, int line, const std::string& text) {
  double value = 0;
  const auto parsed = std::from_chars(text.data(), text.data() + text.size(), value);
  if (parsed.ec != std::errc() || parsed.ptr != text.data() + text.size() || std::isnan(value))
    fail(source, line, "timeout '" + text + "' is not a number");
  if (!(value > 0) || !std::isfinite(value))
    fail(source, line, "timeout '" + text + "' is not a positive finite number of seconds");
  return value;
}

}  // namespace

std::vector<Instance> parse_instances(std::string_view text, const std::string& source) {
  std::vector<Instance> instances;
  for (const Row& row : read_rows(text)) {
    check_columns(source, row, "onnx,vnnlib,timeout");
    instances.push_back({row.fields[0], row.fields[1], parse_timeout(source, row.line, row.fields[2]), row.line});
  }
  if (instances.empty()) throw ParseError(source + ": no instances (expected rows onnx,vnnlib,timeout)");
  return instances;
}

std::vector<Instance> read_instances(const std::string& path) { return parse_instances(read_text_file(path), path); }

std::string instance_path(const std::string& root, const std::string& path) {
  const std::filesystem::path file(path);
  if (file.is_absolute()) return path;
  return (std::filesystem::path(root) / file).string();
}

ExpectedAnswers parse_expected(std::string_view text, const std::string& source) {
  ExpectedAnswers answers;
  std::map<InstanceKey, int> first_line;
  const std::vector<Row> rows = read_rows(text);
  for (std::size_t r = 0; r < rows.size(); ++r) {
    const Row& row = rows[r];
    if (r == 0 && row.fields == std::vector<std::string>{"onnx", "vnnlib", "expected"}) continue;
    check_columns(source, row, "onnx,vnnlib,expected");
    const std::string& answer = row.fields[2];
    if (answer != "sat" && answer != "unsat")
      fail(source, row.line, "expected answer '" + answer + "' is neither sat nor unsat");
    InstanceKey key{row.fields[0], row.fields[1]};
    if (const auto seen = first_line.find(key); seen != first_line.end())
      fail(source, row.line,
           "a second answer for " + key.onnx + " " + key.vnnlib + " (first on line " + std::to_string(seen->second) + ")");
    first_line.emplace(key, row.line);
    answers.emplace(std::move(key), answer == "sat" ? Verdict::Sat : Verdict::Unsat);
  }
  return answers;
}

ExpectedAnswers read_expected(const std::string& path) { return parse_expected(read_text_file(path), path); }

}  // namespace certnn::verify
