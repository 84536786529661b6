// The values of one batched forward pass, recorded for reverse-mode differentiation
// (grad/backward.hpp). Layout as model::forward: one column per sample, rows the sample's
// elements flattened row-major.
#pragma once

#include <Eigen/Core>
#include <vector>

#include "certnn/model/forward.hpp"
#include "certnn/model/network.hpp"

namespace certnn::grad {

struct Tape {
  // values[v]: network value v (0 the inputs, k + 1 the output of node k), size(v) x batch.
  std::vector<model::Batch<double>> values;

  const model::Batch<double>& input() const { return values.front(); }
  const model::Batch<double>& value(model::ValueId v) const { return values.at(static_cast<std::size_t>(v)); }
  Eigen::Index batch_size() const { return values.front().cols(); }
};

// Evaluates the network in float64 on inputs (input_size x batch) and keeps every value.
// Throws ShapeError on a wrong input size.
inline Tape record(const model::Network& network, const model::Batch<double>& inputs) {
  return Tape{model::forward_values<double>(network, inputs)};
}

}  // namespace certnn::grad
