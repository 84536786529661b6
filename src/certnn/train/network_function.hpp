// A trainable network's bounds written on the expression graph (grad/expression.hpp) by walking
// its model::Network node by node (model/network_walk.hpp), for the bound-based training losses:
// the interval bound propagation (IBP) of Gowal et al. (2018) with the specification folded into
// the last layer, and CROWN-IBP (Zhang et al., 2020) with the ReLU relaxation of bounds/relax/.
// (The point loss takes grad/'s per-layer gradients: training_loss.cpp.)
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "certnn/grad/expression.hpp"
#include "certnn/model/kind_dispatch.hpp"
#include "certnn/train/trainable_network.hpp"

namespace certnn::train {

using grad::Graph;
using grad::Matrix;
using grad::Var;

// The kinds the bound-based trainers differentiate are Dense (Gemm, MatMul), Conv, Relu, Reshape
// (Flatten), which leaves the data as it lies, and Add and Sub of two tensors (residual
// connections); these are the others.
using UntrainableKinds =
    model::KindList<model::LeakyRelu, model::Sigmoid, model::Tanh, model::Softmax, model::BatchNorm,
                    model::AddConstant, model::SubConstant, model::MulConstant, model::DivConstant,
                    model::AveragePool, model::MaxPool, model::Pad>;

// Throws certnn::Error naming the first node of another kind, or the output node unless it is
// dense (the label difference is folded into it); `context` opens the message.
void check_bound_trainable(const model::Network& network, const std::string& context);

// One graph variable per parameter block, holding the network's current values.
std::vector<Var> bind_parameters(Graph& graph, const TrainableNetwork& network);

// Upper bounds of y_j − y_label over each column's box [lower, upper] (classes × batch, 0 in the
// label's row), by IBP with the output layer and the label difference merged
// (Graph::label_difference_upper); the output node must be dense. Cross-entropy of these as logits
// is the robust loss of IBP training.
Var worst_case_differences(Graph& graph, const TrainableNetwork& network, std::span<const Var> parameters,
                           const Matrix& lower, const Matrix& upper, std::span<const std::int64_t> labels);

// The same upper bounds by CROWN-IBP: IBP's intermediate bounds, then the specification's linear
// bound carried back to the input through every node (ReLU: the chord above, the adaptive line
// below, as bounds/relax/activation_lines.hpp chooses them), maximised over the box. Exact for
// networks without ReLUs; usually far tighter than IBP on untrained networks.
Var crown_ibp_differences(Graph& graph, const TrainableNetwork& network, std::span<const Var> parameters,
                          const Matrix& lower, const Matrix& upper, std::span<const std::int64_t> labels);

}  // namespace certnn::train
