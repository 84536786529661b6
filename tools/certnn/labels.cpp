#include "labels.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string_view>
#include <utility>

#include "certnn/attack/class_labels.hpp"
#include "certnn/attack/prediction.hpp"
#include "certnn/core/error.hpp"

namespace certnn::cli {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::optional<std::int64_t> parse_integer(std::string_view text) {
  if (text.size() > 1 && text.front() == '+') text.remove_prefix(1);
  std::int64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::vector<std::int64_t> read_label_file(const std::string& path, std::int64_t classes) {
  std::ifstream file(path);
  if (!file) throw Error("--label: cannot read the labels file '" + path + "'");
  std::vector<std::int64_t> labels;
  std::string line;
  bool header_allowed = true;
  for (std::int64_t number = 1; std::getline(file, line); ++number) {
    const std::string_view field = trim(line);
    if (field.empty()) continue;
    const std::string where = path + ":" + std::to_string(number) + ": ";
    // Only a first line without a single digit ("label") is a header; "1.5" or "7a" are mistakes.
    const bool has_digit = std::any_of(field.begin(), field.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
    if (std::exchange(header_allowed, false) && !has_digit) continue;
    if (field.find(',') != std::string_view::npos)
      throw Error(where + "expected one class per line, found '" + std::string(field) + "'");
    const auto label = parse_integer(field);
    if (!label) throw Error(where + "'" + std::string(field) + "' is not an integer class label");
    attack::check_class_label(*label, classes, where);
    labels.push_back(*label);
  }
  if (file.bad()) throw Error("--label: cannot read the labels file '" + path + "'");
  return labels;
}

}  // namespace

std::vector<std::int64_t> resolve_labels(const std::string& spec, const model::Network& network,
                                         const Eigen::MatrixXd& rows) {
  const std::int64_t classes = network.output_size();
  const auto count = static_cast<std::size_t>(rows.rows());
  if (spec == "pred") return attack::predict(network, rows.transpose());
  if (const auto label = parse_integer(spec)) {
    attack::check_class_label(*label, classes, "--label: ");
    return std::vector<std::int64_t>(count, *label);
  }
  std::error_code ignored;
  if (!std::filesystem::is_regular_file(spec, ignored))
    throw Error("--label: '" + spec + "' is not a class number, 'pred' or an existing file");
  std::vector<std::int64_t> labels = read_label_file(spec, classes);
  if (labels.size() != count)
    throw Error(spec + ": " + std::to_string(labels.size()) + " labels for " + std::to_string(count) + " input rows");
  return labels;
}

}  // namespace certnn::cli
