// Mini-batch training of the networks of architecture.hpp in the modes standard, pgd, ibp and
// crown-ibp (training_loss.hpp), with an optimiser and learning-rate schedule, the convergence monitors,
// early stopping on a validation split, and the stable blocks kept non-expansive.
//
// The robust modes schedule their radius: ibp ramps ε linearly from 0 to its value and κ (the
// natural loss's weight) from 1 to final_kappa over the first `ramp` share of the steps, then
// holds both (Gowal et al., 2018); crown-ibp ramps the same way, and the CROWN-IBP share β of its
// worst case from 1 to 0 (Zhang et al., 2020); pgd attacks at the full ε with `pgd_steps` steps of
// 2.5 ε / pgd_steps from a random start (Madry et al., 2018).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "certnn/bounds/box.hpp"
#include "certnn/data/dataset.hpp"
#include "certnn/train/architecture.hpp"
#include "certnn/train/epoch_record.hpp"
#include "certnn/train/monitor.hpp"
#include "certnn/train/optimizer.hpp"
#include "certnn/train/schedule.hpp"

namespace certnn::train {

enum class NetworkMode { Standard, Pgd, Ibp, CrownIbp };

struct NetworkTrainOptions {
  NetworkMode mode = NetworkMode::Standard;
  double eps = 0.0;                    // pgd, ibp, crown-ibp: the L∞ radius trained for, finite, > 0
  double ramp = 0.5;                   // ibp, crown-ibp: share of the steps over which ε, κ, β ramp, in [0, 1]
  double final_kappa = 0.5;            // ibp, crown-ibp: κ after the ramp, in [0, 1]
  int pgd_steps = 7;                   // pgd: attack steps per batch, ≥ 1
  std::optional<bounds::Domain> domain = bounds::Domain{0.0, 1.0};  // inputs' box; perturbations stay in it
  int epochs = 10;                     // ≥ 1
  std::int64_t batch_size = 128;       // ≥ 1
  double learning_rate = 1e-3;         // base rate of the schedule, finite, > 0
  Schedule schedule = Schedule::Constant;
  OptimizerOptions optimizer{OptimizerKind::Adam};
  double weight_decay = 0.0;           // adds weight_decay · θ to every gradient
  MonitorOptions monitor;
  std::optional<int> patience;         // early stopping on the validation loss (needs a validation set)
  std::uint64_t seed = 0;              // sample order and attack starts
  int threads = 2;                     // the batch is split across this many threads, ≥ 1
};

// Throws certnn::Error naming the setting that is out of range.
void check_network_options(const NetworkTrainOptions& options);

// Progress inside an epoch, after each mini-batch step.
struct BatchProgress {
  int epoch = 0, epochs = 0;
  std::int64_t batch = 0, batches = 0;  // batch from 1
  double loss = 0.0, accuracy = 0.0;     // running means over the epoch so far
  double seconds_left = 0.0;             // estimated for the whole run
};
using BatchCallback = std::function<void(const BatchProgress&)>;

struct NetworkTrainResult {
  TrainableNetwork network;      // the last epoch's, or with early stopping the best epoch's
  std::vector<EpochRecord> history;
  bool stopped_early = false;
  int best_epoch = 0;
};

// train, validation: labelled samples of the network's input size and classes. A diverging run
// throws TrainingDiverged at the first batch whose loss or gradient norm is out of range, or whose
// update overflows the parameters. Stable blocks are constrained after every step and made
// provably non-expansive (stable_blocks.hpp) before the result is returned. Deterministic for a
// given seed and thread count.
NetworkTrainResult train_network(TrainableNetwork network, const data::Dataset& train,
                                 const data::Dataset* validation, const NetworkTrainOptions& options,
                                 const EpochCallback& on_epoch = {}, const BatchCallback& on_batch = {});

// Mean cross-entropy and clean accuracy on a dataset (validation, reports).
struct CleanScore {
  double loss = 0.0, accuracy = 0.0;
};
CleanScore clean_score(const TrainableNetwork& network, const data::Dataset& dataset);

}  // namespace certnn::train
