// certnn train --data NAME|FILE --arch SPEC --mode MODE --eps E --epochs N --out MODEL.onnx ...:
// trains a classifier, writes it as ONNX and a JSON training log beside it, and prints the final
// train and test accuracy. Two trainers: the linear binary classifier (--arch linear, modes
// standard and linear-robust, train/linear_trainer.hpp) and the networks of
// train/architecture.hpp (modes standard, pgd and ibp, train/network_trainer.hpp).
//
// A run that diverges (NaN or infinite loss, exploding gradient) stops with an error and writes
// nothing: no model and no log.
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "certnn/core/error.hpp"
#include "certnn/core/memory.hpp"
#include "certnn/data/datasets.hpp"
#include "certnn/core/output_file.hpp"
#include "certnn/onnx/exporter.hpp"
#include "certnn/train/linear_export.hpp"
#include "certnn/train/linear_trainer.hpp"
#include "certnn/train/network_trainer.hpp"
#include "certnn/train/stable_blocks.hpp"
#include "cli_common.hpp"
#include "commands.hpp"

namespace certnn::cli {
namespace {

constexpr const char* kArchs = "linear, mlp:WxD, cnn-small, cnn-medium, cnn-large, stable:WxD, residual:WxD";

struct TrainCommandOptions {
  std::string data, arch, mode, out, log, schedule = "constant";
  std::optional<std::string> optimizer;    // default: sgd for linear, adam for networks
  std::optional<double> eps, learning_rate;  // default rate: 0.01 for linear, 0.001 for networks
  std::optional<std::int64_t> batch;         // default: 64 for linear, 128 for networks
  int epochs = 10, pgd_steps = 7, threads = 2;
  double momentum = 0.9, weight_decay = 0.0, test_fraction = 0.2;
  double validation_fraction = 0.1, explode = 1e6, ramp = 0.5, kappa = 0.5;
  std::optional<int> patience;
  std::uint64_t seed = 0;
  bool json = false, quiet = false;

