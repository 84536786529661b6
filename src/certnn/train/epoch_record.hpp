// What a trainer reports after each epoch: the convergence monitors' quantities, for progress
// lines and the JSON training log.
#pragma once

#include <functional>
#include <optional>

namespace certnn::train {

// The record of one epoch. The linear trainer takes it over the whole training set with the
// parameters at the epoch's end; the network trainer, whose passes are costly, averages what its
// mini-batch steps saw during the epoch.
struct EpochRecord {
  int epoch = 0;                // from 1
  double learning_rate = 0.0;
  double loss = 0.0;            // the training objective
  double gradient_norm = 0.0;   // ‖∇θ L‖₂ of the objective
  double train_accuracy = 0.0;  // clean accuracy
  std::optional<double> validation_loss, validation_accuracy;
  double seconds = 0.0;         // wall time of the epoch
  double seconds_left = 0.0;    // estimated for the remaining epochs
  std::optional<double> eps;    // robust modes: the radius trained for in this epoch (ramped)
};

// Called after every epoch (progress lines, logs).
using EpochCallback = std::function<void(const EpochRecord&)>;

}  // namespace certnn::train
