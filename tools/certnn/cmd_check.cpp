// certnn check MODEL --policy POLICY.json [--data NAME|FILE] [--json] [--report DIR]: the
// deployment gate (report/gate.hpp). Every check the policy names is run and judged; exit 0 when
// all pass, 3 when any fails (the verdict table still goes to stdout), 1 on a user error.
#include <algorithm>
#include <iomanip>
#include <iostream>

#include "certnn/core/error.hpp"
#include "certnn/core/real_text.hpp"
#include "certnn/data/datasets.hpp"
#include "certnn/onnx/importer.hpp"
#include "certnn/report/gate.hpp"
#include "certnn/report/policy.hpp"
#include "cli_common.hpp"
#include "commands.hpp"
#include "interruption.hpp"
#include "progress.hpp"
#include "report_writer.hpp"

namespace certnn::cli {
namespace {

constexpr int kCheckFailedExitStatus = 3;

struct CheckCommandOptions {
  std::string model, policy, data, report;
  bool json = false;
};

std::string shown(std::optional<double> value) {
  if (!value) return "-";
  std::ostringstream text;
  text << std::setprecision(4) << *value;
  return text.str();
}

void run_check(const CheckCommandOptions& o, int& exit_status) {
  report::Policy policy = report::read_policy(o.policy);
  if (!o.data.empty()) policy.data = o.data;
  // A model with non-finite weights is opened only when the policy checks for them, to fail that
  // check; otherwise it is refused as by every other command.
  std::vector<std::string> non_finite;
  const model::Network network =
      policy.checks.finite_weights ? onnx::import_model(o.model, {.non_finite_tensors = &non_finite}) : load_model(o.model);
  std::optional<data::Split> split;
  if (!policy.data.empty()) split = data::load_split(policy.data, policy.test_fraction, policy.seed);
  std::optional<report::VegaScripts> scripts;
  if (!o.report.empty()) {
    if (!split) throw Error("check: --report needs the policy's \"data\" (or --data)");
    check_report_folder(o.report);
    scripts = report::read_vega_scripts(vega_folder());
  }

  const report::GateOutcome outcome = [&] {
    const StopOnSignal stop;
    ProgressLine line;
    report::GateOptions options;
    options.stop = stop.flag();
    options.progress = [&](const std::string& what) { line.update([&] { return "check: " + what; }); };
    return run_gate(network, non_finite, split ? &split->test : nullptr, policy, options);
  }();
  if (outcome.stopped) StopOnSignal::report("the checks not finished count as failed");

  if (o.json) {
    nlohmann::ordered_json checks = nlohmann::ordered_json::array();
    for (const auto& c : outcome.checks)
      checks.push_back({{"name", c.name},
                        {"value", number_or_null(c.value)},
                        {"threshold", c.threshold},
                        {"passed", c.passed},
                        {"detail", c.detail}});
    std::cout << nlohmann::ordered_json{{"model", o.model},
                                        {"policy", o.policy},
                                        {"data", policy.data.empty() ? nlohmann::ordered_json(nullptr)
                                                                     : nlohmann::ordered_json(policy.data)},
                                        {"passed", outcome.passed()},
                                        {"samples", outcome.samples},
                                        {"checks", checks},
                                        {"seconds", outcome.seconds}}
                     .dump()
              << "\n";
  } else {
    std::cout << std::left << std::setw(30) << "check" << std::setw(12) << "value" << std::setw(12) << "threshold"
              << std::setw(8) << "verdict" << "how\n";
    for (const auto& c : outcome.checks)
      std::cout << std::setw(30) << c.name << std::setw(12) << shown(c.value) << std::setw(12) << shown(c.threshold)
                << std::setw(8) << (c.passed ? "pass" : "FAIL") << c.detail << "\n";
    std::size_t failed = 0;
    for (const auto& c : outcome.checks) failed += c.passed ? 0 : 1;
    std::cout << (outcome.passed() ? "PASSED" : "FAILED") << ": " << outcome.checks.size() - failed << " of "
              << outcome.checks.size() << " checks passed (" << format_duration(outcome.seconds) << ")\n";
  }
  if (!outcome.passed()) exit_status = kCheckFailedExitStatus;
  if (scripts && !outcome.stopped && non_finite.empty()) {
    report::StabilityReportOptions options = report::default_report_options(false);
    options.method = policy.method;
    options.seed = policy.seed;
    options.steps = policy.steps;
    options.restarts = policy.restarts;
    if (policy.limit) options.samples = *policy.limit;
    // The policy's own radius is one of the accuracy curve's points.
    auto& curve = policy.norm == attack::Norm::L2 ? options.l2_eps : options.linf_eps;
    if (policy.eps && std::find(curve.begin(), curve.end(), *policy.eps) == curve.end()) {
      curve.push_back(*policy.eps);
      std::sort(curve.begin(), curve.end());
    }
    const WrittenReport written = write_report_folder(o.model, network, split->test, options, *scripts, o.report);
    if (!o.json) print_written(written, o.report);
  }
}

}  // namespace

Action register_check(CLI::App& app, int& exit_status) {
  auto o = std::make_shared<CheckCommandOptions>();
  auto* cmd = app.add_subcommand("check", "Deployment gate: judge a model against a policy's thresholds");
  cmd->footer(
      "POLICY.json: {\"data\": NAME|FILE, \"eps\": E, \"norm\": \"linf\"|\"l2\", \"method\": M, \"limit\": K, "
      "\"checks\": {\"finite_weights\": true, \"gradient_check\": true, \"max_condition_number\": X, "
      "\"max_lipschitz_upper\": X, \"min_clean_accuracy\": A, \"min_pgd_accuracy\": A, \"min_certified_accuracy\": A, "
      "\"min_median_certified_radius\": R}}; also radius_limit, test_fraction, seed, steps, restarts, "
      "gradient_tolerance. A check left out is not run; unknown keys are errors. Exit 0 when every check passes, "
      "3 when any fails, 1 on a user error.");
  cmd->add_option("model", o->model, "ONNX model file")->required();
  cmd->add_option("--policy", o->policy, "Policy JSON file")->required();
  cmd->add_option("--data", o->data, "Dataset the data checks run on, in place of the policy's \"data\"");
  cmd->add_option("--report", o->report, "Also write the stability report (certnn report) to this folder");
  cmd->add_flag("--json", o->json,
                "Print {\"passed\",\"samples\",\"checks\":[{\"name\",\"value\",\"threshold\",\"passed\",\"detail\"}],...}");
  return [o, &exit_status] { run_check(*o, exit_status); };
}

}  // namespace certnn::cli
