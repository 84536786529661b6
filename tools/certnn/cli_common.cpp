#include "cli_common.hpp"

#include <charconv>
#include <cmath>
#include <map>
#include <string>

#include "certnn/core/error.hpp"
#include "certnn/onnx/importer.hpp"

namespace certnn::cli {

model::Network load_model(const std::string& path) { return onnx::import_model(path); }

nlohmann::json shape_json(const Shape& shape) { return nlohmann::json(shape); }

nlohmann::json number_or_null(std::optional<double> value) {
  if (!value || !std::isfinite(*value)) return nullptr;
  return *value;
}

namespace {

CLI::Validator number_check(bool (*accept)(double), const std::string& requirement) {
  return CLI::Validator(
      [accept, requirement](std::string& text) -> std::string {
        double value = 0.0;
        const auto result = std::from_chars(text.data(), text.data() + text.size(), value);
        if (result.ec != std::errc() || result.ptr != text.data() + text.size() || !accept(value))
          return "'" + text + "' must be " + requirement;
        return "";
      },
      requirement);
}

}  // namespace

const CLI::Validator positive_number = number_check([](double v) { return v > 0.0 && std::isfinite(v); }, "a number > 0");
const CLI::Validator non_negative_number =
    number_check([](double v) { return v >= 0.0 && std::isfinite(v); }, "a number >= 0");

const CLI::Validator thread_count = CLI::Validator(
    [](std::string& text) -> std::string {
      int value = 0;
      const auto result = std::from_chars(text.data(), text.data() + text.size(), value);
      if (result.ec != std::errc() || result.ptr != text.data() + text.size() || value < 1 || value > kMaxThreads)
        return "'" + text + "' must be a whole number from 1 to " + std::to_string(kMaxThreads);
      return "";
    },
    "1.." + std::to_string(kMaxThreads));

CLI::Option* add_norm_option(CLI::App* command, std::string& norm, const std::string& description) {
  return command->add_option("--norm", norm, description + " (linf or l2; inf and 2 are read alike)")
      ->transform(CLI::Transformer(std::map<std::string, std::string>{{"inf", "linf"}, {"2", "l2"}}))
      ->check(CLI::IsMember({"linf", "l2"}))
      ->capture_default_str();
}

attack::Norm norm_named(const std::string& norm) { return norm == "l2" ? attack::Norm::L2 : attack::Norm::Linf; }

void refuse_given(const std::vector<const CLI::Option*>& options, const std::string& why) {
  for (const CLI::Option* option : options)
    if (option->count() > 0) throw Error(option->get_name() + " " + why);
}

}  // namespace certnn::cli
