#include "certnn/train/training_loss.hpp"

#include <vector>

#include "certnn/core/column_slices.hpp"
#include "certnn/core/error.hpp"
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
// slices' losses and gradients add up to the batch's.
StepResult slice_step(const TrainableNetwork& network, const Matrix& inputs, std::span<const std::int64_t> labels,
                      const StepObjective& objective, double batch_size) {
  Graph graph;
  const std::vector<Var> parameters = bind_parameters(graph, network);
  const Var natural_logits = logits(graph, network, parameters, graph.constant(inputs));
  Var loss = graph.scale(graph.cross_entropy_sum(natural_logits, labels), objective.natural_weight / batch_size);
  if (objective.natural_weight < 1.0) {
    Matrix lower = inputs.array() - objective.eps, upper = inputs.array() + objective.eps;
    if (objective.domain) {
      lower = lower.cwiseMax(objective.domain->lower);
      upper = upper.cwiseMin(objective.domain->upper);
    }
    Var worst = worst_case_differences(graph, network, parameters, lower, upper, labels);
    if (objective.crown_weight > 0.0)
      worst = graph.add(graph.scale(worst, 1.0 - objective.crown_weight),
                        graph.scale(crown_ibp_differences(graph, network, parameters, lower, upper, labels),
                                    objective.crown_weight));
    loss = graph.add(loss, graph.scale(graph.cross_entropy_sum(worst, labels),
                                       (1.0 - objective.natural_weight) / batch_size));
  }
  graph.backward(loss);

  StepResult result;
  result.loss = graph.value(loss)(0, 0);
  result.correct = count_correct(graph.value(natural_logits), labels);
  result.gradient.resize(network.parameters.size());
  for (std::size_t k = 0; k < network.blocks.size(); ++k) {
    const ParameterBlock& block = network.blocks[k];
    result.gradient.segment(block.offset, block.rows * block.cols) = graph.gradient(parameters[k]).reshaped();
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
  std::vector<StepResult> parts(static_cast<std::size_t>(column_slice_count(batch, threads)));
  for_each_column_slice(batch, threads, [&](Index slice, Index first, Index count) {
    parts[static_cast<std::size_t>(slice)] = slice_step(network, inputs.middleCols(first, count),
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
