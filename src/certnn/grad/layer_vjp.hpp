// Vector-Jacobian products of one layer, for every layer kind: the cotangent of a node's output
// (dL/dy, one column per sample) pulled back to each of its inputs, dL/dx = J(x)ᵀ dL/dy.
//
// At the kinks, where the function has no derivative, a fixed one-sided choice is made:
//   Relu at x = 0 uses slope 0; LeakyRelu at x = 0 uses slope alpha (so LeakyRelu{0} and Relu
//   agree everywhere); MaxPool sends the whole cotangent of a window to its first maximal
//   element in (kernel row, kernel column) order.
#pragma once

#include <vector>

#include "certnn/model/forward.hpp"
#include "certnn/model/network.hpp"

namespace certnn::grad {

// inputs[k]: the node's k-th input value, size(input k) x batch; output: the node's output value
// (used by Sigmoid, Tanh and Softmax, whose derivatives are functions of it); output_cotangent:
// size(output) x batch. Returns one cotangent per input, shaped like that input.
std::vector<model::Batch<double>> input_vjp(const model::Node& node,
                                            const std::vector<const model::Batch<double>*>& inputs,
                                            const model::Batch<double>& output,
                                            const model::Batch<double>& output_cotangent,
                                            const model::Network& network);

}  // namespace certnn::grad
