#include "cli_common.hpp"

#include <charconv>

#include "certnn/onnx/importer.hpp"

namespace certnn::cli {

model::Network load_model(const std::string& path) { return onnx::import_model(path); }

std::string format_real(double value) {
  char buffer[64];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  return std::string(buffer, result.ptr);
}

nlohmann::json shape_json(const Shape& shape) { return nlohmann::json(shape); }

}  // namespace certnn::cli
