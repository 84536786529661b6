// The small network of the verifier's closed-form tests: y0 = |x0| + |x1| through four ReLUs,
// y1 = x0 − x1. Over a box [a, b] × [c, d] the range of y0 is
// [dist(0, [a, b]) + dist(0, [c, d]), max(|a|, |b|) + max(|c|, |d|)].
#pragma once

#include <Eigen/Core>

#include "certnn/model/network.hpp"

namespace certnn::testing {

inline model::Network l1_network() {
  model::Network network({2});
  Eigen::MatrixXd hidden(4, 2);
  hidden << 1, 0, -1, 0, 0, 1, 0, -1;
  Eigen::MatrixXd out(2, 4);
  out << 1, 1, 1, 1, 1, -1, 0, 0;
  const auto h = network.add("hidden", model::Dense{hidden, Eigen::VectorXd::Zero(4)}, {model::kInputValue});
  const auto r = network.add("relu", model::Relu{}, {h});
  network.set_output(network.add("out", model::Dense{out, Eigen::VectorXd::Zero(2)}, {r}));
  return network;
}

}  // namespace certnn::testing
