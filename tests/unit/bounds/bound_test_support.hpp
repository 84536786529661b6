// Shared by the bound-method unit tests: random vectors, matrices and orthogonal matrices,
// pooling/conv windows, points of a box (centre, random points, random vertices), a count of
// forward outputs outside a bound, a network using every layer kind, and random ReLU MLPs.
#pragma once

#include <gtest/gtest.h>

#include <Eigen/Core>
#include <Eigen/QR>
#include <array>
#include <cmath>
#include <random>
#include <string>

#include "certnn/bounds/box.hpp"
#include "certnn/model/forward.hpp"
#include "certnn/model/network.hpp"
#include "certnn/model/shape_inference.hpp"

namespace certnn::bounds::test {

using model::Network;
using model::ValueId;
using Eigen::Index;
using Eigen::MatrixXd;
using Eigen::VectorXd;

// Forward evaluation in float64 rounds; a bound must hold it within this relative slack.
inline constexpr double kForwardSlack = 1e-12;

inline double uniform(std::mt19937& rng, double lo, double hi) { return std::uniform_real_distribution<double>(lo, hi)(rng); }

inline VectorXd random_vector(std::mt19937& rng, Index n, double lo, double hi) {
  return VectorXd::NullaryExpr(n, [&] { return uniform(rng, lo, hi); });
}
inline MatrixXd random_matrix(std::mt19937& rng, Index rows, Index cols, double scale) {
  return MatrixXd::NullaryExpr(rows, cols, [&] { return uniform(rng, -scale, scale); });
}
inline MatrixXd random_orthogonal(std::mt19937& rng, Index n) {
  return Eigen::HouseholderQR<MatrixXd>(random_matrix(rng, n, n, 1.0)).householderQ();
}

inline Box box_around(const VectorXd& centre, const VectorXd& radius) { return Box{centre - radius, centre + radius}; }

inline model::Window2d window(const Shape& in, std::int64_t kernel, std::int64_t stride, std::array<std::int64_t, 4> pads) {
  model::Window2d w;
  w.channels = in[1];
  w.in_h = in[2];
  w.in_w = in[3];
  w.kernel_h = w.kernel_w = kernel;
  w.stride_h = w.stride_w = stride;
  w.pad_top = pads[0];
  w.pad_left = pads[1];
  w.pad_bottom = pads[2];
  w.pad_right = pads[3];
  model::complete_window(w);
  return w;
}

// Points of the box: its centre, random points and random vertices (one column each).
inline MatrixXd points_in(const Box& box, std::mt19937& rng, Index count) {
  MatrixXd points(box.size(), count);
  for (Index s = 0; s < count; ++s)
    for (Index i = 0; i < box.size(); ++i) {
      const double lo = box.lower[i], hi = box.upper[i];
      points(i, s) = s == 0 ? lo + (hi - lo) / 2 : s % 2 == 0 ? uniform(rng, lo, hi) : (rng() % 2 ? lo : hi);
    }
  return points;
}

// Counts forward outputs at points of the input box outside the bound (with kForwardSlack).
inline int count_outside(const Network& network, const Box& input, const Box& bound, std::mt19937& rng, Index samples) {
  const MatrixXd outputs = model::forward<double>(network, points_in(input, rng, samples));
  int outside = 0;
  for (Index s = 0; s < outputs.cols(); ++s)
    for (Index i = 0; i < outputs.rows(); ++i) {
      const double v = outputs(i, s), slack = kForwardSlack * (1.0 + std::abs(v));
      if (v >= bound.lower[i] - slack && v <= bound.upper[i] + slack) continue;
      if (++outside <= 5)
        ADD_FAILURE() << "sample " << s << " output " << i << ": " << v << " outside [" << bound.lower[i] << ", "
                      << bound.upper[i] << "]";
    }
  return outside;
}

inline double mean_width(const Box& box) { return box.width().mean(); }

// Every layer kind, in shapes that exercise padding, strides, both average-pool divisors,
// residual additions and subtractions that share values, and grouped softmax.
inline Network every_kind_network(std::mt19937& rng) {
  Network n({1, 2, 6, 6}, "image");
  ValueId v = n.add("from_constant", model::SubConstant{random_vector(rng, 72, -1, 1), true}, {0});
  v = n.add("pad", model::Pad{{0, 0, 1, 0}, {0, 0, 0, 1}, 0.5}, {v});  // [1,2,7,7]
  model::Conv2d conv{window(n.shape(v), 3, 1, {1, 1, 1, 1}), 3, random_matrix(rng, 3, 18, 0.5),
                     random_vector(rng, 3, -0.3, 0.3)};
  v = n.add("conv", conv, {v});  // [1,3,7,7]
  v = n.add("batch_norm",
            model::BatchNorm{random_vector(rng, 3, 0.5, 1.5), random_vector(rng, 3, -0.5, 0.5),
                             random_vector(rng, 3, -0.5, 0.5), random_vector(rng, 3, 0.25, 2.0), 1e-3, 49},
            {v});
  v = n.add("leaky_relu", model::LeakyRelu{0.1}, {v});
  v = n.add("max_pool", model::MaxPool{window(n.shape(v), 2, 2, {0, 0, 0, 0})}, {v});                     // [1,3,3,3]
  v = n.add("average_with_pads", model::AveragePool{window(n.shape(v), 2, 1, {1, 1, 1, 1}), true}, {v});  // [1,3,4,4]
  v = n.add("average_in_bounds", model::AveragePool{window(n.shape(v), 3, 1, {1, 1, 1, 1}), false}, {v});
  v = n.add("flatten", model::Reshape{{1, 48}}, {v});
  v = n.add("dense", model::Dense{random_matrix(rng, 12, 48, 0.4), random_vector(rng, 12, -0.5, 0.5)}, {v});
  const ValueId activated = n.add("tanh", model::Tanh{}, {v});
  v = n.add("scale", model::MulConstant{random_vector(rng, 12, -2, 2)}, {activated});
  v = n.add("divide", model::DivConstant{random_vector(rng, 12, 0.5, 2)}, {v});
  const ValueId shifted = n.add("shift", model::AddConstant{random_vector(rng, 12, -1, 1)}, {v});
  v = n.add("sigmoid", model::Sigmoid{}, {shifted});
  const ValueId sum = n.add("residual_add", model::AddTensors{}, {activated, v});
  v = n.add("relu", model::Relu{}, {shifted});
  v = n.add("residual_sub", model::SubTensors{}, {sum, v});
  v = n.add("minus", model::SubConstant{random_vector(rng, 12, -1, 1), false}, {v});
  v = n.add("grouped_softmax", model::Softmax{4}, {v});
  n.add("classify", model::Dense{random_matrix(rng, 5, 12, 1.0), random_vector(rng, 5, -0.5, 0.5)}, {v});
  return n;
}

// in → width × depth ReLU layers → out, weights scaled to keep the activations of order one.
inline Network relu_mlp(std::mt19937& rng, Index in, Index width, int depth, Index out) {
  Network n({1, in});
  ValueId v = model::kInputValue;
  for (int layer = 0; layer <= depth; ++layer) {
    const Index rows = layer == depth ? out : width, cols = n.size(v);
    const double scale = std::sqrt(6.0 / static_cast<double>(cols));
    v = n.add("dense" + std::to_string(layer),
              model::Dense{random_matrix(rng, rows, cols, scale), random_vector(rng, rows, -0.1, 0.1)}, {v});
    if (layer < depth) v = n.add("relu" + std::to_string(layer), model::Relu{}, {v});
  }
  return n;
}

// Six inputs ([1,1,2,3]: all 64 vertices are cheap) through conv, ReLU, max pooling, dense,
// sigmoid and grouped softmax.
inline Network six_input_network(std::mt19937& rng) {
  Network n({1, 1, 2, 3});
  ValueId v = n.add("conv", model::Conv2d{window({1, 1, 2, 3}, 2, 1, {1, 1, 1, 1}), 2, random_matrix(rng, 2, 4, 1.0),
                                           random_vector(rng, 2, -0.5, 0.5)},
                    {0});  // [1,2,3,4]
  v = n.add("relu", model::Relu{}, {v});
  v = n.add("pool", model::MaxPool{window(n.shape(v), 2, 1, {0, 0, 0, 0})}, {v});  // [1,2,2,3]
  v = n.add("flatten", model::Reshape{{1, 12}}, {v});
  v = n.add("dense", model::Dense{random_matrix(rng, 4, 12, 1.0), random_vector(rng, 4, -0.5, 0.5)}, {v});
  v = n.add("sigmoid", model::Sigmoid{}, {v});
  n.add("softmax", model::Softmax{4}, {v});
  return n;
}

// Every vertex of a box, one column each (2^size columns).
inline MatrixXd vertices_of(const Box& box) {
  const Index n = box.size(), count = Index{1} << n;
  MatrixXd vertices(n, count);
  for (Index s = 0; s < count; ++s)
    for (Index i = 0; i < n; ++i) vertices(i, s) = (s >> i) & 1 ? box.upper[i] : box.lower[i];
  return vertices;
}

}  // namespace certnn::bounds::test