  bool linear() const { return arch == "linear"; }
};

void check_arch_and_mode(const TrainCommandOptions& o) {
  if (!o.linear() && !train::is_network_architecture(o.arch))
    throw Error("--arch " + o.arch + " is not an architecture; available: " + kArchs);
  const char* modes = o.linear() ? "standard, linear-robust" : "standard, pgd, ibp, crown-ibp";
  const bool known = o.linear() ? (o.mode == "standard" || o.mode == "linear-robust")
                                : (o.mode == "standard" || o.mode == "pgd" || o.mode == "ibp" || o.mode == "crown-ibp");
  if (!known) throw Error("--mode " + o.mode + " does not train --arch " + o.arch + "; available: " + modes);
  if (o.mode != "standard" && !o.eps) throw Error("--mode " + o.mode + " needs --eps");
}

train::Schedule schedule_of(const TrainCommandOptions& o) {
  return o.schedule == "step"     ? train::Schedule::Step
         : o.schedule == "cosine" ? train::Schedule::Cosine
                                  : train::Schedule::Constant;
}

train::OptimizerOptions optimizer_of(const TrainCommandOptions& o) {
  train::OptimizerOptions optimizer;
  optimizer.kind = o.optimizer.value_or(o.linear() ? "sgd" : "adam") == "adam" ? train::OptimizerKind::Adam
                                                                               : train::OptimizerKind::Sgd;
  optimizer.momentum = o.momentum;
  return optimizer;
}

train::NetworkTrainOptions network_options(const TrainCommandOptions& o) {
  train::NetworkTrainOptions options;
  options.mode = o.mode == "pgd"         ? train::NetworkMode::Pgd
                 : o.mode == "ibp"       ? train::NetworkMode::Ibp
                 : o.mode == "crown-ibp" ? train::NetworkMode::CrownIbp
                                         : train::NetworkMode::Standard;
  options.eps = o.eps.value_or(0.0);
  options.ramp = o.ramp;
  options.final_kappa = o.kappa;
  options.pgd_steps = o.pgd_steps;
  options.epochs = o.epochs;
  options.batch_size = o.batch.value_or(128);
  options.learning_rate = o.learning_rate.value_or(1e-3);
  options.schedule = schedule_of(o);
  options.optimizer = optimizer_of(o);
  options.weight_decay = o.weight_decay;
  options.monitor.explosion_threshold = o.explode;
  options.patience = o.patience;
  options.seed = o.seed;
  options.threads = o.threads;
  return options;
}

train::LinearTrainOptions linear_options(const TrainCommandOptions& o) {
  train::LinearTrainOptions options;
  options.objective.mode = o.mode == "linear-robust" ? train::LinearMode::LinearRobust : train::LinearMode::Standard;
  options.objective.eps = o.eps.value_or(0.0);
  options.objective.weight_decay = o.weight_decay;
  options.epochs = o.epochs;
  options.batch_size = o.batch.value_or(64);
  options.learning_rate = o.learning_rate.value_or(0.01);
  options.schedule = schedule_of(o);
  options.optimizer = optimizer_of(o);
  options.monitor.explosion_threshold = o.explode;
  options.patience = o.patience;
  options.seed = o.seed;
  return options;
}

// A random `fraction` of the training part, held out for early stopping (the split may keep the
// file's order, which is often sorted by class); the seed draws it apart from the test split.
data::Dataset split_off_validation(data::Dataset& train, double fraction, std::uint64_t seed) {
  data::Split parts = data::shuffle_split(train, fraction, seed ^ 0x76616c6964ULL);
  train = std::move(parts.train);
  parts.test.name = train.name + " (validation)";
  return std::move(parts.test);
}

std::string default_log_path(const std::string& model_path) {
  const std::string suffix = ".onnx";
  if (model_path.size() > suffix.size() && model_path.compare(model_path.size() - suffix.size(), suffix.size(), suffix) == 0)
    return model_path.substr(0, model_path.size() - suffix.size()) + ".json";
  return model_path + ".json";
}

std::string progress_line(const train::EpochRecord& r, int epochs) {
  std::ostringstream line;
  line << std::setprecision(4) << "epoch " << r.epoch << "/" << epochs << "  loss " << r.loss << "  grad "
       << r.gradient_norm << "  train acc " << r.train_accuracy;
  if (r.eps) line << "  eps " << *r.eps;
  if (r.validation_accuracy) line << "  val acc " << *r.validation_accuracy;
  line << std::fixed << std::setprecision(1) << "  " << r.seconds << " s  (" << r.seconds_left << " s left)";
  return line.str();
}

// A bar redrawn in place on a terminal, at most four times a second; nothing when stderr is a
// file (the epoch lines are the record there).
class ProgressBar {
 public:
  explicit ProgressBar(bool enabled) : enabled_(enabled && isatty(STDERR_FILENO)) {}

  void update(const train::BatchProgress& p) {
    if (!enabled_) return;
    const auto now = std::chrono::steady_clock::now();
    if (p.batch != p.batches && now - last_ < std::chrono::milliseconds(250)) return;
    last_ = now;
    constexpr int kWidth = 30;
    const int filled = static_cast<int>(kWidth * p.batch / std::max<std::int64_t>(p.batches, 1));
    std::ostringstream line;
    line << "\repoch " << p.epoch << "/" << p.epochs << " [" << std::string(static_cast<std::size_t>(filled), '=')
         << std::string(static_cast<std::size_t>(kWidth - filled), ' ') << "] " << p.batch << "/" << p.batches
         << std::setprecision(4) << "  loss " << p.loss << "  acc " << p.accuracy << std::fixed << std::setprecision(0)
         << "  " << p.seconds_left << " s left ";
    std::cerr << line.str() << std::flush;
    drawn_ = true;
  }
  // Clears the bar before a full line is printed.
  void clear() {
    if (drawn_) std::cerr << "\r" << std::string(100, ' ') << "\r";
    drawn_ = false;
  }

