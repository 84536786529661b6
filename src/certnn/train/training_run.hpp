// One training run of `certnn train` and certnn.train: the validation split for early stopping,
// the trainer the settings name, and the scores and certificate reported with the model.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <vector>

#include "certnn/core/error.hpp"
#include "certnn/data/split.hpp"
#include "certnn/model/network.hpp"
#include "certnn/train/epoch_record.hpp"
#include "certnn/train/network_trainer.hpp"
#include "certnn/train/stable_blocks.hpp"
#include "certnn/train/training_settings.hpp"

namespace certnn::train {

// What the caller watches and controls while the run goes on.
struct TrainingHooks {
  EpochCallback on_epoch;  // after every epoch
  BatchCallback on_batch;  // networks only: after every mini-batch step
  // Raised by the caller (any thread, or a signal handler): the run ends with TrainingStopped
  // after the current mini-batch (networks) or epoch (linear), and returns nothing.
  const std::atomic<bool>* stop = nullptr;
};

class TrainingStopped : public Error {
 public:
  using Error::Error;
};

struct TrainingOutcome {
  model::Network network;  // the last epoch's, or with early stopping the best epoch's
  std::vector<EpochRecord> history;
  bool stopped_early = false;
  int best_epoch = 0;
  std::int64_t train_samples = 0, test_samples = 0;  // train_samples without the validation share
  double train_accuracy = 0.0;                       // clean accuracy
  std::optional<double> test_accuracy;               // none without test samples
  std::optional<std::int64_t> parameters;            // networks only
  std::optional<StabilityCertificate> stability;     // networks only
};

// settings: checked by check_training_settings. With settings.patience, a seeded random share
// (validation_fraction) of split.train is held out for early stopping. A diverging run throws
// TrainingDiverged (monitor.hpp).
// With settings.init, `initial` is the model that file holds (read by the front end), trained
// further from its weights: its Gemm/MatMul and Conv layers, in any mode, and in ibp and crown-ibp
// only over the kinds those differentiate (train/imported_network.hpp).
TrainingOutcome run_training(const TrainingSettings& settings, data::Split split, const TrainingHooks& hooks = {},
                             const model::Network* initial = nullptr);

}  // namespace certnn::train
