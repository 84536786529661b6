#include "certnn/train/network_trainer.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>
#include <random>
#include <string>

#include "certnn/attack/pgd.hpp"
#include "certnn/core/column_slices.hpp"
#include "certnn/core/error.hpp"
#include "certnn/grad/loss.hpp"
#include "certnn/model/forward.hpp"
#include "certnn/train/network_function.hpp"
#include "certnn/train/stable_blocks.hpp"
#include "certnn/train/training_loss.hpp"

namespace certnn::train {
namespace {

using Eigen::Index;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

void check_dataset(const data::Dataset& dataset, const TrainableNetwork& network, const char* role) {
  if (dataset.inputs.rows() != network.input_size())
    throw ShapeError(std::string("training: the ") + role + " set '" + dataset.name + "' has samples of " +
                     std::to_string(dataset.inputs.rows()) + " elements, the network takes " +
                     std::to_string(network.input_size()));
  for (std::int64_t label : dataset.labels)
    if (label < 0 || label >= network.classes)
      throw Error(std::string("training: the ") + role + " set has label " + std::to_string(label) +
                  ", the network has " + std::to_string(network.classes) + " classes");
}

// PGD adversarial points for the batch (Madry et al.: a fixed number of steps, no early stop, so
// the model trains on the strongest points found). Columns are split across threads.
Eigen::MatrixXd adversarial_inputs(const TrainableNetwork& network, const Eigen::MatrixXd& inputs,
                                   std::span<const std::int64_t> labels, const NetworkTrainOptions& options,
                                   std::uint64_t seed) {
  const model::Network exported = to_network(network);
  attack::Options attack;
  attack.eps = options.eps;
  attack.steps = options.pgd_steps;
  attack.step_size = 2.5 * options.eps / options.pgd_steps;
  attack.domain = options.domain;
  attack.stop_at_success = false;
  Eigen::MatrixXd adversarial(inputs.rows(), inputs.cols());
  for_each_column_slice(inputs.cols(), options.threads, [&](Index slice, Index first, Index count) {
    attack::Options part = attack;
    part.seed = seed * 1000003 + static_cast<std::uint64_t>(slice);
    const auto outcomes = attack::pgd(exported, inputs.middleCols(first, count), labels.subspan(first, count), part);
    for (Index j = 0; j < count; ++j) adversarial.col(first + j) = outcomes[static_cast<std::size_t>(j)].point;
  });
  return adversarial;
}

// κ, ε and β of step t of T in the bound-based modes: ε grows from 0, κ falls from 1 to its final
// value and (crown-ibp) β from 1 to 0 over the ramp.
StepObjective ramped_objective(const NetworkTrainOptions& options, std::int64_t step, std::int64_t total_steps) {
  const double ramp_steps = options.ramp * static_cast<double>(total_steps);
  const double progress = ramp_steps > 0 ? std::min(1.0, static_cast<double>(step) / ramp_steps) : 1.0;
  return {1.0 - (1.0 - options.final_kappa) * progress, options.eps * progress,
          options.mode == NetworkMode::CrownIbp ? 1.0 - progress : 0.0, options.domain};
}

}  // namespace

void check_network_options(const NetworkTrainOptions& o) {
  if (o.epochs < 1) throw Error("training: epochs must be ≥ 1");
  if (o.batch_size < 1) throw Error("training: batch size must be ≥ 1");
  if (!(std::isfinite(o.learning_rate) && o.learning_rate > 0.0))
    throw Error("training: the learning rate must be a finite number > 0");
  if (o.mode != NetworkMode::Standard && !(std::isfinite(o.eps) && o.eps > 0.0))
    throw Error("training: the robust modes need a finite eps > 0");
  if (!(o.ramp >= 0.0 && o.ramp <= 1.0)) throw Error("training: the ramp share must lie in [0, 1]");
  if (!(o.final_kappa >= 0.0 && o.final_kappa <= 1.0)) throw Error("training: kappa must lie in [0, 1]");
  if (o.pgd_steps < 1) throw Error("training: PGD steps must be ≥ 1");
  if (!(std::isfinite(o.weight_decay) && o.weight_decay >= 0.0))
    throw Error("training: weight decay must be a finite number ≥ 0");
  if (o.patience && *o.patience < 1) throw Error("training: patience must be ≥ 1");
  if (!(o.monitor.explosion_threshold > 0.0)) throw Error("training: the gradient explosion threshold must be > 0");
  if (o.threads < 1) throw Error("training: threads must be ≥ 1");
  check_optimizer_options(o.optimizer);
}

// On the float32-rounded parameters the exported model holds.
CleanScore clean_score(const TrainableNetwork& network, const data::Dataset& dataset) {
  const model::Network exported = to_network(network);
  CleanScore score;
  if (dataset.size() == 0) return score;
  constexpr Index kChunk = 512;
  for (Index start = 0; start < dataset.size(); start += kChunk) {
    const Index size = std::min(kChunk, dataset.size() - start);
    std::vector<CleanScore> parts(static_cast<std::size_t>(column_slice_count(size, 2)));
    for_each_column_slice(size, 2, [&](Index slice, Index first, Index count) {
      const auto labels = std::span(dataset.labels).subspan(static_cast<std::size_t>(start + first), static_cast<std::size_t>(count));
      const Eigen::MatrixXd z = model::forward<double>(exported, dataset.inputs.middleCols(start + first, count));
      CleanScore& part = parts[static_cast<std::size_t>(slice)];
      part.loss = grad::cross_entropy(z, labels).value.sum();
      for (Index s = 0; s < count; ++s) {
        Index best = 0;
        z.col(s).maxCoeff(&best);
        if (best == labels[static_cast<std::size_t>(s)]) part.accuracy += 1.0;
      }
    });
    for (const CleanScore& part : parts) {
      score.loss += part.loss;
      score.accuracy += part.accuracy;
    }
  }
  score.loss /= static_cast<double>(dataset.size());
  score.accuracy /= static_cast<double>(dataset.size());
  return score;
}

NetworkTrainResult train_network(TrainableNetwork network, const data::Dataset& train,
                                 const data::Dataset* validation, const NetworkTrainOptions& options,
                                 const EpochCallback& on_epoch, const BatchCallback& on_batch) {
  check_network_options(options);
  check_dataset(train, network, "training");
  if (options.mode == NetworkMode::Ibp || options.mode == NetworkMode::CrownIbp)
    check_bound_trainable(network.network, "training in a bound-based mode");
  if (train.size() == 0) throw Error("training: the training set '" + train.name + "' is empty");
  const bool validating = validation && validation->size() > 0;
  if (validating) check_dataset(*validation, network, "validation");
  if (options.patience && !validating)
    throw Error("training: early stopping (patience) needs a non-empty validation set");

  const Index count = train.size(), n = train.inputs.rows();
  const std::int64_t batches = (count + options.batch_size - 1) / options.batch_size;
  const std::int64_t total_steps = batches * options.epochs;
  Optimizer optimizer(options.optimizer, network.parameters.size());
  StableConstraint constraint(network);
  constraint.enforce(network);
  EarlyStopping early_stopping(options.patience);
  std::mt19937_64 generator(options.seed);
  std::vector<Index> order(static_cast<std::size_t>(count));
  std::iota(order.begin(), order.end(), Index{0});
  Eigen::MatrixXd inputs;
  std::vector<std::int64_t> labels;
  NetworkTrainResult result;
  result.network = network;
  std::int64_t step = 0;
  const auto start = Clock::now();

  for (int epoch = 1; epoch <= options.epochs; ++epoch) {
    const auto epoch_start = Clock::now();
    const double rate = learning_rate_at(options.schedule, options.learning_rate, epoch - 1, options.epochs);
    std::shuffle(order.begin(), order.end(), generator);
    double loss_sum = 0.0, gradient_norm_sum = 0.0;
    std::int64_t correct = 0, seen = 0;
    StepObjective objective;
    for (std::int64_t batch = 0; batch < batches; ++batch, ++step) {
      const Index first = batch * options.batch_size, size = std::min<Index>(options.batch_size, count - first);
      inputs.resize(n, size);
      labels.resize(static_cast<std::size_t>(size));
      for (Index j = 0; j < size; ++j) {
        const Index s = order[static_cast<std::size_t>(first + j)];
        inputs.col(j) = train.inputs.col(s);
        labels[static_cast<std::size_t>(j)] = train.labels[static_cast<std::size_t>(s)];
      }
      objective = {1.0, 0.0, 0.0, options.domain};
      if (options.mode == NetworkMode::Ibp || options.mode == NetworkMode::CrownIbp)
        objective = ramped_objective(options, step, total_steps);
      if (options.mode == NetworkMode::Pgd)
        inputs = adversarial_inputs(network, inputs, labels, options, options.seed + static_cast<std::uint64_t>(step));

      StepResult result_of_step = training_step(network, inputs, labels, objective, options.threads);
      if (options.weight_decay > 0.0) result_of_step.gradient += options.weight_decay * network.parameters;
      const double gradient_norm = result_of_step.gradient.norm();
      check_convergence(options.monitor, epoch, result_of_step.loss, gradient_norm);
      optimizer.step(network.parameters, result_of_step.gradient, rate);
      if (!network.parameters.allFinite())
        throw TrainingDiverged("training diverged at epoch " + std::to_string(epoch) +
                               ": the parameters overflowed (inf or NaN) after a step of learning rate " +
                               std::to_string(rate));
      constraint.enforce(network);

      loss_sum += result_of_step.loss * static_cast<double>(size);
      gradient_norm_sum += gradient_norm;
      correct += result_of_step.correct;
      seen += size;
      if (on_batch) {
        const double done = static_cast<double>(step + 1) / static_cast<double>(total_steps);
        on_batch({epoch, options.epochs, batch + 1, batches, loss_sum / static_cast<double>(seen),
                  static_cast<double>(correct) / static_cast<double>(seen), seconds_since(start) * (1.0 / done - 1.0)});
      }
    }

    EpochRecord record;
    record.epoch = epoch;
    record.learning_rate = rate;
    record.loss = loss_sum / static_cast<double>(seen);
    record.gradient_norm = gradient_norm_sum / static_cast<double>(batches);
    record.train_accuracy = static_cast<double>(correct) / static_cast<double>(seen);
    if (options.mode != NetworkMode::Standard)
      record.eps = options.mode == NetworkMode::Pgd ? options.eps : objective.eps;
    bool best = true;
    if (validating) {
      const CleanScore held_out = clean_score(network, *validation);
      record.validation_loss = held_out.loss;
      record.validation_accuracy = held_out.accuracy;
      best = early_stopping.record(held_out.loss);
    }
    if (best || !options.patience) {
      result.network = network;
      result.best_epoch = epoch;
    }
    record.seconds = seconds_since(epoch_start);
    record.seconds_left = estimated_seconds_left(seconds_since(start), epoch, options.epochs);
    result.history.push_back(record);
    if (on_epoch) on_epoch(record);
    if (early_stopping.should_stop()) {
      result.stopped_early = epoch < options.epochs;
      break;
    }
  }
  make_provably_stable(result.network);
  return result;
}

}  // namespace certnn::train
