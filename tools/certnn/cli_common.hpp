// Helpers shared by the subcommands: model loading and output formatting.
#pragma once

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <string>

#include "certnn/core/shape.hpp"
#include "certnn/model/network.hpp"

namespace certnn::cli {

model::Network load_model(const std::string& path);

// Shortest decimal text that reads back to the same double.
std::string format_real(double value);

nlohmann::json shape_json(const Shape& shape);

// Option checks with short messages ("must be a number > 0"); CLI11's own range checks print the
// whole double range.
extern const CLI::Validator positive_number;
extern const CLI::Validator non_negative_number;

}  // namespace certnn::cli
