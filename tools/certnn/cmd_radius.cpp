// certnn radius MODEL --input X.csv --label Y [--method M] [--norm linf|l2] ...: per input, the
// largest radius a bound method certifies and the distance of the closest adversarial example
// PGD finds, certified ≤ true robustness radius ≤ attacked (attack/radius.hpp). Under mpirun the
// ranks share the rows and rank 0 prints them all, as one process does.
#include <functional>
#include <iomanip>
#include <iostream>

#include "certnn/attack/radius.hpp"
#include "certnn/core/bytes.hpp"
#include "certnn/core/error.hpp"
#include "certnn/data/csv.hpp"
#include "cli_common.hpp"
#include "commands.hpp"
#include "domain_option.hpp"
#include "job.hpp"
#include "labels.hpp"

namespace certnn::cli {
namespace {

struct RadiusCommandOptions {
  std::string model, input, label, method = "crown", norm = "linf", domain = "0,1";
  std::optional<double> max_eps;
  double tolerance = 0.01;
  int steps = 50, restarts = 2;
  std::uint64_t seed = 0;
  bool every_target = true, json = false;
};

attack::RadiusOptions radius_options(const RadiusCommandOptions& o) {
  attack::RadiusOptions options;
  options.method = o.method;
  options.attack.norm = norm_named(o.norm);
  options.attack.steps = o.steps;
  options.attack.restarts = o.restarts;
  options.attack.loss = attack::LossKind::Margin;
  options.attack.domain = parse_domain(o.domain);
  options.attack.seed = o.seed;
  options.every_target = o.every_target;
  options.max_eps = o.max_eps;
  options.relative_tolerance = o.tolerance;
  return options;
}

// The results in row order: the text table a row at a time (its header at once), or the JSON
// document at the end.
class RadiusReport {
 public:
  explicit RadiusReport(const RadiusCommandOptions& o) : o_(o) {
    if (!o.json)
      std::cout << std::left << std::setw(8) << "input" << std::setw(8) << "label" << std::setw(24) << "certified"
                << std::setw(24) << "attacked" << "attacked/certified\n";
  }

  void add(Eigen::Index r, const attack::Radius& radius) {
    // The ratio attacked/certified: how far apart the two sides are (none without both).
    const bool bracketed = radius.attacked && radius.certified > 0;
    const double ratio = bracketed ? *radius.attacked / radius.certified : 0.0;
    if (o_.json) {
      results_.push_back({{"index", r},
                          {"label", radius.label},
                          {"certified", radius.certified},
                          {"attacked", radius.attacked ? nlohmann::json(*radius.attacked) : nlohmann::json(nullptr)},
                          {"ratio", bracketed ? nlohmann::json(ratio) : nlohmann::json(nullptr)}});
      return;
    }
    std::cout << std::left << std::setw(8) << r << std::setw(8) << radius.label << std::setw(24)
              << format_real(radius.certified) << std::setw(24)
              << (radius.attacked ? format_real(*radius.attacked) : std::string("none"))
              << (bracketed ? format_real(ratio) : std::string("-")) << std::endl;
  }

  void finish() const {
    if (o_.json)
      std::cout << nlohmann::json{{"results", results_}, {"method", o_.method}, {"norm", o_.norm}}.dump() << "\n";
  }

