// certnn evaluate MODEL --data NAME|FILE --eps E [--norm linf|l2] [--method M] [--attack pgd|none]
// ...: clean, PGD and certified accuracy of a classifier on the test split of a dataset, over L∞
// or L2 balls of radius E clipped to the domain [0, 1] (train/robust_evaluation.hpp states what
// each counts and how each norm is certified). Under mpirun each rank evaluates a shard of whole
// chunks and rank 0 prints the figures of their sums, the same as one process prints.
#include <algorithm>
#include <iomanip>
#include <iostream>

#include "certnn/bounds/method.hpp"
#include "certnn/core/bytes.hpp"
#include "certnn/core/error.hpp"
#include "certnn/data/datasets.hpp"
#include "certnn/train/robust_evaluation.hpp"
#include "cli_common.hpp"
#include "commands.hpp"
#include "domain_option.hpp"
#include "interruption.hpp"
#include "job.hpp"
#include "progress.hpp"

namespace certnn::cli {
namespace {

struct EvaluateCommandOptions {
  std::string model, data, norm = "linf", method = "crown", attack = "pgd", domain = "0,1";
  double eps = 0.0, test_fraction = 0.2;
  int steps = 40, restarts = 1;
  std::optional<std::int64_t> limit;
  std::uint64_t seed = 0;
  bool json = false;
};

// Under mpirun: every rank's counts, summed at rank 0 (elsewhere none). The shards' chunks make up
// the set, so the sums are one process's counts; seconds are the slowest rank's. The Lipschitz
// bound, and whether PGD ran, are the same on every rank: rank 0's are kept.
std::optional<train::RobustEvaluation> sum_over_ranks(distributed::Communicator& ranks,
                                                      const train::RobustEvaluation& own) {
  ByteWriter out;
  out.put(own.samples);
  out.put(own.requested);
  out.put(own.clean_correct);
  out.put(own.pgd_correct.value_or(0));
  out.put(own.certified);
  out.put(own.seconds);
  const std::vector<std::string> all = distributed::gather(ranks, out.take());
  if (all.empty()) return std::nullopt;
  train::RobustEvaluation total = own;
  for (std::size_t r = 1; r < all.size(); ++r) {
    ByteReader in(all[r]);
    total.samples += in.get<std::int64_t>();
    total.requested += in.get<std::int64_t>();
    total.clean_correct += in.get<std::int64_t>();
    const auto pgd_correct = in.get<std::int64_t>();
    if (total.pgd_correct) *total.pgd_correct += pgd_correct;
    total.certified += in.get<std::int64_t>();
    total.seconds = std::max(total.seconds, in.get<double>());
  }
  return total;
}

void run_evaluate(const EvaluateCommandOptions& o) {
  const model::Network network = load_model(o.model);
  const data::Split split = data::load_split(o.data, o.test_fraction, o.seed);
  if (split.test.size() == 0) throw Error(o.data + ": the test split is empty (--test-fraction " +
                                          format_real(o.test_fraction) + ")");
  const bool l2 = o.norm == "l2";
  train::RobustEvaluationOptions options;
  options.norm = norm_named(o.norm);
  options.eps = o.eps;
  options.method = o.method;
  options.domain = parse_domain(o.domain);
  options.limit = o.limit;
  if (o.attack == "pgd") {
    attack::Options attack;
    attack.steps = o.steps;
    attack.restarts = o.restarts;
    attack.seed = o.seed;
    options.attack = attack;
  }
  distributed::Communicator* ranks = job_ranks();
  if (ranks) {
    options.shard = ranks->rank();
    options.shards = ranks->size();
  }
  // Each rank stops on its own signal and reports what it finished, so the summed "requested"
  // still tells a stopped job. Rank 0's progress line counts its own shard.
  const StopOnSignal stop;
  ProgressLine line(is_root_rank());
  options.stop = stop.flag();
  if (line.shown())
    options.progress = [&](const train::RobustEvaluation& r) { line.update([&] { return "evaluate: " + describe(r); }); };
  train::RobustEvaluation result = train::evaluate_robustness(network, split.test, options);
  line.clear();
  if (ranks) {
    std::optional<train::RobustEvaluation> total = sum_over_ranks(*ranks, result);
    if (!total) return;
    result = *total;
  }
  const bool stopped = result.samples < result.requested;
  if (stopped)
    StopOnSignal::report("figures over the " + std::to_string(result.samples) + " of " +
                         std::to_string(result.requested) + " samples finished");
  const std::optional<double> pgd = result.pgd_accuracy();
  if (o.json) {
    // Keys in the documented order (nlohmann::json would sort them); L2 adds its own after them.
    nlohmann::ordered_json report = {{"n", result.samples},
                                     {"clean_accuracy", result.clean_accuracy()},
                                     {"pgd_accuracy", pgd ? nlohmann::ordered_json(*pgd) : nlohmann::ordered_json(nullptr)},
                                     {"certified_accuracy", result.certified_accuracy()},
                                     {"seconds", result.seconds}};
    if (stopped) report["requested"] = result.requested;
    if (l2) {
      report["norm"] = o.norm;
      report["lipschitz_bound"] = *result.lipschitz_bound;
    }
    std::cout << report.dump() << "\n";
    return;
  }
  std::cout << std::setprecision(4) << "samples             " << result.samples
            << (stopped ? " of " + std::to_string(result.requested) : std::string()) << " (test split of " << o.data
            << ")\nclean accuracy      " << result.clean_accuracy() << "\n";
  if (pgd)
    std::cout << "pgd accuracy        " << *pgd << " (" << o.norm << " eps " << format_real(o.eps) << ", " << o.steps
              << " steps)\n";
  std::cout << "certified accuracy  " << result.certified_accuracy() << " (";
  if (l2) {
    std::cout << "Lipschitz certificate, global bound " << *result.lipschitz_bound;
  } else {
    std::cout << o.method;
  }
  std::cout << ")\nseconds             " << result.seconds << "\n";
}

}  // namespace

Action register_evaluate(CLI::App& app) {
  auto o = std::make_shared<EvaluateCommandOptions>();
  auto* cmd = app.add_subcommand("evaluate", "Clean, PGD and certified accuracy on a dataset's test split");
  cmd->footer(
      "A sample is PGD-correct when correctly classified and PGD finds no adversarial example in its ball; "
      "certified when correctly classified and every margin y[label] - y[j] is proved positive over the ball: "
      "for L-inf by the bound method, for L2 by the global Lipschitz bound (the margin at the input, enclosed "
      "rigorously, exceeds the margin's Lipschitz bound times eps). So certified <= pgd <= clean accuracy. The "
      "split is the one certnn train makes with the same --test-fraction and --seed.");
  cmd->add_option("model", o->model, "ONNX model file")->required();
  cmd->add_option("--data", o->data, "Dataset: fashion-mnist, digits, mnist, mnist01, or a labelled CSV file (label in the first column)")->required();
  cmd->add_option("--eps", o->eps, "Radius of the balls in the --norm norm")->required()->check(non_negative_number);
  add_norm_option(cmd, o->norm, "Norm of the balls");
  auto* method = cmd->add_option("--method", o->method, "Sound bound method that certifies L-inf balls (L2 balls are "
                                                        "certified by the global Lipschitz bound)")
                     ->capture_default_str();
  cmd->add_option("--attack", o->attack, "Attack for the PGD accuracy")
      ->check(CLI::IsMember({"pgd", "none"}))
      ->capture_default_str();
  const std::vector<const CLI::Option*> pgd_only = {
      cmd->add_option("--steps", o->steps, "PGD steps per restart")->check(positive_number)->capture_default_str(),
      cmd->add_option("--restarts", o->restarts, "PGD runs from random starts")->check(positive_number)->capture_default_str()};
  cmd->add_option("--limit", o->limit, "Evaluate only the first K test samples")->check(positive_number);
  cmd->add_option("--domain", o->domain, "Input domain LO,HI the balls are clipped to, or none")->capture_default_str();
  cmd->add_option("--test-fraction", o->test_fraction, "Share of the data held out for testing (datasets without an official test set)")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  cmd->add_option("--seed", o->seed, "Seed of the split and of PGD's random starts")->capture_default_str();
  cmd->add_flag("--json", o->json,
                "Print {\"n\",\"clean_accuracy\",\"pgd_accuracy\" (null with --attack none),\"certified_accuracy\","
                "\"seconds\"}, with --norm l2 also \"norm\" and \"lipschitz_bound\"");
  return [o, method, pgd_only] {
    if (o->norm == "l2") refuse_given({method}, "does not apply to --norm l2 (L2 balls are certified by the global Lipschitz bound)");
    if (o->attack == "none") refuse_given(pgd_only, "applies to --attack pgd only");
    bounds::make_sound_method(o->method, "evaluate");
    run_evaluate(*o);
  };
}

}  // namespace certnn::cli
