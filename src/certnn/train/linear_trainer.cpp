#include "certnn/train/linear_trainer.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>
#include <random>
#include <string>

#include "certnn/core/error.hpp"

namespace certnn::train {
namespace {

using Eigen::Index;

// θ = (w, b) as one vector: the optimisers work on a flat parameter vector.
Eigen::VectorXd flatten(const LinearClassifier& classifier) {
  Eigen::VectorXd theta(classifier.weight.size() + 1);
  theta << classifier.weight, classifier.bias;
  return theta;
}

LinearClassifier unflatten(const Eigen::VectorXd& theta) {
  return {theta.head(theta.size() - 1), theta[theta.size() - 1]};
}

Eigen::VectorXd flat_gradient(const LossAndGradient& g) {
  Eigen::VectorXd flat(g.weight_gradient.size() + 1);
  flat << g.weight_gradient, g.bias_gradient;
  return flat;
}

void check_sample_size(const data::Dataset& dataset, Index expected, const char* role) {
  if (dataset.inputs.rows() != expected)
    throw ShapeError(std::string("linear training: the ") + role + " set '" + dataset.name + "' has samples of " +
                     std::to_string(dataset.inputs.rows()) + " elements, the training set " +
                     std::to_string(expected));
}

}  // namespace

void check_train_options(const LinearTrainOptions& options) {
  if (options.epochs < 1) throw Error("training: epochs must be ≥ 1");
  if (options.batch_size < 1) throw Error("training: batch size must be ≥ 1");
  if (!(std::isfinite(options.learning_rate) && options.learning_rate > 0.0))
    throw Error("training: the learning rate must be a finite number > 0");
  if (!(std::isfinite(options.objective.eps) && options.objective.eps >= 0.0))
    throw Error("training: eps must be a finite number ≥ 0");
  if (!(std::isfinite(options.objective.weight_decay) && options.objective.weight_decay >= 0.0))
    throw Error("training: weight decay must be a finite number ≥ 0");
  if (options.patience && *options.patience < 1) throw Error("training: patience must be ≥ 1");
  if (!(options.monitor.explosion_threshold > 0.0))
    throw Error("training: the gradient explosion threshold must be > 0");
  check_optimizer_options(options.optimizer);
}

LinearTrainResult train_linear(const data::Dataset& train, const data::Dataset* validation,
                               const LinearTrainOptions& options, const EpochCallback& on_epoch) {
  check_train_options(options);
  const Eigen::VectorXd targets = binary_targets(train);
  if (train.size() == 0) throw Error("linear training: the training set '" + train.name + "' is empty");
  std::optional<Eigen::VectorXd> validation_targets;
  if (validation && validation->size() > 0) {
    check_sample_size(*validation, train.inputs.rows(), "validation");
    validation_targets = binary_targets(*validation);
  }
  if (options.patience && !validation_targets)
    throw Error("training: early stopping (patience) needs a non-empty validation set");

  const Index n = train.inputs.rows(), count = train.size();
  LinearTrainResult result;
  result.classifier = {Eigen::VectorXd::Zero(n), 0.0};
  Eigen::VectorXd theta = flatten(result.classifier);
  Optimizer optimizer(options.optimizer, theta.size());
  EarlyStopping early_stopping(options.patience);
  std::mt19937_64 generator(options.seed);
  std::vector<Index> order(static_cast<std::size_t>(count));
  std::iota(order.begin(), order.end(), Index{0});
  Eigen::MatrixXd batch_inputs;
  Eigen::VectorXd batch_targets;
  const auto start = std::chrono::steady_clock::now();

  for (int epoch = 1; epoch <= options.epochs; ++epoch) {
    const auto epoch_start = std::chrono::steady_clock::now();
    const double rate = learning_rate_at(options.schedule, options.learning_rate, epoch - 1, options.epochs);
    std::shuffle(order.begin(), order.end(), generator);
    for (Index first = 0; first < count; first += options.batch_size) {
      const Index size = std::min<Index>(options.batch_size, count - first);
      batch_inputs.resize(n, size);
      batch_targets.resize(size);
      for (Index j = 0; j < size; ++j) {
        const Index s = order[static_cast<std::size_t>(first + j)];
        batch_inputs.col(j) = train.inputs.col(s);
        batch_targets[j] = targets[s];
      }
      const LossAndGradient step = linear_loss(unflatten(theta), batch_inputs, batch_targets, options.objective);
      const Eigen::VectorXd gradient = flat_gradient(step);
      check_convergence(options.monitor, epoch, step.loss, gradient.norm());
      optimizer.step(theta, gradient, rate);
      // A huge step can overflow the parameters while the hinge's gradient stays bounded.
      if (!theta.allFinite())
        throw TrainingDiverged("training diverged at epoch " + std::to_string(epoch) +
                               ": the parameters overflowed (inf or NaN) after a step of learning rate " +
                               std::to_string(rate));
    }

    const LinearClassifier current = unflatten(theta);
    const LossAndGradient full = linear_loss(current, train.inputs, targets, options.objective);
    EpochRecord record;
    record.epoch = epoch;
    record.learning_rate = rate;
    record.loss = full.loss;
    record.gradient_norm = flat_gradient(full).norm();
    check_convergence(options.monitor, epoch, record.loss, record.gradient_norm);
    record.train_accuracy = static_cast<double>(full.correct) / static_cast<double>(count);
    bool best = true;
    if (validation_targets) {
      const LossAndGradient held_out = linear_loss(current, validation->inputs, *validation_targets, options.objective);
      record.validation_loss = held_out.loss;
      record.validation_accuracy = static_cast<double>(held_out.correct) / static_cast<double>(validation->size());
      best = early_stopping.record(held_out.loss);
    }
    if (best || !options.patience) {
      result.classifier = current;
      result.best_epoch = epoch;
    }
    const auto now = std::chrono::steady_clock::now();
    record.seconds = std::chrono::duration<double>(now - epoch_start).count();
    record.seconds_left =
        estimated_seconds_left(std::chrono::duration<double>(now - start).count(), epoch, options.epochs);
    result.history.push_back(record);
    if (on_epoch) on_epoch(record);
    if (early_stopping.should_stop()) {
      result.stopped_early = epoch < options.epochs;
      break;
    }
  }
  return result;
}

}  // namespace certnn::train
