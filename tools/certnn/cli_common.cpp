#include "cli_common.hpp"

#include <charconv>
#include <cmath>
#include <string>

#include "certnn/onnx/importer.hpp"

namespace certnn::cli {

model::Network load_model(const std::string& path) { return onnx::import_model(path); }

std::string format_real(double value) {
  char buffer[64];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  return std::string(buffer, result.ptr);
}

nlohmann::json shape_json(const Shape& shape) { return nlohmann::json(shape); }

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

}  // namespace certnn::cli
