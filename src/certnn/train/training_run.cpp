#include "certnn/train/training_run.hpp"

#include <utility>

#include "certnn/train/architecture.hpp"
#include "certnn/train/imported_network.hpp"
#include "certnn/train/linear_export.hpp"
#include "certnn/train/linear_trainer.hpp"

namespace certnn::train {
namespace {

// A random `fraction` of the training part (the split may keep the file's order, which is often
// sorted by class); the seed draws it apart from the test split.
data::Dataset split_off_validation(data::Dataset& train, double fraction, std::uint64_t seed) {
  data::Split parts = data::shuffle_split(train, fraction, seed ^ 0x76616c6964ULL);
  train = std::move(parts.train);
  parts.test.name = train.name + " (validation)";
  return std::move(parts.test);
}

void stop_if_asked(const TrainingHooks& hooks) {
  if (hooks.stop && hooks.stop->load(std::memory_order_relaxed)) throw TrainingStopped("training stopped");
}

TrainingOutcome train_linear_model(const TrainingSettings& s, const data::Split& split, const data::Dataset* validation,
                                   const TrainingHooks& hooks) {
  const LinearTrainResult result = train_linear(split.train, validation, linear_options(s), [&](const EpochRecord& r) {
    stop_if_asked(hooks);
    if (hooks.on_epoch) hooks.on_epoch(r);
  });
  TrainingOutcome outcome{linear_network(result.classifier, split.train.sample_shape),
                          result.history,
                          result.stopped_early,
                          result.best_epoch,
                          0,
                          0,
                          linear_robust_accuracy(result.classifier, split.train, 0.0),
                          std::nullopt,
                          std::nullopt,
                          std::nullopt};
  if (split.test.size() > 0) outcome.test_accuracy = linear_robust_accuracy(result.classifier, split.test, 0.0);
  return outcome;
}

TrainableNetwork starting_network(const TrainingSettings& s, const data::Split& split, const model::Network* imported) {
  if (s.init.empty()) return build_architecture(s.arch, split.train.sample_shape, split.train.classes, s.seed);
  if (imported == nullptr) throw Error("train: the model of --init " + s.init + " was not read");
  TrainableNetwork network = trainable_network(*imported, s.init, s.bound_based());
  check_network_fits_data(network, split.train.inputs.rows(), split.train.classes);
  return network;
}

TrainingOutcome train_network_model(const TrainingSettings& s, const data::Split& split, const data::Dataset* validation,
                                    const TrainingHooks& hooks, const model::Network* imported) {
  const TrainableNetwork initial = starting_network(s, split, imported);
  const NetworkTrainResult result = train_network(
      initial, split.train, validation, network_options(s),
      [&](const EpochRecord& r) {
        stop_if_asked(hooks);
        if (hooks.on_epoch) hooks.on_epoch(r);
      },
      [&](const BatchProgress& p) {
        stop_if_asked(hooks);
        if (hooks.on_batch) hooks.on_batch(p);
      });
  TrainingOutcome outcome{to_network(result.network),
                          result.history,
                          result.stopped_early,
                          result.best_epoch,
                          0,
                          0,
                          clean_score(result.network, split.train).accuracy,
                          std::nullopt,
                          static_cast<std::int64_t>(result.network.parameters.size()),
                          certify_stability(result.network)};
  if (split.test.size() > 0) outcome.test_accuracy = clean_score(result.network, split.test).accuracy;
  return outcome;
}

}  // namespace

TrainingOutcome run_training(const TrainingSettings& settings, data::Split split, const TrainingHooks& hooks,
                             const model::Network* initial) {
  std::optional<data::Dataset> validation;
  if (settings.patience) validation = split_off_validation(split.train, settings.validation_fraction, settings.seed);
  const data::Dataset* held_out = validation ? &*validation : nullptr;
  TrainingOutcome outcome = settings.linear() ? train_linear_model(settings, split, held_out, hooks)
                                              : train_network_model(settings, split, held_out, hooks, initial);
  outcome.train_samples = split.train.size();
  outcome.test_samples = split.test.size();
  return outcome;
}

}  // namespace certnn::train
