// Mini-batch training of a linear binary classifier (linear_classifier.hpp) on one of the two
// objectives of linear_loss.hpp, with an optimiser and learning-rate schedule, the convergence
// monitors, and early stopping on a validation split.
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "certnn/data/dataset.hpp"
#include "certnn/train/epoch_record.hpp"
#include "certnn/train/linear_classifier.hpp"
#include "certnn/train/linear_loss.hpp"
#include "certnn/train/monitor.hpp"
#include "certnn/train/optimizer.hpp"
#include "certnn/train/schedule.hpp"

namespace certnn::train {

struct LinearTrainOptions {
  LinearObjective objective;
  int epochs = 10;                    // ≥ 1
  std::int64_t batch_size = 64;       // ≥ 1; the last batch of an epoch may be smaller
  double learning_rate = 0.01;        // base rate of the schedule, finite, > 0
  Schedule schedule = Schedule::Constant;
  OptimizerOptions optimizer;
  MonitorOptions monitor;
  // Early stopping: stop after this many epochs without a lower validation loss, and keep the
  // parameters of the best epoch. Needs a validation set.
  std::optional<int> patience;
  std::uint64_t seed = 0;             // the order of the samples in each epoch
};

// Throws certnn::Error naming the setting: epochs or batch size < 1, a learning rate not finite
// or ≤ 0, eps or weight decay negative or not finite, a patience < 1, invalid optimiser options.
void check_train_options(const LinearTrainOptions& options);

struct LinearTrainResult {
  LinearClassifier classifier;  // the last epoch's, or with early stopping the best epoch's
  std::vector<EpochRecord> history;
  bool stopped_early = false;
  int best_epoch = 0;           // the epoch whose parameters the classifier holds
};

// train, validation: datasets of 2 classes with the same sample size (binary_targets). Starts
// from w = 0, b = 0. Every mini-batch step checks its loss and gradient (check_convergence), as
// does every epoch's record, so a diverging run throws TrainingDiverged at the first sign; the
// caller has then no classifier to save. Deterministic for a given seed.
LinearTrainResult train_linear(const data::Dataset& train, const data::Dataset* validation,
                               const LinearTrainOptions& options, const EpochCallback& on_epoch = {});

}  // namespace certnn::train
