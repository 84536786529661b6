#include "certnn/train/training_loss.hpp"

#include <vector>

#include "certnn/core/column_slices.hpp"
#include "certnn/core/error.hpp"
#include "certnn/grad/backward.hpp"
#include "certnn/grad/loss.hpp"
#include "certnn/train/network_function.hpp"

namespace certnn::train {
namespace {

using Eigen::Index;

std::int64_t count_correct(const Matrix& logits, std::span<const std::int64_t> labels) {
  std::int64_t correct = 0;
  for (Index s = 0; s < logits.cols(); ++s) {
    Index best = 0;
    logits.col(s).maxCoeff(&best);
    if (best == labels[static_cast<std::size_t>(s)]) ++correct;
  }
  return correct;
}

// The slice's share of the batch mean: its loss sum divided by the whole batch size, so that the
// slices' losses and gradients add up to the batch's. The point term goes through grad/'s
// per-layer gradients on `current` (the network at the current parameters), the bound-based
// term through the expression graph.
StepResult slice_step(const TrainableNetwork& network, const model::Network& current, const Matrix& inputs,
                      std::span<const std::int64_t> labels, const StepObjective& objective, double batch_size) {
  const grad::Tape tape = grad::record(current, inputs);
  const Matrix& logits = tape.value(current.output());
  grad::Loss natural = grad::cross_entropy(logits, labels);
  const double natural_scale = objective.natural_weight / batch_size;
  StepResult result;
  result.loss = natural.value.sum() * natural_scale;
  result.correct = count_correct(logits, labels);
  natural.cotangent *= natural_scale;
  result.gradient = parameter_vector_gradient(network, grad::parameter_gradients(current, tape, natural.cotangent));

  if (objective.natural_weight < 1.0) {
    Matrix lower = inputs.array() - objective.eps, upper = inputs.array() + objective.eps;
    if (objective.domain) {
      lower = lower.cwiseMax(objective.domain->lower);
      upper = upper.cwiseMin(objective.domain->upper);
    }
    Graph graph;
    const std::vector<Var> parameters = bind_parameters(graph, network);
    Var worst = worst_case_differences(graph, network, parameters, lower, upper, labels);
    if (objective.crown_weight > 0.0)
      worst = graph.add(graph.scale(worst, 1.0 - objective.crown_weight),
                        graph.scale(crown_ibp_differences(graph, network, parameters, lower, upper, labels),
                                    objective.crown_weight));
    const Var robust = graph.scale(graph.cross_entropy_sum(worst, labels), (1.0 - objective.natural_weight) / batch_size);
    graph.backward(robust);
    result.loss += graph.value(robust)(0, 0);
    for (std::size_t k = 0; k < network.blocks.size(); ++k) {
      const ParameterBlock& block = network.blocks[k];
      result.gradient.segment(block.offset, block.rows * block.cols) += graph.gradient(parameters[k]).reshaped();
    }
  }
  return result;
}

}  // namespace

StepResult training_step(const TrainableNetwork& network, const Eigen::MatrixXd& inputs,
                         std::span<const std::int64_t> labels, const StepObjective& objective, int threads) {
  if (inputs.rows() != network.input_size() || static_cast<Index>(labels.size()) != inputs.cols())
    throw ShapeError("training step: " + std::to_string(inputs.cols()) + " samples of " +
                     std::to_string(inputs.rows()) + " elements with " + std::to_string(labels.size()) +
                     " labels for a network of input size " + std::to_string(network.input_size()));
  const Index batch = inputs.cols();
  const model::Network current = current_network(network);
  std::vector<StepResult> parts(static_cast<std::size_t>(column_slice_count(batch, threads)));
  for_each_column_slice(batch, threads, [&](Index slice, Index first, Index count) {
    parts[static_cast<std::size_t>(slice)] = slice_step(network, current, inputs.middleCols(first, count),
                                                        labels.subspan(first, count), objective, static_cast<double>(batch));
  });
  StepResult total = std::move(parts.front());
  for (std::size_t k = 1; k < parts.size(); ++k) {
    total.loss += parts[k].loss;
    total.correct += parts[k].correct;
    total.gradient += parts[k].gradient;
  }
  return total;
}

}  // namespace certnn::train
