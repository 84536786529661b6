#include "certnn/grad/loss.hpp"

#include <cmath>
#include <limits>
#include <string>

#include "certnn/core/error.hpp"

namespace certnn::grad {
namespace {

using model::Batch;
using Eigen::Index;

void check_indices(std::string_view loss, const Batch<double>& outputs, std::span<const std::int64_t> indices) {
  if (static_cast<Index>(indices.size()) != outputs.cols())
    throw ShapeError(std::string(loss) + ": " + std::to_string(indices.size()) + " indices for a batch of " +
                     std::to_string(outputs.cols()));
  for (std::size_t s = 0; s < indices.size(); ++s)
    if (indices[s] < 0 || indices[s] >= outputs.rows())
      throw ShapeError(std::string(loss) + ": index " + std::to_string(indices[s]) + " of column " +
                       std::to_string(s) + " is outside the " + std::to_string(outputs.rows()) + " outputs");
}

}  // namespace

Loss chosen_output(const Batch<double>& outputs, std::span<const std::int64_t> indices) {
  check_indices("chosen output", outputs, indices);
  Loss loss{Eigen::RowVectorXd(outputs.cols()), Batch<double>::Zero(outputs.rows(), outputs.cols())};
  for (Index s = 0; s < outputs.cols(); ++s) {
    loss.value[s] = outputs(indices[s], s);
    loss.cotangent(indices[s], s) = 1.0;
  }
  return loss;
}

Loss margin(const Batch<double>& outputs, std::span<const std::int64_t> targets) {
  check_indices("margin", outputs, targets);
  if (outputs.rows() < 2) throw ShapeError("margin: needs at least two outputs, the network has one");
  Loss loss{Eigen::RowVectorXd(outputs.cols()), Batch<double>::Zero(outputs.rows(), outputs.cols())};
  for (Index s = 0; s < outputs.cols(); ++s) {
    const Index t = targets[s];
    Index runner_up = -1;
    for (Index j = 0; j < outputs.rows(); ++j)
      if (j != t && (runner_up < 0 || outputs(j, s) > outputs(runner_up, s))) runner_up = j;
    loss.value[s] = outputs(t, s) - outputs(runner_up, s);
    loss.cotangent(t, s) = 1.0;
    loss.cotangent(runner_up, s) = -1.0;
  }
  return loss;
}

Loss cross_entropy(const Batch<double>& logits, std::span<const std::int64_t> labels) {
  check_indices("cross-entropy", logits, labels);
  Loss loss{Eigen::RowVectorXd(logits.cols()), Batch<double>(logits.rows(), logits.cols())};
  for (Index s = 0; s < logits.cols(); ++s) {
    const double shift = logits.col(s).maxCoeff();
    const Eigen::VectorXd exponentials = (logits.col(s).array() - shift).exp().matrix();
    const double total = exponentials.sum();  // ≥ 1: the maximum contributes exp(0)
    loss.value[s] = shift + std::log(total) - logits(labels[s], s);
    loss.cotangent.col(s) = exponentials / total;
    loss.cotangent(labels[s], s) -= 1.0;
  }
  return loss;
}

}  // namespace certnn::grad
