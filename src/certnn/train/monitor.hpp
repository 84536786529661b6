// Convergence monitors of a training run: a run that diverges stops with a clear error instead
// of writing a model of NaNs, and a run that stops improving on held-out data stops early.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>

#include "certnn/core/error.hpp"

namespace certnn::train {

// Training stopped because the loss or its gradient left the finite range or exploded; the
// message names the epoch and the quantity ("training diverged at epoch 3: loss is inf").
class TrainingDiverged : public Error {
 public:
  using Error::Error;
};

struct MonitorOptions {
  bool enabled = true;                 // off: no divergence checks (a NaN loss still stops the run)
  double explosion_threshold = 1e6;    // gradient norms above this count as an explosion
};

// Throws TrainingDiverged when the loss is NaN or ±∞, when the gradient norm is not finite, or
// (when enabled) when it exceeds the explosion threshold. epoch counts from 1.
void check_convergence(const MonitorOptions& options, int epoch, double loss, double gradient_norm);

// Early stopping on a validation loss (lower is better): stop once `patience` epochs in a row
// failed to improve on the best loss seen.
class EarlyStopping {
 public:
  explicit EarlyStopping(std::optional<int> patience) : patience_(patience) {}

  // Records the validation loss of an epoch; true when it is the best so far (the caller keeps
  // the parameters of the best epoch).
  bool record(double validation_loss);
  bool should_stop() const { return patience_ && epochs_without_improvement_ >= *patience_; }
  double best_loss() const { return best_; }

 private:
  std::optional<int> patience_;
  double best_ = std::numeric_limits<double>::infinity();
  int epochs_without_improvement_ = 0;
};

// Seconds left to run, estimated from the mean time per finished epoch.
double estimated_seconds_left(double seconds_so_far, int epochs_done, int epochs_total);

}  // namespace certnn::train