 private:
  bool enabled_, drawn_ = false;
  std::chrono::steady_clock::time_point last_{};
};

nlohmann::json epoch_json(const train::EpochRecord& r) {
  nlohmann::json entry = {{"epoch", r.epoch},
                          {"learning_rate", r.learning_rate},
                          {"loss", r.loss},
                          {"gradient_norm", r.gradient_norm},
                          {"train_accuracy", r.train_accuracy},
                          {"seconds", r.seconds}};
  entry["validation_loss"] = r.validation_loss ? nlohmann::json(*r.validation_loss) : nlohmann::json(nullptr);
  entry["validation_accuracy"] =
      r.validation_accuracy ? nlohmann::json(*r.validation_accuracy) : nlohmann::json(nullptr);
  if (r.eps) entry["eps"] = *r.eps;
  return entry;
}

nlohmann::json options_json(const TrainCommandOptions& o) {
  const bool linear = o.linear();
  nlohmann::json options = {
      {"data", o.data},
      {"arch", o.arch},
      {"mode", o.mode},
      {"eps", o.eps.value_or(0.0)},
      {"epochs", o.epochs},
      {"batch", o.batch.value_or(linear ? 64 : 128)},
      {"lr", o.learning_rate.value_or(linear ? 0.01 : 1e-3)},
      {"optimizer", o.optimizer.value_or(linear ? "sgd" : "adam")},
      {"momentum", o.momentum},
      {"schedule", o.schedule},
      {"weight_decay", o.weight_decay},
      {"seed", o.seed},
      {"test_fraction", o.test_fraction},
      {"validation_fraction", o.patience ? nlohmann::json(o.validation_fraction) : nlohmann::json(nullptr)},
      {"patience", o.patience ? nlohmann::json(*o.patience) : nlohmann::json(nullptr)},
      {"explode", o.explode}};
  if (o.mode == "ibp" || o.mode == "crown-ibp") {
    options["ramp"] = o.ramp;
    options["kappa"] = o.kappa;
  }
  if (o.mode == "pgd") options["pgd_steps"] = o.pgd_steps;
  if (!linear) options["threads"] = o.threads;
  return options;
}

// What either trainer hands to the common epilogue.
struct Trained {
  model::Network network;
  std::vector<train::EpochRecord> history;
  bool stopped_early = false;
  int best_epoch = 0;
  double train_accuracy = 0.0;
  std::optional<double> test_accuracy;
  nlohmann::json extra = nlohmann::json::object();  // architecture-specific results for the log
};

Trained train_linear_model(const TrainCommandOptions& o, const data::Split& split, const data::Dataset* validation,
                           const train::EpochCallback& on_epoch) {
  const train::LinearTrainOptions options = linear_options(o);
  train::check_train_options(options);
  const train::LinearTrainResult result = train::train_linear(split.train, validation, options, on_epoch);
  Trained trained{train::linear_network(result.classifier, split.train.sample_shape), result.history,
                  result.stopped_early, result.best_epoch,
                  train::linear_robust_accuracy(result.classifier, split.train, 0.0), std::nullopt};
  if (split.test.size() > 0) trained.test_accuracy = train::linear_robust_accuracy(result.classifier, split.test, 0.0);
  return trained;
}

nlohmann::json stability_json(const train::StabilityCertificate& certificate) {
  nlohmann::json out = {{"lipschitz_upper", certificate.lipschitz_upper}};
  if (!certificate.step_products.empty()) {
    out["non_expansive"] = certificate.non_expansive;
    out["step_norm_products"] = certificate.step_products;
    out["norm_caps_met"] = certificate.within_caps;
  }
  return out;
}

Trained train_network_model(const TrainCommandOptions& o, const data::Split& split, const data::Dataset* validation,
                            const train::EpochCallback& on_epoch) {
  const train::NetworkTrainOptions options = network_options(o);
  train::check_network_options(options);
  const train::TrainableNetwork initial =
      train::build_architecture(o.arch, split.train.sample_shape, split.train.classes, o.seed);
  ProgressBar bar(!o.quiet);
  const train::NetworkTrainResult result = train::train_network(
      initial, split.train, validation, options,
      [&](const train::EpochRecord& record) {
        bar.clear();
        on_epoch(record);
      },
      [&](const train::BatchProgress& progress) { bar.update(progress); });
  bar.clear();
  Trained trained{train::to_network(result.network), result.history, result.stopped_early, result.best_epoch,
                  train::clean_score(result.network, split.train).accuracy, std::nullopt};
  if (split.test.size() > 0) trained.test_accuracy = train::clean_score(result.network, split.test).accuracy;
  trained.extra["parameters"] = result.network.parameters.size();
  trained.extra["stability"] = stability_json(train::certify_stability(result.network));
  return trained;
}

void run_train(const TrainCommandOptions& o) {
  check_arch_and_mode(o);
  // Outputs are checked before the first epoch, not after the last.
  const std::string log_path = o.log.empty() ? default_log_path(o.out) : o.log;
  check_distinct_outputs({{"--out", o.out}, {o.log.empty() ? "the log beside --out" : "--log", log_path}});
  check_writable(o.out);
  check_writable(log_path);
  if (!o.linear()) reuse_freed_memory_across_threads();
  data::Split split = data::load_split(o.data, o.test_fraction, o.seed);
  std::optional<data::Dataset> validation;
  if (o.patience) validation = split_off_validation(split.train, o.validation_fraction, o.seed);
  const train::EpochCallback on_epoch = [&](const train::EpochRecord& record) {
    if (!o.quiet) std::cerr << progress_line(record, o.epochs) << std::endl;
  };
  const data::Dataset* held_out = validation ? &*validation : nullptr;
  const Trained trained = o.linear() ? train_linear_model(o, split, held_out, on_epoch)
                                     : train_network_model(o, split, held_out, on_epoch);

  // Only a run that finished without divergence gets here: the model and its log are written,
  // both or neither.
  nlohmann::json epochs = nlohmann::json::array();
  for (const train::EpochRecord& record : trained.history) epochs.push_back(epoch_json(record));
  nlohmann::json summary = {{"model", o.out},
                            {"log", log_path},
                            {"train_samples", split.train.size()},
                            {"test_samples", split.test.size()},
                            {"epochs_run", trained.history.size()},
                            {"best_epoch", trained.best_epoch},
                            {"stopped_early", trained.stopped_early},
                            {"train_accuracy", trained.train_accuracy},
                            {"test_accuracy", trained.test_accuracy ? nlohmann::json(*trained.test_accuracy)
                                                                    : nlohmann::json(nullptr)}};
  summary.update(trained.extra);
  nlohmann::json log = summary;
  log["options"] = options_json(o);
  log["epochs"] = epochs;
  write_files_atomically({{o.out, onnx::export_model_bytes(trained.network)}, {log_path, log.dump(2) + "\n"}});

  if (o.json) {
    std::cout << summary.dump() << "\n";
    return;
  }
  std::cout << std::setprecision(4) << "train accuracy  " << trained.train_accuracy << " (" << split.train.size()
            << " samples)\n";
  if (trained.test_accuracy)
    std::cout << "test accuracy   " << *trained.test_accuracy << " (" << split.test.size() << " samples)\n";
  if (trained.extra.contains("stability")) {
    const nlohmann::json& stability = trained.extra["stability"];
    std::cout << "L2 Lipschitz    <= " << stability["lipschitz_upper"].get<double>() << " (certified)\n";
    if (stability.contains("non_expansive"))
      std::cout << "stable blocks   " << (stability["non_expansive"].get<bool>() ? "proved" : "NOT proved")
                << " non-expansive (h |W|_2^2 <= 2)\n";
  }
  if (trained.stopped_early) std::cout << "stopped early; kept epoch " << trained.best_epoch << "\n";
  std::cout << "model written to " << o.out << "\nlog written to " << log_path << "\n";
}

}  // namespace

Action register_train(CLI::App& app) {
  auto o = std::make_shared<TrainCommandOptions>();
  auto* cmd = app.add_subcommand("train", "Train a classifier and write it as ONNX with a JSON training log");
  cmd->footer(
      "Architectures: linear (a binary classifier on a 2-class dataset, written as a 2-output network; modes "
      "standard = hinge loss, linear-robust = hinge loss of the exact L-inf worst case y*s(x) - eps*|w|_1); "
      "mlp:WxD, cnn-small, cnn-medium, cnn-large (Gowal et al. 2018), stable:WxD (non-expansive residual blocks "
      "x - h W^T relu(W x + b) with h |W|_2^2 <= 2 enforced and proved), residual:WxD (unconstrained blocks "
      "x + V relu(W x + b)); modes standard (cross-entropy), pgd (Madry et al.), ibp (Gowal et al.: eps and "
      "kappa ramp over --ramp of the steps), crown-ibp (Zhang et al.: the worst case mixes CROWN-IBP, weight "
      "falling from 1 to 0 over the ramp, and IBP). A run whose loss becomes NaN or infinite, or whose gradient norm "
      "exceeds --explode, stops with an error and writes no model.");
  cmd->add_option("--data", o->data, "Dataset: fashion-mnist, digits, mnist, mnist01, or a labelled CSV file (label in the first column)")->required();
  cmd->add_option("--arch", o->arch, "Architecture: linear, mlp:WxD, cnn-small, cnn-medium, cnn-large, stable:WxD, residual:WxD")->required();
  cmd->add_option("--mode", o->mode, "Training mode: standard, pgd, ibp, crown-ibp (networks); standard, linear-robust (linear)")->required();
  cmd->add_option("--eps", o->eps, "L-inf radius the robust modes train for")->check(non_negative_number);
  cmd->add_option("--epochs", o->epochs, "Passes over the training set")->required()->check(positive_number);
  cmd->add_option("--out", o->out, "ONNX model file to write")->required();
  cmd->add_option("--log", o->log, "JSON training log to write (default: the model path with .json)");
  cmd->add_option("--lr", o->learning_rate, "Base learning rate (default 0.01 linear, 0.001 networks)")
      ->check(positive_number);
  cmd->add_option("--batch", o->batch, "Mini-batch size (default 64 linear, 128 networks)")->check(positive_number);
  cmd->add_option("--optimizer", o->optimizer, "Optimiser: sgd or adam (default sgd linear, adam networks)")
      ->check(CLI::IsMember({"sgd", "adam"}));
  cmd->add_option("--momentum", o->momentum, "SGD momentum in [0, 1)")->check(CLI::Range(0.0, 1.0))->capture_default_str();
  cmd->add_option("--schedule", o->schedule, "Learning rates: constant, step (/10 at 1/2 and 3/4), cosine")
      ->check(CLI::IsMember({"constant", "step", "cosine"}))
      ->capture_default_str();
  cmd->add_option("--weight-decay", o->weight_decay, "L2 weight decay lambda (adds lambda/2 |w|^2)")
      ->check(non_negative_number)
      ->capture_default_str();
  cmd->add_option("--seed", o->seed, "Seed of the split and the sample order")->capture_default_str();
  cmd->add_option("--test-fraction", o->test_fraction, "Share of the data held out for testing (datasets without an official test set)")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  cmd->add_option("--explode", o->explode, "Gradient norm above which training counts as diverged")
      ->check(positive_number)
      ->capture_default_str();
  cmd->add_option("--patience", o->patience, "Early stopping: epochs without a lower validation loss")
      ->check(positive_number);
  cmd->add_option("--validation-fraction", o->validation_fraction,
                  "With --patience: share of the training part held out for validation")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  cmd->add_option("--ramp", o->ramp, "ibp, crown-ibp: share of the steps over which eps grows from 0 and kappa falls from 1")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  cmd->add_option("--kappa", o->kappa, "ibp, crown-ibp: weight of the natural loss after the ramp")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  cmd->add_option("--pgd-steps", o->pgd_steps, "pgd: attack steps per batch")->check(positive_number)->capture_default_str();
  cmd->add_option("--threads", o->threads, "Networks: threads sharing each batch")->check(thread_count)->capture_default_str();
  cmd->add_flag("--quiet", o->quiet, "No progress on stderr");
  cmd->add_flag("--json", o->json,
                "Print {\"model\",\"log\",\"train_samples\",\"test_samples\",\"epochs_run\",\"best_epoch\","
                "\"stopped_early\",\"train_accuracy\",\"test_accuracy\"} (networks add \"parameters\" and \"stability\")");
  return [o] { run_train(*o); };
}

}  // namespace certnn::cli
