// certnn stability MODEL [--input X.csv] [--eps E] [--threshold T] [--samples N] [--seed S]:
// per-layer spectral norms (estimate and rigorous upper bound) and condition numbers, the
// network's global L2 Lipschitz constant bounded above (rigorously) and below (by search), and
// with --input the local Lipschitz upper bound over the L∞ ball of radius eps around each row.
#include <chrono>
#include <cmath>
#include <iomanip>
#include <iostream>
#include <limits>
#include <sstream>

#include "certnn/bounds/box.hpp"
#include "certnn/core/error.hpp"
#include "certnn/data/csv.hpp"
#include "certnn/stability/layer_stability.hpp"
#include "certnn/stability/lipschitz_lower.hpp"
#include "certnn/stability/lipschitz_upper.hpp"
#include "certnn/stability/local_lipschitz.hpp"
#include "cli_common.hpp"
#include "commands.hpp"
#include "domain_option.hpp"

namespace certnn::cli {
namespace {

struct StabilityCommandOptions {
  std::string model, input, domain = "0,1";
  double eps = 0.01;  // radius of the L∞ balls of the local bound (and of the lower bound's sampling)
  double threshold = stability::StabilityOptions{}.ill_conditioned_threshold;
  std::int64_t samples = stability::LowerBoundOptions{}.samples;
  std::uint64_t seed = 0;
  bool json = false;
};

std::string warning_of(const stability::LayerStability& layer, double threshold) {
  if (!layer.condition_number) return "";
  if (std::isinf(*layer.condition_number)) return "singular";
  if (layer.ill_conditioned) return "ill-conditioned (>= " + format_real(threshold) + ")";
  return "";
}

void run_stability(const StabilityCommandOptions& o) {
  const auto start = std::chrono::steady_clock::now();
  const model::Network network = load_model(o.model);
  const std::optional<bounds::Domain> domain = parse_domain(o.domain);
  Eigen::MatrixXd rows;
  if (!o.input.empty()) {
    rows = data::read_csv(o.input, network.input_size());
    stability::check_local_lipschitz(network);  // refuse before any work
  }
  stability::StabilityOptions options;
  options.ill_conditioned_threshold = o.threshold;
  options.spectral.seed = o.seed;
  const auto layers = stability::layer_stabilities(network, options);
  const stability::LipschitzUpper upper = stability::lipschitz_upper(network, layers, options);

  // The lower bound samples around the rows when given, else over the domain's box.
  std::vector<bounds::Box> regions;
  for (Eigen::Index r = 0; r < rows.rows(); ++r) regions.push_back(bounds::linf_ball(rows.row(r).transpose(), o.eps, std::nullopt));
  if (regions.empty()) {
    if (!domain) throw Error("--domain none leaves nothing to sample: give a box LO,HI or --input rows");
    regions.push_back({Eigen::VectorXd::Constant(network.input_size(), domain->lower),
                       Eigen::VectorXd::Constant(network.input_size(), domain->upper)});
  }
  stability::LowerBoundOptions lower_options;
  lower_options.samples = o.samples;
  lower_options.seed = o.seed;
  const stability::LipschitzLower lower = stability::lipschitz_lower(network, regions, lower_options);
  const double gap = lower.value() > 0 ? upper.output / lower.value() : std::numeric_limits<double>::infinity();

  // Local bounds, capped by the global one (also an upper bound on any box).
  std::vector<double> local;
  for (Eigen::Index r = 0; r < rows.rows(); ++r)
    local.push_back(std::min(upper.output, stability::local_lipschitz_upper(network, regions[r], options.spectral)));
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  if (o.json) {
    nlohmann::json report;
    report["layers"] = nlohmann::json::array();
    for (const auto& layer : layers) {
      const std::string warning = warning_of(layer, o.threshold);
      report["layers"].push_back({{"name", layer.name},
                                  {"kind", std::string(layer.kind)},
                                  {"spectral_norm", layer.estimate},
                                  {"spectral_norm_upper", layer.upper},
                                  {"upper_method", std::string(layer.upper_method)},
                                  {"condition_number", number_or_null(layer.condition_number)},
                                  {"warning", warning.empty() ? nlohmann::json(nullptr) : nlohmann::json(warning)}});
    }
    report["lipschitz_upper"] = upper.output;
    report["lipschitz_lower"] = lower.value();
    report["gap"] = number_or_null(gap);
    report["jacobian_norm_max"] = lower.jacobian_norm;
    report["difference_quotient_max"] = lower.difference_quotient;
    report["tightened_chains"] = upper.tightened;
    if (rows.rows() > 0) {
      report["eps"] = o.eps;
      report["local_lipschitz_upper"] = local;
    }
    report["seconds"] = seconds;
    std::cout << report.dump() << "\n";
    return;
  }
  std::cout << std::left << std::setw(24) << "layer" << std::setw(20) << "kind" << std::setw(16) << "spectral norm"
            << std::setw(16) << "upper bound" << std::setw(11) << "method" << std::setw(14) << "condition"
            << "warning\n";
  for (const auto& layer : layers) {
    std::ostringstream condition;
    if (layer.condition_number) {
      condition << std::setprecision(4) << *layer.condition_number;
    } else {
      condition << "-";
    }
    std::cout << std::left << std::setw(24) << layer.name << std::setw(20) << layer.kind << std::setw(16)
              << std::setprecision(8) << layer.estimate << std::setw(16) << layer.upper << std::setw(11)
              << layer.upper_method << std::setw(14) << condition.str() << warning_of(layer, o.threshold) << "\n";
  }
  std::cout << std::setprecision(8) << "\nLipschitz constant (L2), upper bound: " << upper.output;
  if (upper.tightened > 0) std::cout << " (" << upper.tightened << " linear-activation-linear chains tightened)";
  std::cout << "\nLipschitz constant (L2), lower bound: " << lower.value() << " (max |J(x)|_2 " << lower.jacobian_norm
            << " over " << o.samples << " points; difference quotient " << lower.difference_quotient << ")\n"
            << "gap upper / lower: " << gap << "\n";
  if (rows.rows() > 0) {
    std::cout << "\nlocal Lipschitz upper bound over the L-inf ball of radius " << format_real(o.eps) << ":\n";
    for (std::size_t r = 0; r < local.size(); ++r) std::cout << "  row " << r << ": " << local[r] << "\n";
  }
  std::cout << std::setprecision(3) << "\nseconds: " << seconds << "\n";
}

}  // namespace

Action register_stability(CLI::App& app) {
  auto options = std::make_shared<StabilityCommandOptions>();
  auto* cmd = app.add_subcommand("stability", "Spectral norms, condition numbers and Lipschitz bounds");
  cmd->add_option("model", options->model, "ONNX model file")->required();
  auto* input = cmd->add_option("--input", options->input,
                                "CSV file, one flattened input per row: local bounds around each row, lower bound near them");
  cmd->add_option("--eps", options->eps, "L-inf radius of the local bounds around the rows (default 0.01)")
      ->check(non_negative_number)
      ->needs(input);
  cmd->add_option("--threshold", options->threshold, "Condition number from which a layer is flagged (default 1e6)")
      ->check(positive_number);
  cmd->add_option("--samples", options->samples, "Random points of the Lipschitz lower bound (default 64)")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{1000000}));
  cmd->add_option("--seed", options->seed, "Seed of the sampling and the power iterations");
  cmd->add_option("--domain", options->domain, "Input box LO,HI sampled without --input (default 0,1)");
  cmd->add_flag("--json", options->json, "Print one JSON object");
  return [options] { run_stability(*options); };
}

}  // namespace certnn::cli