 private:
  const RadiusCommandOptions& o_;
  nlohmann::json results_ = nlohmann::json::array();
};

// Under mpirun: rank q computes the rows r with r % size == q, and rank 0 gets every row's radii
// (label, certified, attacked; not the adversarial example) in row order; elsewhere, none. A row's
// radii depend on that row alone — robustness_radius runs every PGD attack with a generator seeded
// afresh from the same seed (attack/pgd.cpp) — so they are those one process computes.
std::vector<attack::Radius> radii_over_ranks(distributed::Communicator& ranks, Eigen::Index count,
                                             const std::function<attack::Radius(Eigen::Index)>& radius_at) {
  const int size = ranks.size();
  ByteWriter out;
  for (Eigen::Index r = ranks.rank(); r < count; r += size) {
    const attack::Radius radius = radius_at(r);
    out.put(static_cast<std::int64_t>(r));
    out.put(radius.label);
    out.put(radius.certified);
    out.put(static_cast<std::uint8_t>(radius.attacked.has_value()));
    out.put(radius.attacked.value_or(0.0));
  }
  const std::vector<std::string> all = distributed::gather(ranks, out.take());
  std::vector<attack::Radius> radii(all.empty() ? 0 : static_cast<std::size_t>(count));
  for (int q = 0; q < static_cast<int>(all.size()); ++q) {
    ByteReader in(all[static_cast<std::size_t>(q)]);
    for (Eigen::Index r = q; r < count; r += size) {
      if (in.get<std::int64_t>() != r) throw Error("radius: rank " + std::to_string(q) + " sent another row");
      attack::Radius& radius = radii[static_cast<std::size_t>(r)];
      radius.label = in.get<std::int64_t>();
      radius.certified = in.get<double>();
      const bool attacked = in.get<std::uint8_t>() != 0;
      const double distance = in.get<double>();
      if (attacked) radius.attacked = distance;
    }
    if (!in.done()) throw Error("radius: rank " + std::to_string(q) + " sent more rows than it had");
  }
  return radii;
}

void run_radius(const RadiusCommandOptions& o) {
  const attack::RadiusOptions options = radius_options(o);
  const model::Network network = load_model(o.model);
  const Eigen::MatrixXd rows = data::read_csv(o.input, network.input_size());
  if (rows.rows() == 0) throw Error(o.input + ": no input rows");
  check_inside_domain(rows, options.attack.domain, o.input);
  const std::vector<std::int64_t> labels = resolve_labels(o.label, network, rows);
  // Every refusal before the first line of output.
  bounds::make_sound_method(options.method, "radius")->check(network);
  attack::check_options(options.attack, network);
  if (!options.attack.domain && !options.max_eps) throw Error("radius: with --domain none, give --max-eps");
  if (!(o.tolerance >= 1e-12 && o.tolerance < 1.0)) throw Error("radius: --tolerance must lie in [1e-12, 1)");

  const auto radius_at = [&](Eigen::Index r) {
    return attack::robustness_radius(network, rows.row(r).transpose(), labels[static_cast<std::size_t>(r)], options);
  };
  if (distributed::Communicator* ranks = job_ranks()) {
    const std::vector<attack::Radius> radii = radii_over_ranks(*ranks, rows.rows(), radius_at);
    if (!is_root_rank()) return;
    RadiusReport report(o);
    for (Eigen::Index r = 0; r < rows.rows(); ++r) report.add(r, radii[static_cast<std::size_t>(r)]);
    report.finish();
    return;
  }
  // On its own: each row printed as soon as it is done.
  RadiusReport report(o);
  for (Eigen::Index r = 0; r < rows.rows(); ++r) report.add(r, radius_at(r));
  report.finish();
}

}  // namespace

Action register_radius(CLI::App& app) {
  auto o = std::make_shared<RadiusCommandOptions>();
  auto* cmd = app.add_subcommand("radius", "Bracket each input's robustness radius: certified <= true <= attacked");
  cmd->footer(
      "Both radii are found by bisection to --tolerance. An L2 radius is certified through the L-inf ball of the "
      "same radius, which contains the L2 ball. 'attacked' is none when PGD finds no adversarial example up to "
      "--max-eps (by default the diameter of the domain).");
  cmd->add_option("model", o->model, "ONNX model file")->required();
  cmd->add_option("--input", o->input, "CSV file, one flattened input per row")->required();
  cmd->add_option("--label", o->label, "True classes: one class for all rows, a file with one per line, or pred")
      ->required();
  cmd->add_option("--method", o->method, "Bound method that certifies (see certnn bounds --help)")
      ->capture_default_str();
  add_norm_option(cmd, o->norm, "Norm of the balls");
  cmd->add_option("--domain", o->domain, "Input domain LO,HI the balls are clipped to, or none")->capture_default_str();
  cmd->add_option("--max-eps", o->max_eps, "Largest radius searched (needed with --domain none)")
      ->check(positive_number);
  cmd->add_option("--tolerance", o->tolerance, "Relative precision of the bisections, in [1e-12, 1)")
      ->check(positive_number)
      ->capture_default_str();
  cmd->add_option("--steps", o->steps, "PGD steps per restart")->check(positive_number)->capture_default_str();
  cmd->add_option("--restarts", o->restarts, "PGD runs from random starts")->check(positive_number)->capture_default_str();
  cmd->add_flag("!--untargeted-only", o->every_target,
                "Skip the attacks targeted at each other class where the untargeted one fails (faster, looser)");
  cmd->add_option("--seed", o->seed, "Seed of the random starts")->capture_default_str();
  cmd->add_flag("--json", o->json,
                "Print {\"results\":[{\"index\",\"label\",\"certified\",\"attacked\",\"ratio\"}],\"method\",\"norm\"}");
  return [o] { run_radius(*o); };
}

}  // namespace certnn::cli
