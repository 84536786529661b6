// The float32 inference error model behind `--inference float32`: how far a float32 engine's
// value of each layer can be from the exact layer function applied to the engine's own inputs.
// A bound method adds these radii after every layer, so its enclosures hold for the exact network
// and for any float32 engine alike (DESIGN §4).
//
// Error model (u = 2^-24, γ_n = n·u / (1 − n·u), any summation order, with or without fused
// multiply-adds; parameters and inputs rounded to nearest float32 by the engine):
//   inputs          read as fl32(x): the box is widened to the float32 numbers around it;
//   Dense, Conv     γ_{n+1}·(|W||x| + |b|) for fan-in n, plus |W − fl32(W)||x| + |b − fl32(b)|;
//   element-wise    ±, ×, ÷ by constants and Add/Sub of tensors: γ_3 of the operands' magnitudes;
//   BatchNorm       γ_12·(|a|(|x| + |mean|) + |bias|) with a = scale/√(var + ε), covering both
//                   the unfolded form and the folded a·x + (bias − a·mean);
//   AveragePool     γ_{k+2}·max|x| over a window of k elements;
//   Sigmoid, Tanh   4 float32 ulps of the largest output (libm-grade float32 functions);
//   Softmax         relative 3·(u·D + 2^-21) + γ_{m+2} of the output, D the spread of the group's
//                   inputs (the subtraction of the maximum), m the group size;
//   Relu, MaxPool, Reshape, Pad (with a float32 pad value): exact;
// plus (n+1)·2^-149 for underflow wherever products are summed. A value whose magnitude may exceed
// the float32 range gets an infinite radius: the engine may overflow there.
#pragma once

#include <Eigen/Core>
#include <vector>

#include "certnn/bounds/box.hpp"
#include "certnn/model/network.hpp"

namespace certnn::bounds {

// The float32 numbers enclosing the box: what an engine reads for any real input inside.
Box float32_input(const Box& input);

// Per element radius δ ≥ 0 for the node's output, given enclosures of the engine's operand
// values (one box per node input). `output` is an enclosure of the exact layer output over the
// operand boxes (for the relative terms of activations).
Eigen::VectorXd float32_layer_error(const model::Network& network, const model::Node& node,
                                    const std::vector<const Box*>& operands, const Box& output);

// box ± δ, rounded outward.
void widen(Box& box, const Eigen::VectorXd& radius);

}  // namespace certnn::bounds
