// Gradients of a loss with respect to the trainable parameters of one layer (Dense and Conv2d
// weight and bias, BatchNorm scale and bias), summed over the columns of a batch. Layers of the
// other kinds have no trainable parameters; BatchNorm's mean and variance are statistics, not
// trained by gradient.
#pragma once

#include <Eigen/Core>
#include <vector>

#include "certnn/model/forward.hpp"
#include "certnn/model/network.hpp"

namespace certnn::grad {

// Fields shaped like the layer's own parameters; empty (size 0) where the kind has none.
struct ParameterGradient {
  Eigen::MatrixXd weight;  // Dense: n_out x n_in; Conv2d: out_channels x (C * kernel_h * kernel_w)
  Eigen::VectorXd scale;   // BatchNorm: one per channel
  Eigen::VectorXd bias;    // Dense: n_out; Conv2d: out_channels; BatchNorm: one per channel

  bool empty() const { return weight.size() == 0 && scale.size() == 0 && bias.size() == 0; }
};

// Sum over the batch of dL/dθ for the node's parameters θ, given its input values (inputs[k]:
// size(input k) x batch) and the cotangent of its output (size(output) x batch).
ParameterGradient parameter_gradient(const model::Node& node, const std::vector<const model::Batch<double>*>& inputs,
                                     const model::Batch<double>& output_cotangent);

}  // namespace certnn::grad
