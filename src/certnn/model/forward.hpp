// Batched forward evaluation of a network in float64 or float32 (the inference function an
// engine computes in that precision). Layout: one column per sample, rows are the sample's
// elements flattened row-major.
#pragma once

#include <Eigen/Core>
#include <vector>

#include "certnn/model/network.hpp"

namespace certnn::model {

template <class T>
using Batch = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>;

// inputs: input_size x batch; returns output_size x batch. Throws ShapeError on a wrong size.
template <class T>
Batch<T> forward(const Network& network, const Batch<T>& inputs);

// Every value of the same pass, kept for reverse-mode differentiation: element v is value v
// (0 the inputs, k + 1 the output of node k), size(v) x batch. Throws ShapeError as forward().
template <class T>
std::vector<Batch<T>> forward_values(const Network& network, const Batch<T>& inputs);

// Evaluates one layer given its input values (one or two batches).
template <class T>
Batch<T> apply_layer(const Node& node, const std::vector<const Batch<T>*>& inputs,
                     const Network& network);

extern template Batch<double> forward<double>(const Network&, const Batch<double>&);
extern template Batch<float> forward<float>(const Network&, const Batch<float>&);
extern template std::vector<Batch<double>> forward_values<double>(const Network&, const Batch<double>&);

}  // namespace certnn::model
