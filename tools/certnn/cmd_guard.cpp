// certnn guard fit MODEL --data NAME|FILE --out GUARD.json [--rate R]: fits the two-scale guard
// of certnn serve --guard (serve/guard.hpp) on a dataset's training split.
// certnn guard check MODEL --guard GUARD.json --input X.csv: which rows the guard flags, and why.
#include <iomanip>
#include <iostream>

#include "certnn/core/error.hpp"
#include "certnn/core/output_file.hpp"
#include "certnn/core/text_file.hpp"
#include "certnn/data/csv.hpp"
#include "certnn/data/datasets.hpp"
#include "certnn/serve/guard.hpp"
#include "cli_common.hpp"
#include "commands.hpp"

namespace certnn::cli {
namespace {

struct GuardOptions {
  std::string model, data, out, guard, input;
  double rate = 0.05, heldout = 0.2;
  std::uint64_t seed = 0;
  bool json = false;
};

void run_fit(const GuardOptions& o) {
  const model::Network network = load_model(o.model);
  const data::Split split = data::load_split(o.data, data::kDefaultTestFraction, o.seed);
  if (split.train.inputs.rows() != network.input_size())
    throw Error(o.data + ": samples have " + std::to_string(split.train.inputs.rows()) + " elements; " + o.model +
                " takes " + std::to_string(network.input_size()));
  serve::GuardFitOptions options;
  options.false_alarm_rate = o.rate;
  options.heldout_fraction = o.heldout;
  options.seed = o.seed;
  const serve::Guard guard = serve::fit_guard(network, split.train.inputs, options);
  // The test split was not used for fitting: its flagged fraction is the rate to expect in service.
  const auto verdicts = serve::assess(guard, network, split.test.inputs);
  std::int64_t flagged = 0;
  for (const auto& verdict : verdicts) flagged += verdict.reasons.empty() ? 0 : 1;
  const double test_flagged = static_cast<double>(flagged) / static_cast<double>(verdicts.size());
  write_file_atomically(o.out, serve::guard_json(guard));
  if (o.json) {
    std::cout << nlohmann::json{{"out", o.out},
                                {"layer", guard.layer_name},
                                {"false_alarm_rate", guard.false_alarm_rate},
                                {"fit_samples", guard.fit_samples},
                                {"heldout_samples", guard.heldout_samples},
                                {"heldout_flagged", guard.heldout_flagged},
                                {"test_samples", verdicts.size()},
                                {"test_flagged", test_flagged},
                                {"range_threshold", guard.range_threshold},
                                {"distance_threshold", guard.distance_threshold}}
                     .dump()
              << "\n";
    return;
  }
  std::cout << "guard of " << o.model << " on " << o.data << " written to " << o.out << "\n"
            << "  fitted on " << guard.fit_samples << " training samples, thresholds from " << guard.heldout_samples
            << " held back\n"
            << "  input scale: excess beyond the training range > " << format_real(guard.range_threshold) << "\n"
            << "  hidden scale: Mahalanobis distance at '" << guard.layer_name << "' > "
            << format_real(guard.distance_threshold) << "\n"
            << "  flagged: " << format_real(100.0 * guard.heldout_flagged) << "% of held-back, "
            << format_real(100.0 * test_flagged) << "% of the " << verdicts.size() << " test samples (target "
            << format_real(100.0 * guard.false_alarm_rate) << "%)\n";
}

void run_check(const GuardOptions& o) {
  const model::Network network = load_model(o.model);
  const serve::Guard guard = serve::parse_guard(read_text_file(o.guard), network, o.guard);
  const Eigen::MatrixXd rows = data::read_csv(o.input, network.input_size());
  if (rows.rows() == 0) throw Error(o.input + ": no input rows");
  const auto verdicts = serve::assess(guard, network, rows.transpose());
  nlohmann::json results = nlohmann::json::array();
  if (!o.json) std::cout << std::left << std::setw(8) << "input" << std::setw(10) << "flagged" << "reasons\n";
  for (std::size_t r = 0; r < verdicts.size(); ++r) {
    const auto& v = verdicts[r];
    if (o.json) {
      results.push_back({{"index", r},
                         {"flagged", !v.reasons.empty()},
                         {"reasons", v.reasons},
                         {"range_excess", v.range_excess},
                         {"distance", v.distance}});
      continue;
    }
    std::string reasons;
    for (const auto& reason : v.reasons) reasons += (reasons.empty() ? "" : ", ") + reason;
    std::cout << std::left << std::setw(8) << r << std::setw(10) << (v.reasons.empty() ? "no" : "yes") << reasons
              << "\n";
  }
  if (o.json) std::cout << nlohmann::json{{"results", results}}.dump() << "\n";
}

}  // namespace

Action register_guard(CLI::App& app) {
  auto o = std::make_shared<GuardOptions>();
  auto* cmd = app.add_subcommand("guard", "Fit or apply the out-of-distribution guard of certnn serve --guard");
  cmd->require_subcommand(1);
  auto* fit = cmd->add_subcommand("fit", "Fit the guard on a dataset's training split");
  fit->footer(
      "Per-feature ranges and the mean and covariance of the activations feeding the output layer come from "
      "the training split less a held-back part; each score's threshold flags rate/2 of the held-back samples.");
  fit->add_option("model", o->model, "ONNX model file")->required();
  fit->add_option("--data", o->data, "Dataset name (see certnn data) or labelled CSV file")->required();
  fit->add_option("--out", o->out, "Guard file to write (JSON)")->required();
  fit->add_option("--rate", o->rate, "False-alarm rate on data like the training data, in (0, 1)")
      ->check(CLI::Range(1e-6, 0.5))
      ->capture_default_str();
  fit->add_option("--heldout", o->heldout, "Fraction of the training split held back for the thresholds")
      ->check(CLI::Range(0.05, 0.95))
      ->capture_default_str();
  fit->add_option("--seed", o->seed, "Seed of the splits")->capture_default_str();
  fit->add_flag("--json", o->json, "Print the summary as JSON");
  auto* check = cmd->add_subcommand("check", "Score CSV rows with a fitted guard");
  check->add_option("model", o->model, "ONNX model file")->required();
  check->add_option("--guard", o->guard, "Guard file from certnn guard fit")->required();
  check->add_option("--input", o->input, "CSV file, one flattened input per row")->required();
  check->add_flag("--json", o->json, "Print {\"results\":[{\"index\",\"flagged\",\"reasons\",...}]}");
  return [o, fit] {
    if (fit->parsed()) run_fit(*o);
    else run_check(*o);
  };
}

}  // namespace certnn::cli
