// The layer kinds of the network IR. Each kind is a plain struct with a kind_name and is one
// alternative of LayerOp. Tensors are flattened row-major (ONNX order) per sample; shapes are the
// ONNX shapes at batch size 1. Every kind states its exact real-arithmetic function: the bound
// methods are proved sound against that function.
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <string_view>
#include <variant>
#include <vector>

#include "certnn/core/shape.hpp"

namespace certnn::model {

// y = W x + b, x flattened (n_in), y flattened (n_out). W: n_out x n_in.
struct Dense {
  static constexpr std::string_view kind_name = "Dense";
  Eigen::MatrixXd weight;
  Eigen::VectorXd bias;
};

// Geometry of a 2-D sliding window over a [1, C, H, W] tensor.
struct Window2d {
  std::int64_t channels = 0, in_h = 0, in_w = 0;
  std::int64_t kernel_h = 1, kernel_w = 1;
  std::int64_t stride_h = 1, stride_w = 1;
  std::int64_t pad_top = 0, pad_left = 0, pad_bottom = 0, pad_right = 0;
  std::int64_t dilation_h = 1, dilation_w = 1;
  std::int64_t out_h = 0, out_w = 0;
};

// 2-D convolution (cross-correlation as in ONNX), groups = 1, zero padding.
// weight: out_channels x (in_channels * kernel_h * kernel_w), columns ordered (c, kh, kw).
struct Conv2d {
  static constexpr std::string_view kind_name = "Conv";
  Window2d window;
  std::int64_t out_channels = 0;
  Eigen::MatrixXd weight;
  Eigen::VectorXd bias;
};

// max(x, 0)
struct Relu {
  static constexpr std::string_view kind_name = "Relu";
};

// x if x >= 0 else alpha * x
struct LeakyRelu {
  static constexpr std::string_view kind_name = "LeakyRelu";
  double alpha = 0.01;
};

// 1 / (1 + exp(-x))
struct Sigmoid {
  static constexpr std::string_view kind_name = "Sigmoid";
};

struct Tanh {
  static constexpr std::string_view kind_name = "Tanh";
};

// exp(x_i) / sum_j exp(x_j), over consecutive blocks of group_size elements of the flattened
// sample (the trailing axes the ONNX node normalises over).
struct Softmax {
  static constexpr std::string_view kind_name = "Softmax";
  std::int64_t group_size = 1;
};

// Flatten, Reshape, Squeeze, Unsqueeze: same data, new shape (same element count).
struct Reshape {
  static constexpr std::string_view kind_name = "Reshape";
  Shape shape;
};

// Inference-form batch normalisation over axis 1 of [1, C, ...]:
// y = (x - mean) / sqrt(variance + epsilon) * scale + bias, per channel. Kept unfolded: the
// square root and division are part of the exact function, not rounded into weights.
struct BatchNorm {
  static constexpr std::string_view kind_name = "BatchNormalization";
  Eigen::VectorXd scale, bias, mean, variance;
  double epsilon = 1e-5;
  std::int64_t channel_stride = 1;  // elements per channel (product of spatial dims)
};

// x + y and x - y of two network values of the same shape (residual connections).
struct AddTensors {
  static constexpr std::string_view kind_name = "Add";
  static constexpr int input_count = 2;
};
struct SubTensors {
  static constexpr std::string_view kind_name = "Sub";
  static constexpr int input_count = 2;
};

// Element-wise operations with a constant, broadcast to the sample shape at import
// (input normalisation as exported by PyTorch and VNN-COMP models).
struct AddConstant {  // x + c
  static constexpr std::string_view kind_name = "AddConstant";
  Eigen::VectorXd constant;
};
struct SubConstant {  // x - c, or c - x when constant_first
  static constexpr std::string_view kind_name = "SubConstant";
  Eigen::VectorXd constant;
  bool constant_first = false;
};
struct MulConstant {  // x * c
  static constexpr std::string_view kind_name = "MulConstant";
  Eigen::VectorXd constant;
};
struct DivConstant {  // x / c, c != 0
  static constexpr std::string_view kind_name = "DivConstant";
  Eigen::VectorXd constant;
};

// Mean over each window. count_include_pad: divide by the full window size, else by the
// number of in-bounds elements.
struct AveragePool {
  static constexpr std::string_view kind_name = "AveragePool";
  Window2d window;
  bool count_include_pad = false;
};

// Maximum over each window's in-bounds elements.
struct MaxPool {
  static constexpr std::string_view kind_name = "MaxPool";
  Window2d window;
};

// Constant padding: output dimension d is begin[d] + input[d] + end[d], pads filled with value.
struct Pad {
  static constexpr std::string_view kind_name = "Pad";
  std::vector<std::int64_t> begin, end;
  double value = 0.0;
};

using LayerOp = std::variant<Dense, Conv2d, Relu, LeakyRelu, Sigmoid, Tanh, Softmax, Reshape,
                             BatchNorm, AddTensors, SubTensors, AddConstant, SubConstant,
                             MulConstant, DivConstant, AveragePool, MaxPool, Pad>;

std::string_view kind_name(const LayerOp& op);
// Every kind's name, in the order of LayerOp's alternatives.
std::vector<std::string_view> all_kind_names();

// Number of network values a layer reads: Kind::input_count where declared, else 1.
template <class Kind>
inline constexpr int input_count_of = [] {
  if constexpr (requires { Kind::input_count; }) {
    return Kind::input_count;
  } else {
    return 1;
  }
}();
int input_count(const LayerOp& op);

}  // namespace certnn::model
