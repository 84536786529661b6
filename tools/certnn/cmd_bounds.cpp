// certnn bounds MODEL --input X.csv --eps E [--method M,...]: output bounds over L∞ balls.
#include <chrono>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "certnn/bounds/method.hpp"
#include "certnn/core/error.hpp"
#include "certnn/data/csv.hpp"
#include "cli_common.hpp"
#include "commands.hpp"

namespace certnn::cli {
namespace {

struct BoundsOptions {
  std::string model, input, methods = "ibp,sample", domain = "0,1";
  double eps = 0.0;
  std::int64_t samples = 1000;
  std::uint64_t seed = 0;
  bool json = false;
};

std::optional<bounds::Domain> parse_domain(const std::string& text) {
  if (text == "none") return std::nullopt;
  std::istringstream in(text);
  bounds::Domain domain;
  char comma = 0;
  if (!(in >> domain.lower >> comma >> domain.upper) || comma != ',' || !in.eof() || !(domain.lower <= domain.upper))
    throw Error("--domain expects LO,HI with LO <= HI, or none; got '" + text + "'");
  return domain;
}

std::vector<std::string> split_methods(const std::string& text) {
  std::vector<std::string> names;
  std::istringstream in(text);
  for (std::string name; std::getline(in, name, ',');)
    if (!name.empty()) names.push_back(name);
  if (names.empty()) throw Error("--method names no method");
  return names;
}

nlohmann::json to_json(const Eigen::VectorXd& v) { return std::vector<double>(v.data(), v.data() + v.size()); }

void run_bounds(const BoundsOptions& options) {
  const model::Network network = load_model(options.model);
  const Eigen::MatrixXd rows = data::read_csv(options.input, network.input_size());
  const auto domain = parse_domain(options.domain);
  std::vector<std::unique_ptr<bounds::Method>> methods;
  for (const auto& name : split_methods(options.methods)) {
    methods.push_back(bounds::make_method(name));
    methods.back()->check(network);
  }
  const bounds::Options method_options{options.samples, options.seed};

  nlohmann::json report = {{"inputs", nlohmann::json::array()}};
  for (Eigen::Index row = 0; row < rows.rows(); ++row) {
    const bounds::Box box = bounds::linf_ball(rows.row(row).transpose(), options.eps, domain);
    nlohmann::json per_method = nlohmann::json::object();
    std::vector<std::pair<std::string, bounds::Result>> results;
    std::vector<double> seconds;
    for (const auto& method : methods) {
      const auto start = std::chrono::steady_clock::now();
      results.emplace_back(std::string(method->name()), method->propagate(network, box, method_options));
      seconds.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
      const auto& out = results.back().second.output;
      per_method[results.back().first] = {{"lower", to_json(out.lower)}, {"upper", to_json(out.upper)},
                                          {"seconds", seconds.back()}, {"sound", results.back().second.sound}};
    }
    if (options.json) {
      report["inputs"].push_back({{"index", row}, {"methods", per_method}});
      continue;
    }
    const bounds::Result* sampled = nullptr;
    for (const auto& [name, result] : results)
      if (name == "sample") sampled = &result;
    std::cout << "input " << row << " (eps " << options.eps << ")\n"
              << "  " << std::left << std::setw(12) << "method" << std::setw(14) << "mean width" << std::setw(14)
              << "max width" << std::setw(16) << "width / sample" << "seconds\n";
    for (std::size_t m = 0; m < results.size(); ++m) {
      const Eigen::VectorXd width = results[m].second.output.width();
      std::cout << "  " << std::left << std::setw(12) << results[m].first << std::setw(14) << width.mean()
                << std::setw(14) << width.maxCoeff() << std::setw(16);
      if (sampled) {
        std::cout << width.mean() / sampled->output.width().mean();
      } else {
        std::cout << "-";
      }
      std::cout << std::setprecision(3) << seconds[m] << std::setprecision(6) << "\n";
    }
  }
  if (options.json) std::cout << report.dump() << "\n";
}

}  // namespace

Action register_bounds(CLI::App& app) {
  auto options = std::make_shared<BoundsOptions>();
  auto* cmd = app.add_subcommand("bounds", "Bound a model's outputs over L-infinity balls around inputs");
  cmd->add_option("model", options->model, "ONNX model file")->required();
  cmd->add_option("--input", options->input, "CSV file, one flattened input (ball centre) per row")->required();
  cmd->add_option("--eps", options->eps, "Radius of the L-infinity ball")->required();
  cmd->add_option("--method", options->methods, "Comma-separated bound methods (ibp, sample)")
      ->capture_default_str();
  cmd->add_option("--domain", options->domain, "Input domain LO,HI the ball is clipped to, or none")
      ->capture_default_str();
  cmd->add_option("--samples", options->samples, "Random points for the sample method")->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--seed", options->seed, "Seed of the sample method")->capture_default_str();
  cmd->add_flag("--json", options->json, "Print {\"inputs\":[{\"index\":0,\"methods\":{...}}]}");
  return [options] { run_bounds(*options); };
}

}  // namespace certnn::cli
