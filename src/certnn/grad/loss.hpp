// Scalar losses of a batch of network outputs (output_size x batch), one value per column, each
// with its cotangent dL/dy: the seed of input_gradient and parameter_gradients (grad/backward.hpp).
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <span>

#include "certnn/model/forward.hpp"

namespace certnn::grad {

struct Loss {
  Eigen::RowVectorXd value;         // L per column, 1 x batch
  model::Batch<double> cotangent;   // dL/dy, output_size x batch
};

// The arguments below take one index per column (indices.size() == batch), each in
// [0, output_size); otherwise they throw ShapeError.

// L = y[i], the chosen output; the cotangent is the unit vector e_i.
Loss chosen_output(const model::Batch<double>& outputs, std::span<const std::int64_t> indices);

// L = y[t] − max_{j≠t} y[j], positive exactly when t wins strictly. Where several j attain the
// maximum, the cotangent e_t − e_j takes the first of them (L has a kink there). Needs at least
// two outputs.
Loss margin(const model::Batch<double>& outputs, std::span<const std::int64_t> targets);

// Cross-entropy of logits y with label t: L = log Σ_j exp(y[j]) − y[t], evaluated as
// m + log Σ_j exp(y[j] − m) with m = max_j y[j] so that no exponential overflows; the cotangent
// is softmax(y) − e_t.
Loss cross_entropy(const model::Batch<double>& logits, std::span<const std::int64_t> labels);

}  // namespace certnn::grad
