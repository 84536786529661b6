// certnn train --data NAME|FILE --arch SPEC --mode MODE --eps E --epochs N --out MODEL.onnx ...:
// trains a classifier, writes it as ONNX and a JSON training log beside it, and prints the final
// train and test accuracy. Today: the linear binary classifier (--arch linear) in the modes
// standard (hinge loss) and linear-robust (the exact L∞ worst case of the hinge loss).
//
// A run that diverges (NaN or infinite loss, exploding gradient) stops with an error and writes
// nothing: no model and no log.
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "certnn/core/error.hpp"
#include "certnn/data/datasets.hpp"
#include "certnn/onnx/exporter.hpp"
#include "certnn/train/linear_export.hpp"
#include "certnn/train/linear_trainer.hpp"
#include "cli_common.hpp"
#include "commands.hpp"

namespace certnn::cli {
namespace {

constexpr const char* kAvailableArchs = "linear";
constexpr const char* kAvailableModes = "standard, linear-robust";

struct TrainCommandOptions {
  std::string data, arch, mode, out, log, optimizer = "sgd", schedule = "constant";
  std::optional<double> eps;
  int epochs = 10;
  double learning_rate = 0.01, momentum = 0.9, weight_decay = 0.0, test_fraction = 0.2;
  double validation_fraction = 0.1, explode = 1e6;
  std::int64_t batch = 64;
  std::optional<int> patience;
  std::uint64_t seed = 0;
  bool json = false, quiet = false;
};

// The architectures and modes of the design that are not built yet get a clear refusal, not a
// parse error, so a user learns what exists today.
bool planned_arch(const std::string& arch) {
  for (const char* prefix : {"mlp:", "stable:"})
    if (arch.rfind(prefix, 0) == 0) return true;
  return arch == "cnn-small" || arch == "cnn-medium" || arch == "cnn-large";
}

void check_arch_and_mode(const TrainCommandOptions& o) {
  if (o.arch != "linear") {
    if (planned_arch(o.arch))
      throw Error("--arch " + o.arch + " is not available yet; available: " + kAvailableArchs);
    throw Error("--arch " + o.arch + " is not an architecture; available: " + kAvailableArchs +
                " (planned: mlp:WxD, cnn-small, cnn-medium, cnn-large, stable:WxD)");
  }
  if (o.mode == "pgd" || o.mode == "ibp" || o.mode == "crown-ibp")
    throw Error("--mode " + o.mode + " is not available yet; available: " + kAvailableModes);
  if (o.mode != "standard" && o.mode != "linear-robust")
    throw Error("--mode " + o.mode + " is not a training mode; available: " + kAvailableModes +
                " (planned: pgd, ibp, crown-ibp)");
  if (o.mode == "linear-robust" && !o.eps) throw Error("--mode linear-robust needs --eps");
}

train::LinearTrainOptions linear_options(const TrainCommandOptions& o) {
  train::LinearTrainOptions options;
  options.objective.mode = o.mode == "linear-robust" ? train::LinearMode::LinearRobust : train::LinearMode::Standard;
  options.objective.eps = o.eps.value_or(0.0);
  options.objective.weight_decay = o.weight_decay;
  options.epochs = o.epochs;
  options.batch_size = o.batch;
  options.learning_rate = o.learning_rate;
  options.schedule = o.schedule == "step"     ? train::Schedule::Step
                     : o.schedule == "cosine" ? train::Schedule::Cosine
                                              : train::Schedule::Constant;
  options.optimizer.kind = o.optimizer == "adam" ? train::OptimizerKind::Adam : train::OptimizerKind::Sgd;
  options.optimizer.momentum = o.momentum;
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
  if (r.validation_accuracy) line << "  val acc " << *r.validation_accuracy;
  line << std::fixed << std::setprecision(1) << "  " << r.seconds_left << " s left";
  return line.str();
}

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
  return entry;
}

nlohmann::json options_json(const TrainCommandOptions& o) {
  return {{"data", o.data},           {"arch", o.arch},
          {"mode", o.mode},           {"eps", o.eps.value_or(0.0)},
          {"epochs", o.epochs},       {"batch", o.batch},
          {"lr", o.learning_rate},    {"optimizer", o.optimizer},
          {"momentum", o.momentum},   {"schedule", o.schedule},
          {"weight_decay", o.weight_decay}, {"seed", o.seed},
          {"test_fraction", o.test_fraction},
          {"validation_fraction", o.patience ? nlohmann::json(o.validation_fraction) : nlohmann::json(nullptr)},
          {"patience", o.patience ? nlohmann::json(*o.patience) : nlohmann::json(nullptr)},
          {"explode", o.explode}};
}

void write_text(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  if (!out.flush()) throw Error(path + ": cannot write the training log");
}

void run_train(const TrainCommandOptions& o) {
  check_arch_and_mode(o);
  const train::LinearTrainOptions options = linear_options(o);
  train::check_train_options(options);
  data::Split split = data::load_split(o.data, o.test_fraction, o.seed);
  std::optional<data::Dataset> validation;
  if (o.patience) validation = split_off_validation(split.train, o.validation_fraction, o.seed);

  const train::LinearTrainResult result =
      train::train_linear(split.train, validation ? &*validation : nullptr, options,
                          [&](const train::EpochRecord& record) {
                            if (!o.quiet) std::cerr << progress_line(record, o.epochs) << std::endl;
                          });

  // Only a run that finished without divergence gets here: the model and its log are written.
  onnx::export_model(train::linear_network(result.classifier, split.train.sample_shape), o.out);
  const double train_accuracy = train::linear_robust_accuracy(result.classifier, split.train, 0.0);
  const bool tested = split.test.size() > 0;
  const double test_accuracy = tested ? train::linear_robust_accuracy(result.classifier, split.test, 0.0) : 0.0;

  nlohmann::json epochs = nlohmann::json::array();
  for (const train::EpochRecord& record : result.history) epochs.push_back(epoch_json(record));
  const std::string log_path = o.log.empty() ? default_log_path(o.out) : o.log;
  const nlohmann::json summary = {{"model", o.out},
                                  {"log", log_path},
                                  {"train_samples", split.train.size()},
                                  {"test_samples", split.test.size()},
                                  {"epochs_run", result.history.size()},
                                  {"best_epoch", result.best_epoch},
                                  {"stopped_early", result.stopped_early},
                                  {"train_accuracy", train_accuracy},
                                  {"test_accuracy", tested ? nlohmann::json(test_accuracy) : nlohmann::json(nullptr)}};
  nlohmann::json log = summary;
  log["options"] = options_json(o);
  log["epochs"] = epochs;
  write_text(log_path, log.dump(2) + "\n");

  if (o.json) {
    std::cout << summary.dump() << "\n";
    return;
  }
  std::cout << std::setprecision(4) << "train accuracy  " << train_accuracy << " (" << split.train.size()
            << " samples)\n";
  if (tested) std::cout << "test accuracy   " << test_accuracy << " (" << split.test.size() << " samples)\n";
  if (result.stopped_early) std::cout << "stopped early; kept epoch " << result.best_epoch << "\n";
  std::cout << "model written to " << o.out << "\nlog written to " << log_path << "\n";
}

}  // namespace

