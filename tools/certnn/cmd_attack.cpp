// certnn attack MODEL --input X.csv --label Y --eps E [--norm linf|l2] [--method fgsm|pgd] ...:
// an adversarial attack on every input row, one line per input and the accuracy before and after.
//
// Conventions: an input the model already misclassifies (or, with --target, already assigns to
// the target) counts as attacked successfully with norm 0. The reported input is the adversarial
// point when the attack succeeded and the original otherwise; its label and norm go with it, and
// the attacked accuracy counts the reported inputs still predicted as their label.
#include <iomanip>
#include <iostream>

#include "certnn/attack/fgsm.hpp"
#include "certnn/attack/pgd.hpp"
#include "certnn/core/error.hpp"
#include "certnn/data/csv.hpp"
#include "cli_common.hpp"
#include "commands.hpp"
#include "domain_option.hpp"
#include "labels.hpp"

namespace certnn::cli {
namespace {

struct AttackCommandOptions {
  std::string model, input, label, norm = "linf", method = "pgd", loss = "ce", schedule = "constant", domain = "0,1";
  double eps = 0.0;
  int steps = 40, restarts = 1;
  std::optional<double> step_size;
  std::optional<std::int64_t> target;
  std::uint64_t seed = 0;
  bool json = false;
};

// What is reported for one input (see the conventions above).
struct Reported {
  const Eigen::VectorXd* input;
  std::int64_t label;
  double norm;
};

attack::Options attack_options(const AttackCommandOptions& o) {
  attack::Options options;
  options.norm = norm_named(o.norm);
  options.eps = o.eps;
  options.steps = o.steps;
  options.restarts = o.restarts;
  options.step_size = o.step_size;
  options.schedule = o.schedule == "step"     ? attack::StepSchedule::StepDecay
                     : o.schedule == "cosine" ? attack::StepSchedule::Cosine
                                              : attack::StepSchedule::Constant;
  options.loss = o.loss == "margin" ? attack::LossKind::Margin : attack::LossKind::CrossEntropy;
  options.target = o.target;
  options.domain = parse_domain(o.domain);
  options.seed = o.seed;
  return options;
}

void run_attack(const AttackCommandOptions& o) {
  const attack::Options options = attack_options(o);
  const model::Network network = load_model(o.model);
  const Eigen::MatrixXd rows = data::read_csv(o.input, network.input_size());
  if (rows.rows() == 0) throw Error(o.input + ": no input rows");
  check_inside_domain(rows, options.domain, o.input);
  const std::vector<std::int64_t> labels = resolve_labels(o.label, network, rows);
  attack::check_options(options, network);
  const Eigen::MatrixXd inputs = rows.transpose();
  const std::vector<attack::Outcome> outcomes = o.method == "fgsm" ? attack::fgsm(network, inputs, labels, options)
                                                                   : attack::pgd(network, inputs, labels, options);

  std::size_t clean_correct = 0, attacked_correct = 0;
  nlohmann::json results = nlohmann::json::array();
  if (!o.json)
    std::cout << std::left << std::setw(8) << "input" << std::setw(8) << "label" << std::setw(10) << "success"
              << std::setw(14) << "adversarial" << "norm\n";
  for (std::size_t s = 0; s < outcomes.size(); ++s) {
    const attack::Outcome& outcome = outcomes[s];
    const Eigen::VectorXd original = inputs.col(static_cast<Eigen::Index>(s));
    const Reported reported = outcome.success ? Reported{&outcome.point, outcome.adversarial_label, outcome.norm}
                                              : Reported{&original, outcome.clean_label, 0.0};
    clean_correct += outcome.clean_label == labels[s];
    attacked_correct += reported.label == labels[s];
    if (o.json) {
      const Eigen::VectorXd& x = *reported.input;
      results.push_back({{"index", s},
                         {"label", labels[s]},
                         {"clean_label", outcome.clean_label},
                         {"success", outcome.success},
                         {"adversarial_label", reported.label},
                         {"norm", reported.norm},
                         {"input", std::vector<double>(x.data(), x.data() + x.size())}});
    } else {
      std::cout << std::left << std::setw(8) << s << std::setw(8) << labels[s] << std::setw(10)
                << (outcome.success ? "yes" : "no") << std::setw(14) << reported.label << format_real(reported.norm)
                << "\n";
    }
  }
  const double count = static_cast<double>(outcomes.size());
  const double clean = static_cast<double>(clean_correct) / count, attacked = static_cast<double>(attacked_correct) / count;
  if (o.json) {
    nlohmann::json report = {{"results", results},
                             {"clean_accuracy", clean},
                             {"attacked_accuracy", attacked},
                             {"gap", clean - attacked},
                             {"eps", o.eps},
                             {"norm", o.norm},
                             {"method", o.method}};
    if (o.target) report["target"] = *o.target;
    std::cout << report.dump() << "\n";
    return;
  }
  std::cout << std::setprecision(4) << "clean accuracy     " << clean << " (" << clean_correct << "/"
            << outcomes.size() << ")\n"
            << "attacked accuracy  " << attacked << " (" << attacked_correct << "/" << outcomes.size() << ")\n"
            << "robustness gap     " << clean - attacked << "\n";
}

}  // namespace

Action register_attack(CLI::App& app) {
  auto o = std::make_shared<AttackCommandOptions>();
  auto* cmd = app.add_subcommand("attack", "Attack each input row (FGSM or PGD) and report attacked accuracy");
  cmd->footer(
      "An input already misclassified (or, with --target, already predicted as the target) counts as attacked "
      "with norm 0. Unsuccessful attacks report the original input. Attacked accuracy counts reported inputs "
      "still predicted as their label; the gap is clean minus attacked accuracy.");
  cmd->add_option("model", o->model, "ONNX model file")->required();
  cmd->add_option("--input", o->input, "CSV file, one flattened input per row")->required();
  cmd->add_option("--label", o->label, "True classes: one class for all rows, a file with one per line, or pred")
      ->required();
  cmd->add_option("--eps", o->eps, "Radius of the ball around each input")->required()->check(non_negative_number);
  add_norm_option(cmd, o->norm, "Norm of the ball");
  cmd->add_option("--method", o->method, "Attack")->check(CLI::IsMember({"pgd", "fgsm"}))->capture_default_str();
  const std::vector<const CLI::Option*> pgd_only = {
      cmd->add_option("--steps", o->steps, "PGD steps per restart")->check(positive_number)->capture_default_str(),
      cmd->add_option("--restarts", o->restarts, "PGD runs from random starts (later ones for unbroken inputs only)")
          ->check(positive_number)
          ->capture_default_str(),
      cmd->add_option("--step-size", o->step_size, "PGD step size (default 2.5 * eps / steps)")->check(positive_number),
      cmd->add_option("--schedule", o->schedule, "PGD step sizes: constant, step (/10 at 1/2 and 3/4), cosine")
          ->check(CLI::IsMember({"constant", "step", "cosine"}))
          ->capture_default_str()};
  cmd->add_option("--loss", o->loss, "Loss the steps follow: cross-entropy or logit margin")
      ->check(CLI::IsMember({"ce", "margin"}))
      ->capture_default_str();
  cmd->add_option("--target", o->target, "Class to reach (targeted attack); by default any other class");
  cmd->add_option("--domain", o->domain, "Input domain LO,HI the attack stays in, or none")->capture_default_str();
  cmd->add_option("--seed", o->seed, "Seed of the random starts")->capture_default_str();
  cmd->add_flag("--json", o->json,
                "Print {\"results\":[{\"index\",\"label\",\"success\",\"adversarial_label\",\"norm\",\"input\"}],"
                "\"clean_accuracy\",\"attacked_accuracy\",\"gap\"}");
  return [o, pgd_only] {
    if (o->method == "fgsm") refuse_given(pgd_only, "applies to pgd only (fgsm takes one step of size eps)");
    run_attack(*o);
  };
}

}  // namespace certnn::cli
