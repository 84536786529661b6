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
#include <iomanip>
#include <iostream>
#include <sstream>

#include "certnn/core/memory.hpp"
#include "certnn/data/datasets.hpp"
#include "certnn/core/output_file.hpp"
#include "certnn/onnx/exporter.hpp"
#include "certnn/onnx/importer.hpp"
#include "certnn/train/imported_network.hpp"
#include "certnn/train/training_log.hpp"
#include "certnn/train/training_run.hpp"
#include "certnn/train/training_settings.hpp"
#include "cli_common.hpp"
#include "commands.hpp"

namespace certnn::cli {
namespace {

struct TrainCommandOptions : train::TrainingSettings {
  std::string out, log;
  bool json = false, quiet = false;
};

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

void run_train(const TrainCommandOptions& o) {
  train::check_training_settings(o, train::SettingSpelling::Option);
  // Outputs are checked before the first epoch, not after the last.
  const std::optional<std::string> given_log = o.log.empty() ? std::nullopt : std::optional(o.log);
  train::check_training_outputs(o.out, given_log, train::SettingSpelling::Option);
  const std::string log_path = given_log.value_or(train::default_log_path(o.out));
  if (!o.linear()) reuse_freed_memory_across_threads();
  ProgressBar bar(!o.quiet);
  train::TrainingHooks hooks;
  hooks.on_epoch = [&](const train::EpochRecord& record) {
    bar.clear();
    if (!o.quiet) std::cerr << progress_line(record, o.epochs) << std::endl;
  };
  hooks.on_batch = [&](const train::BatchProgress& progress) { bar.update(progress); };
  const std::optional<model::Network> initial =
      o.init.empty() ? std::nullopt : std::optional(onnx::import_model(o.init));
  // An untrainable model is refused before the data loads.
  if (initial) train::trainable_network(*initial, o.init, o.bound_based());
  const train::TrainingOutcome trained = train::run_training(o, data::load_split(o.data, o.test_fraction, o.seed),
                                                             hooks, initial ? &*initial : nullptr);
  bar.clear();

  // Only a run that finished without divergence gets here: the model and its log are written,
  // both or neither.
  const train::TrainingOutputs outputs{o.out, log_path};
  write_files_atomically({{o.out, onnx::export_model_bytes(trained.network)},
                          {log_path, train::training_log_json(o, trained, outputs)}});

  if (o.json) {
    std::cout << train::training_summary_json(trained, outputs) << "\n";
    return;
  }
  std::cout << std::setprecision(4) << "train accuracy  " << trained.train_accuracy << " (" << trained.train_samples
            << " samples)\n";
  if (trained.test_accuracy)
    std::cout << "test accuracy   " << *trained.test_accuracy << " (" << trained.test_samples << " samples)\n";
  if (trained.stability) {
    std::cout << "L2 Lipschitz    <= " << trained.stability->lipschitz_upper << " (certified)\n";
    if (!trained.stability->step_products.empty())
      std::cout << "stable blocks   " << (trained.stability->non_expansive ? "proved" : "NOT proved")
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
  cmd->add_option("--arch", o->arch, "Architecture: linear, mlp:WxD, cnn-small, cnn-medium, cnn-large, stable:WxD, residual:WxD");
  cmd->add_option("--init", o->init,
                  "Train this ONNX model further instead of a new --arch (a chain of Gemm/MatMul, Conv, Relu, Flatten)")
      ->check(CLI::ExistingFile);
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
