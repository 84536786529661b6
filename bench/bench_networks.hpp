// The reference networks of the benchmarks, with fixed random weights: ReLU MLPs of the ERAN
// shapes (6x100, 9x200 on 784 inputs) and the small CNN of Gowal et al. (2018) on 1x28x28
// (conv 16 4x4 stride 2, conv 32 4x4 stride 1, dense 100, dense 10, ReLU between).
#pragma once

#include <cmath>
#include <random>
#include <string>

#include "certnn/model/network.hpp"
#include "certnn/model/shape_inference.hpp"

namespace certnn::bench {

inline Eigen::MatrixXd random_matrix(Eigen::Index rows, Eigen::Index cols, std::mt19937& rng) {
  std::normal_distribution<double> normal(0.0, std::sqrt(2.0 / static_cast<double>(cols)));
  return Eigen::MatrixXd::NullaryExpr(rows, cols, [&] { return normal(rng); });
}

inline model::ValueId add_dense(model::Network& net, model::ValueId x, Eigen::Index out, std::mt19937& rng,
                                const std::string& name) {
  const Eigen::Index in = net.size(x);
  std::normal_distribution<double> bias(0.0, 0.1);
  return net.add(name, model::Dense{random_matrix(out, in, rng), Eigen::VectorXd::NullaryExpr(out, [&] { return bias(rng); })},
                 {x});
}

// depth hidden ReLU layers of `width`, then 10 logits.
inline model::Network relu_mlp(int depth, Eigen::Index width, unsigned seed = 1) {
  std::mt19937 rng(seed);
  model::Network net({1, 784});
  model::ValueId x = model::kInputValue;
  for (int layer = 0; layer < depth; ++layer) {
    x = add_dense(net, x, width, rng, "dense" + std::to_string(layer));
    x = net.add("relu" + std::to_string(layer), model::Relu{}, {x});
  }
  net.set_output(add_dense(net, x, 10, rng, "logits"));
  return net;
}

inline model::ValueId add_conv(model::Network& net, model::ValueId x, std::int64_t out_channels, std::int64_t stride,
                               std::mt19937& rng, const std::string& name) {
  const auto& in = net.shape(x);
  model::Window2d w;
  w.channels = in[1];
  w.in_h = in[2];
  w.in_w = in[3];
  w.kernel_h = w.kernel_w = 4;
  w.stride_h = w.stride_w = stride;
  model::complete_window(w);
  model::Conv2d conv{w, out_channels, random_matrix(out_channels, w.channels * 16, rng),
                     Eigen::VectorXd::Zero(out_channels)};
  return net.add(name, std::move(conv), {x});
}

inline model::Network cnn_small(unsigned seed = 2) {
  std::mt19937 rng(seed);
  model::Network net({1, 1, 28, 28});
  model::ValueId x = net.add("relu0", model::Relu{}, {add_conv(net, model::kInputValue, 16, 2, rng, "conv0")});
  x = net.add("relu1", model::Relu{}, {add_conv(net, x, 32, 1, rng, "conv1")});
  x = net.add("flatten", model::Reshape{{1, net.size(x)}}, {x});
  x = net.add("relu2", model::Relu{}, {add_dense(net, x, 100, rng, "dense")});
  net.set_output(add_dense(net, x, 10, rng, "logits"));
  return net;
}

}  // namespace certnn::bench
