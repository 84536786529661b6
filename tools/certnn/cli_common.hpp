// Helpers shared by the subcommands: model loading and output formatting.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "certnn/core/shape.hpp"
#include "certnn/model/network.hpp"

namespace certnn::cli {

model::Network load_model(const std::string& path);

// Shortest decimal text that reads back to the same double.
std::string format_real(double value);

nlohmann::json shape_json(const Shape& shape);

}  // namespace certnn::cli
