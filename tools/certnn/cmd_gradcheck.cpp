// certnn gradcheck MODEL --input X.csv: the analytic gradients against central finite differences
// in float64, per layer and through the whole network, at every input row. A disagreement beyond
// the tolerance is a finding about the library, not a user error: the report still goes to
// stdout, one line "certnn: gradcheck failed: ..." to stderr, and the exit status is 1.
#include <iomanip>
#include <iostream>
#include <sstream>

#include "certnn/data/csv.hpp"
#include "certnn/stability/gradient_check.hpp"
#include "cli_common.hpp"
#include "commands.hpp"

namespace certnn::cli {
namespace {

constexpr int kGradientsDisagreeExitStatus = 1;

struct GradcheckOptions {
  std::string model;
  std::string input;
  double tolerance = stability::GradientCheckOptions{}.tolerance;
  std::int64_t max_entries = stability::GradientCheckOptions{}.max_entries;
  std::uint64_t seed = 0;
  bool json = false;
};

std::string format_error(double error) {
  std::ostringstream text;
  text << std::setprecision(2) << std::scientific << error;
  return text.str();
}

nlohmann::json entry_json(const stability::GradientCheckEntry& entry) {
  return {{"max_relative_error", entry.max_relative_error}, {"compared", entry.compared}, {"skipped", entry.skipped}};
}

// "layer 'conv1' (Conv) has relative error 3.2e-01" or "the whole network has ...".
std::string describe_worst(const stability::GradientCheckReport& report) {
  const stability::GradientCheckEntry& worst = report.worst();
  const std::string what = &worst == &report.total ? "the whole network"
                                                   : "layer '" + worst.name + "' (" + worst.kind + ")";
  return what + " has relative error " + format_error(worst.max_relative_error) + ", tolerance " +
         format_error(report.tolerance);
}

void print_json(const stability::GradientCheckReport& report) {
  nlohmann::json layers = nlohmann::json::array();
  for (const stability::GradientCheckEntry& layer : report.layers) {
    nlohmann::json row = {{"name", layer.name}, {"kind", layer.kind}};
    row.update(entry_json(layer));
    layers.push_back(std::move(row));
  }
  std::cout << nlohmann::json{{"max_relative_error", report.max_relative_error()},
                              {"tolerance", report.tolerance},
                              {"passed", report.passed()},
                              {"layers", layers},
                              {"total", entry_json(report.total)}}
                   .dump()
            << "\n";
}

void print_text(const stability::GradientCheckReport& report) {
  std::cout << std::left << std::setw(28) << "layer" << std::setw(20) << "kind" << std::setw(16) << "relative error"
            << std::setw(10) << "compared" << "skipped (kinks)\n";
  const auto print_row = [](const std::string& name, const std::string& kind, const stability::GradientCheckEntry& e) {
    std::cout << std::left << std::setw(28) << name << std::setw(20) << kind << std::setw(16)
              << format_error(e.max_relative_error) << std::setw(10) << e.compared << e.skipped << "\n";
  };
  for (const stability::GradientCheckEntry& layer : report.layers) print_row(layer.name, layer.kind, layer);
  print_row("(whole network)", "", report.total);
  if (report.passed()) {
    std::cout << "gradcheck: passed (max relative error " << format_error(report.max_relative_error())
              << ", tolerance " << format_error(report.tolerance) << ")\n";
  } else {
    std::cout << "gradcheck: FAILED: " << describe_worst(report) << "\n";
  }
}

void run_gradcheck(const GradcheckOptions& options, int& exit_status) {
  const model::Network network = load_model(options.model);
  const Eigen::MatrixXd rows = data::read_csv(options.input, network.input_size());
  stability::GradientCheckOptions check;
  check.tolerance = options.tolerance;
  check.max_entries = options.max_entries;
  check.seed = options.seed;
  const stability::GradientCheckReport report = stability::check_gradients(network, rows.transpose(), check);
  if (options.json) {
    print_json(report);
  } else {
    print_text(report);
  }
  if (!report.passed()) {
    std::cout.flush();
    std::cerr << "certnn: gradcheck failed: " << describe_worst(report) << "\n";
    exit_status = kGradientsDisagreeExitStatus;
  }
}

}  // namespace

Action register_gradcheck(CLI::App& app, int& exit_status) {
  auto options = std::make_shared<GradcheckOptions>();
  auto* cmd = app.add_subcommand(
      "gradcheck",
      "Compare the analytic gradients with central finite differences in float64, per layer and\n"
      "through the whole network, at every input row. Differences that straddle a kink (Relu at 0,\n"
      "a max-pool tie) are skipped and counted. Exit status 1 when an error exceeds the tolerance.");
  cmd->add_option("model", options->model, "ONNX model file")->required();
  cmd->add_option("--input", options->input, "CSV file, one flattened input per row")->required();
  cmd->add_option("--tolerance", options->tolerance,
                  "Largest relative error |a - f| / max(|a|, |f|, 1) accepted")
      ->check(positive_number)
      ->capture_default_str();
  cmd->add_option("--max-entries", options->max_entries,
                  "Entries compared per layer input, per layer's parameters and for the whole network "
                  "(a random sample beyond this)")
      ->check(positive_number)
      ->capture_default_str();
  cmd->add_option("--seed", options->seed, "Seed of the random cotangents and samples")
      ->check(non_negative_number)  // CLI11 alone would wrap -1 around to 2^64 - 1
      ->capture_default_str();
  cmd->add_flag("--json", options->json,
                "Print {\"max_relative_error\",\"tolerance\",\"passed\",\"layers\":[{\"name\",\"kind\","
                "\"max_relative_error\",\"compared\",\"skipped\"}],\"total\":{...}}");
  return [options, &exit_status] { run_gradcheck(*options, exit_status); };
}

}  // namespace certnn::cli
