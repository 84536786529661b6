// The certnn subcommands: each cmd_<name>.cpp registers one on the application and returns the
// action to run when it was chosen.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

namespace certnn::cli {

using Action = std::function<void()>;

Action register_info(CLI::App& app);
Action register_eval(CLI::App& app);
Action register_bounds(CLI::App& app);

}  // namespace certnn::cli
