// The settings of one training run by name, as `certnn train` and certnn.train (Python) take them:
// architecture and mode spelled as on the command line, and defaults that depend on the trainer
// (the linear binary classifier or a network of architecture.hpp). Both front ends check and map
// them here, so they refuse the same settings with the same messages and train the same way.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "certnn/core/thread_limit.hpp"
#include "certnn/train/linear_trainer.hpp"
#include "certnn/train/network_trainer.hpp"

namespace certnn::train {

struct TrainingSettings {
  std::string data;  // dataset name, file, or "arrays"; only recorded in the log
  std::string arch, mode, schedule = "constant";
  std::string init;  // an ONNX model to train further instead of building arch (certnn train --init)
  std::optional<std::string> optimizer;      // default: sgd for linear, adam for networks
  std::optional<double> eps, learning_rate;  // default rate: 0.01 for linear, 0.001 for networks
  std::optional<std::int64_t> batch;         // default: 64 for linear, 128 for networks
  int epochs = 10, pgd_steps = 7, threads = 2;
  double momentum = 0.9, weight_decay = 0.0, test_fraction = 0.2;
  double validation_fraction = 0.1, explode = 1e6, ramp = 0.5, kappa = 0.5;
  std::optional<int> patience;  // early stopping on a validation share of the training part
  std::uint64_t seed = 0;

  bool linear() const { return arch == "linear"; }
  bool bound_based() const { return mode == "ibp" || mode == "crown-ibp"; }
  std::int64_t batch_or_default() const { return batch.value_or(linear() ? 64 : 128); }
  double learning_rate_or_default() const { return learning_rate.value_or(linear() ? 0.01 : 1e-3); }
  std::string optimizer_or_default() const { return optimizer.value_or(linear() ? "sgd" : "adam"); }
};

// How a message names a setting: "--test-fraction" on the command line, "test_fraction" in Python.
enum class SettingSpelling { Option, Keyword };
std::string setting_name(const std::string& keyword, SettingSpelling spelling);

// Throws certnn::Error with a one-line message for the first setting out of place: an unknown
// architecture, a mode the trainer lacks, a robust mode without eps, a value out of its range.
void check_training_settings(const TrainingSettings& settings, SettingSpelling spelling);

// The trainers' options; the settings must have passed check_training_settings.
NetworkTrainOptions network_options(const TrainingSettings& settings);
LinearTrainOptions linear_options(const TrainingSettings& settings);

}  // namespace certnn::train
