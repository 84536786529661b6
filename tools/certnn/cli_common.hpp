// Helpers shared by the subcommands: model loading and output formatting.
#pragma once

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "certnn/attack/options.hpp"
#include "certnn/core/real_text.hpp"
#include "certnn/core/shape.hpp"
#include "certnn/core/thread_limit.hpp"
#include "certnn/model/network.hpp"

namespace certnn::cli {

model::Network load_model(const std::string& path);

nlohmann::json shape_json(const Shape& shape);

// A number for JSON output, or null when there is none or it is not finite (JSON has no NaN or ∞).
nlohmann::json number_or_null(std::optional<double> value);

// Option checks with short messages ("must be a number > 0"); CLI11's own range checks print the
// whole double range.
extern const CLI::Validator positive_number;
extern const CLI::Validator non_negative_number;
// --threads: a whole number from 1 to kMaxThreads.
extern const CLI::Validator thread_count;

// --norm: "linf" or "l2", also spelled "inf" and "2"; the option holds the first spelling.
CLI::Option* add_norm_option(CLI::App* command, std::string& norm, const std::string& description);
attack::Norm norm_named(const std::string& norm);

// No option is silently ignored: throws certnn::Error naming the first of `options` the user gave
// ("--steps " + why) when they do not apply to the run as asked.
void refuse_given(const std::vector<const CLI::Option*>& options, const std::string& why);

}  // namespace certnn::cli
