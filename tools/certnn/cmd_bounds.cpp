// certnn bounds MODEL (--input X.csv (--eps E | --mask FRAC) | --box B.csv | --vnnlib P) [--method M,...]:
// output bounds of each method over each input set, and the seed paper's ε sweep (--sweep), which
// Ctrl-C or SIGTERM ends after the rows it finished.
#include <chrono>
#include <cmath>
#include <iomanip>
#include <iostream>
#include <map>
#include <sstream>

#include "certnn/bounds/method.hpp"
#include "certnn/bounds/width_sweep.hpp"
#include "certnn/core/error.hpp"
#include "certnn/data/csv.hpp"
#include "certnn/spec/vnnlib.hpp"
#include "cli_common.hpp"
#include "commands.hpp"
#include "domain_option.hpp"
#include "interruption.hpp"
#include "progress.hpp"

namespace certnn::cli {
namespace {

struct BoundsOptions {
  std::string model, input, box, vnnlib, methods = "ibp,sample", domain = "0,1", sweep;
  std::optional<double> eps, mask;
  std::string inference = "exact", relu_slope = "minimal-area", strategy = "qr-pivoted";
  std::int64_t samples = 1000, max_symbols = 20000, max_width = 1024;
  std::uint64_t seed = 0;
  bool json = false;
};

constexpr int kSweepPoints = 20;

std::pair<double, double> parse_sweep(const std::string& text) {
  std::istringstream in(text);
  double lo = 0, hi = 0;
  char comma = 0;
  if (!(in >> lo >> comma >> hi) || comma != ',' || !in.eof() || !(0 < lo && lo <= hi) || !std::isfinite(hi))
    throw Error("--sweep expects EPS_MIN,EPS_MAX with 0 < EPS_MIN <= EPS_MAX; got '" + text + "'");
  return {lo, hi};
}

std::vector<std::string> split_methods(const std::string& text) {
  std::vector<std::string> names;
  std::istringstream in(text);
  for (std::string name; std::getline(in, name, ',');)
    if (!name.empty()) names.push_back(name);
  if (names.empty()) throw Error("--method names no method");
  return names;
}

bounds::Options method_options(const BoundsOptions& o) {
  bounds::Options options;
  options.samples = o.samples;
  options.seed = o.seed;
  options.inference = o.inference == "float32" ? bounds::Inference::Float32 : bounds::Inference::Exact;
  options.relu_slope = o.relu_slope == "smoothed" ? bounds::relax::ReluSlope::Smoothed
                                                  : bounds::relax::ReluSlope::MinimalArea;
  options.max_noise_symbols = o.max_symbols;
  options.doubleton_strategy = o.strategy == "identity" ? bounds::DoubletonStrategy::Identity
                               : o.strategy == "qr"     ? bounds::DoubletonStrategy::Qr
                                                        : bounds::DoubletonStrategy::QrPivoted;
  options.doubleton_max_width = o.max_width;
  return options;
}

// The L∞ balls of radius eps around the rows, clipped to the domain.
std::vector<bounds::Box> balls(const Eigen::MatrixXd& rows, double eps, const std::optional<bounds::Domain>& domain) {
  std::vector<bounds::Box> sets;
  for (Eigen::Index row = 0; row < rows.rows(); ++row) sets.push_back(bounds::linf_ball(rows.row(row).transpose(), eps, domain));
  return sets;
}

// The input sets: one per CSV row (ball or masked set) or one per distinct box of a VNN-LIB file.
std::vector<bounds::Box> input_sets(const BoundsOptions& o, const model::Network& network, double eps) {
  std::vector<bounds::Box> sets;
  if (!o.vnnlib.empty()) {
    const spec::Property property = spec::read_vnnlib(o.vnnlib);
    if (property.input_count != network.input_size())
      throw ShapeError(o.vnnlib + ": declares " + std::to_string(property.input_count) + " inputs, the model has " +
                       std::to_string(network.input_size()));
    for (const spec::Disjunct& d : property.disjuncts) {
      const bool seen = std::any_of(sets.begin(), sets.end(), [&](const bounds::Box& b) {
        return b.lower == d.input_lower && b.upper == d.input_upper;
      });
      if (!seen) sets.push_back({d.input_lower, d.input_upper});
    }
    return sets;
  }
  if (!o.box.empty()) {
    // Rows in pairs: the lower ends of a box, then its upper ends.
    const Eigen::MatrixXd rows = data::read_csv(o.box, network.input_size());
    if (rows.rows() % 2 != 0)
      throw Error(o.box + ": expected pairs of rows (lower, upper), found " + std::to_string(rows.rows()) + " rows");
    for (Eigen::Index row = 0; row < rows.rows(); row += 2) {
      bounds::Box box{rows.row(row).transpose(), rows.row(row + 1).transpose()};
      for (Eigen::Index i = 0; i < box.size(); ++i)
        if (!(box.lower[i] <= box.upper[i]))
          throw Error(o.box + ":" + std::to_string(row + 2) + ": upper end " + std::to_string(i) +
                      " lies below the lower end of the row before");
      sets.push_back(std::move(box));
    }
    return sets;
  }
  const Eigen::MatrixXd rows = data::read_csv(o.input, network.input_size());
  const auto domain = parse_domain(o.domain);
  if (!o.mask) return balls(rows, eps, domain);
  if (!domain) throw Error("--mask needs a bounded --domain");
  for (Eigen::Index row = 0; row < rows.rows(); ++row)
    sets.push_back(bounds::masked_set(rows.row(row).transpose(), *o.mask, *domain, o.seed + row));
  return sets;
}

struct Timed {
  bounds::Result result;
  double seconds = 0;
};

Timed run_method(const bounds::Method& method, const model::Network& network, const bounds::Box& box,
                 const bounds::Options& options) {
  const auto start = std::chrono::steady_clock::now();
  bounds::Result result = method.propagate(network, box, options);
  return {std::move(result), std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count()};
}

nlohmann::json to_json(const Eigen::VectorXd& v) { return std::vector<double>(v.data(), v.data() + v.size()); }

void print_table(std::size_t index, const std::string& set, const std::vector<std::string>& names,
                 const std::vector<Timed>& runs) {
  const Timed* sampled = nullptr;
  for (std::size_t m = 0; m < names.size(); ++m)
    if (names[m] == "sample") sampled = &runs[m];
  std::cout << "input " << index << " (" << set << ")\n"
            << "  " << std::left << std::setw(12) << "method" << std::setw(14) << "mean width" << std::setw(14)
            << "max width" << std::setw(16) << "width / sample" << "seconds\n";
  for (std::size_t m = 0; m < names.size(); ++m) {
    const Eigen::VectorXd width = runs[m].result.output.width();
    std::cout << "  " << std::left << std::setw(12) << names[m] << std::setw(14) << width.mean() << std::setw(14)
              << width.maxCoeff() << std::setw(16);
    if (sampled) {
      std::cout << width.mean() / sampled->result.output.width().mean();
    } else {
      std::cout << "-";
    }
    std::cout << std::setprecision(3) << runs[m].seconds << std::setprecision(6) << "\n";
  }
}

std::string describe_set(const BoundsOptions& o, double eps) {
  if (!o.vnnlib.empty()) return "box from " + o.vnnlib;
  if (!o.box.empty()) return "box from " + o.box;
  if (o.mask) return "mask " + format_real(*o.mask);
  return "eps " + format_real(eps);
}

void run_bounds(const BoundsOptions& o, const model::Network& network,
                const std::vector<std::unique_ptr<bounds::Method>>& methods) {
  const double eps = o.eps.value_or(0.0);
  const bounds::Options options = method_options(o);
  std::vector<std::string> names;
  for (const auto& m : methods) names.emplace_back(m->name());
  nlohmann::json report = {{"inputs", nlohmann::json::array()}};
  const std::vector<bounds::Box> sets = input_sets(o, network, eps);
  for (std::size_t index = 0; index < sets.size(); ++index) {
    std::vector<Timed> runs;
    nlohmann::json per_method = nlohmann::json::object();
    for (std::size_t m = 0; m < methods.size(); ++m) {
      runs.push_back(run_method(*methods[m], network, sets[index], options));
      const bounds::Box& out = runs.back().result.output;
      per_method[names[m]] = {{"lower", to_json(out.lower)}, {"upper", to_json(out.upper)},
                              {"seconds", runs.back().seconds}, {"sound", runs.back().result.sound}};
    }
    if (o.json) {
      report["inputs"].push_back({{"index", index}, {"methods", per_method}});
    } else {
      print_table(index, describe_set(o, eps), names, runs);
    }
  }
  if (o.json) std::cout << report.dump() << "\n";
}

// The seed paper's experiment (bounds/width_sweep.hpp), one row printed as each ε is done.
void run_sweep(const BoundsOptions& o, const model::Network& logits,
               const std::vector<std::unique_ptr<bounds::Method>>& methods) {
  const auto [eps_min, eps_max] = parse_sweep(o.sweep);
  const model::Network network = bounds::with_softmax_output(logits);
  std::vector<const bounds::Method*> chosen;
  for (const auto& m : methods) {
    m->check(network);
    chosen.push_back(m.get());
  }
  const Eigen::MatrixXd centres = data::read_csv(o.input, network.input_size());
  const std::vector<double> eps = bounds::log_spaced(eps_min, eps_max, kSweepPoints);
  if (!o.json) {
    std::cout << std::left << std::setw(12) << "eps";
    for (const auto& m : methods) std::cout << std::setw(24) << (std::string(m->name()) + " width (s)");
    std::cout << "\n";
  }
  const StopOnSignal stop;
  ProgressLine line;
  bounds::WidthSweepOptions options;
  options.bounds = method_options(o);
  options.domain = parse_domain(o.domain);
  options.stop = stop.flag();
  options.progress = [&](std::size_t k, const bounds::Method& m, Eigen::Index c) {
    line.update([&] {
      std::ostringstream status;
      status << "bounds --sweep: " << k << "/" << kSweepPoints << " eps values done; eps " << std::setprecision(4)
             << eps[k] << ", " << m.name() << ", input " << c + 1 << "/" << centres.rows();
      return status.str();
    });
  };
  options.point_done = [&](const bounds::WidthSweepPoint& point) {
    line.clear();
    if (o.json) return;
    std::cout << std::left << std::setw(12) << std::setprecision(4) << point.eps;
    for (const auto& m : point.methods) {
      std::ostringstream cell;
      cell << std::setprecision(4) << m.mean_max_width << " (" << std::setprecision(2) << m.seconds << ")";
      std::cout << std::setw(24) << cell.str();
    }
    std::cout << "\n" << std::flush;
  };
  const std::vector<bounds::WidthSweepPoint> points = bounds::width_sweep(network, chosen, centres, eps, options);
  line.clear();
  if (stop.raised())
    StopOnSignal::report(std::to_string(points.size()) + " of " + std::to_string(kSweepPoints) + " eps values done");
  if (!o.json) return;
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& point : points) {
    nlohmann::json per_method = nlohmann::json::object();
    for (const auto& m : point.methods) per_method[m.method] = {{"mean_max_width", m.mean_max_width}, {"seconds", m.seconds}};
    rows.push_back({{"eps", point.eps}, {"methods", per_method}});
  }
  std::cout << nlohmann::json{{"sweep", rows}}.dump() << "\n";
}

void run(const BoundsOptions& o) {
  const int set_kinds = (o.eps ? 1 : 0) + (o.mask ? 1 : 0) + (o.vnnlib.empty() ? 0 : 1) + (o.sweep.empty() ? 0 : 1) +
                        (o.box.empty() ? 0 : 1);
  if (set_kinds != 1) throw Error("give exactly one of --eps, --mask, --box, --vnnlib and --sweep");
  const bool needs_input = o.vnnlib.empty() && o.box.empty();
  if (needs_input && o.input.empty()) throw Error("--input is required with --eps, --mask and --sweep");
  if (!needs_input && !o.input.empty()) throw Error("--input does not go with --box or --vnnlib");
  const model::Network network = load_model(o.model);
  std::vector<std::unique_ptr<bounds::Method>> methods;
  for (const auto& name : split_methods(o.methods)) {
    methods.push_back(bounds::make_method(name));
    methods.back()->check(network);
  }
  if (!o.sweep.empty()) {
    run_sweep(o, network, methods);
  } else {
    run_bounds(o, network, methods);
  }
}

}  // namespace

