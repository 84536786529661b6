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
Action register_verify(CLI::App& app);
Action register_attack(CLI::App& app);
Action register_radius(CLI::App& app);
Action register_stability(CLI::App& app);
Action register_data(CLI::App& app);
Action register_train(CLI::App& app);
Action register_evaluate(CLI::App& app);
Action register_weights(CLI::App& app);
Action register_serve(CLI::App& app);
Action register_guard(CLI::App& app);
Action register_methods(CLI::App& app);
Action register_report(CLI::App& app);
// The suite sets exit_status to 2 when an answer contradicts the expected one: the run itself
// succeeded, but scripts must be able to tell.
Action register_suite(CLI::App& app, int& exit_status);
// gradcheck sets exit_status to 1 when the gradients disagree beyond the tolerance, after
// printing its report.
Action register_gradcheck(CLI::App& app, int& exit_status);
// check sets exit_status to 3 when a check of the policy fails.
Action register_check(CLI::App& app, int& exit_status);

}  // namespace certnn::cli