Action register_train(CLI::App& app) {
  auto o = std::make_shared<TrainCommandOptions>();
  auto* cmd = app.add_subcommand("train", "Train a classifier and write it as ONNX with a JSON training log");
  cmd->footer(
      "Available today: --arch linear (a binary classifier on a 2-class dataset, written as a 2-output network) "
      "with --mode standard (hinge loss) or linear-robust (hinge loss of the exact L-inf worst case, margin "
      "y*s(x) - eps*|w|_1). A run whose loss becomes NaN or infinite, or whose gradient norm exceeds --explode, "
      "stops with an error and writes no model.");
  cmd->add_option("--data", o->data, "Dataset: fashion-mnist, digits, mnist, mnist01, or a labelled CSV file (label in the first column)")->required();
  cmd->add_option("--arch", o->arch, "Architecture (available: linear)")->required();
  cmd->add_option("--mode", o->mode, "Training mode (available: standard, linear-robust)")->required();
  cmd->add_option("--eps", o->eps, "L-inf radius the robust modes train for")->check(non_negative_number);
  cmd->add_option("--epochs", o->epochs, "Passes over the training set")->required()->check(positive_number);
  cmd->add_option("--out", o->out, "ONNX model file to write")->required();
  cmd->add_option("--log", o->log, "JSON training log to write (default: the model path with .json)");
  cmd->add_option("--lr", o->learning_rate, "Base learning rate")->check(positive_number)->capture_default_str();
  cmd->add_option("--batch", o->batch, "Mini-batch size")->check(positive_number)->capture_default_str();
  cmd->add_option("--optimizer", o->optimizer, "Optimiser")
      ->check(CLI::IsMember({"sgd", "adam"}))
      ->capture_default_str();
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
  cmd->add_flag("--quiet", o->quiet, "No progress lines on stderr");
  cmd->add_flag("--json", o->json,
                "Print {\"model\",\"log\",\"train_samples\",\"test_samples\",\"epochs_run\",\"best_epoch\","
                "\"stopped_early\",\"train_accuracy\",\"test_accuracy\"}");
  return [o] { run_train(*o); };
}

}  // namespace certnn::cli