Action register_bounds(CLI::App& app) {
  auto o = std::make_shared<BoundsOptions>();
  auto* cmd = app.add_subcommand("bounds", "Bound a model's outputs over sets of inputs");
  cmd->add_option("model", o->model, "ONNX model file")->required();
  cmd->add_option("--input", o->input, "CSV file, one flattened input (the set's centre) per row");
  cmd->add_option("--eps", o->eps, "Radius of the L-infinity ball around each input")->check(non_negative_number);
  cmd->add_option("--mask", o->mask, "Fraction of coordinates left free in the domain (the rest fixed)")
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--box", o->box, "CSV file of explicit boxes: a row of lower ends, then a row of upper ends");
  cmd->add_option("--vnnlib", o->vnnlib, "Bound over the input boxes of a VNN-LIB property");
  cmd->add_option("--sweep", o->sweep,
                  "EPS_MIN,EPS_MAX: softmax appended, mean widest output over 20 log-spaced radii");
  std::string known;
  for (const auto& n : bounds::method_names()) known += (known.empty() ? "" : ", ") + n;
  cmd->add_option("--method", o->methods, "Comma-separated bound methods (" + known + ")")->capture_default_str();
  cmd->add_option("--domain", o->domain, "Input domain LO,HI the sets are clipped to, or none")->capture_default_str();
  cmd->add_option("--inference", o->inference, "Enclose the exact network or also any float32 engine")
      ->check(CLI::IsMember({"exact", "float32"}))
      ->capture_default_str();
  cmd->add_option("--relu-slope", o->relu_slope, "affine/doubleton: slope of unstable ReLUs")
      ->check(CLI::IsMember({"minimal-area", "smoothed"}))
      ->capture_default_str();
  cmd->add_option("--max-symbols", o->max_symbols, "affine: noise symbols kept before consolidation")
      ->check(positive_number)
      ->capture_default_str();
  cmd->add_option("--strategy", o->strategy, "doubleton: re-orthogonalisation of the error coordinates")
      ->check(CLI::IsMember({"identity", "qr", "qr-pivoted"}))
      ->capture_default_str();
  cmd->add_option("--max-width", o->max_width, "doubleton: widest layer accepted")
      ->check(positive_number)
      ->capture_default_str();
  cmd->add_option("--samples", o->samples, "Random points for the sample method")->capture_default_str()
      ->check(non_negative_number);
  cmd->add_option("--seed", o->seed, "Seed of the sample method and of --mask")->capture_default_str();
  cmd->add_flag("--json", o->json, "Print {\"inputs\":[{\"index\":0,\"methods\":{...}}]} (or {\"sweep\":[...]})");
  return [o] { run(*o); };
}

}  // namespace certnn::cli
