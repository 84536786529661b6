// Pooling and constant padding on batches, with the adjoints of the linear ones: the one home of
// these kernels for the forward pass, the gradients and the stability operators. Layout as
// model::forward: one column per sample, a sample's elements flattened row-major.
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <vector>

#include "certnn/model/convolution.hpp"
#include "certnn/model/layers.hpp"

namespace certnn::model {

// The in-bounds (output, input) pairs of every pooling window, in the order for_each_window visits
// them (a window's taps in kernel row-major order), with each window's divisor.
struct PoolingWindows {
  std::vector<std::int64_t> output, input;
  std::vector<double> divisor;  // the element count, or kernel_h·kernel_w with count_include_pad

  explicit PoolingWindows(const Window2d& window, bool count_include_pad = false);
};

// Window means (AveragePool) and their adjoint, the transpose with the same 1 / divisor entries.
template <class T>
Matrix<T> average_pool(const AveragePool& pool, const Matrix<T>& x);
template <class T>
Matrix<T> average_pool_adjoint(const AveragePool& pool, const Matrix<T>& y);

// Window maxima; max_pool_arguments gives, per window and sample, the input index of the first
// maximal element (the element the gradient flows to), −1 for a window with no element.
template <class T>
Matrix<T> max_pool(const MaxPool& pool, const Matrix<T>& x);
Eigen::Matrix<std::int64_t, Eigen::Dynamic, Eigen::Dynamic> max_pool_arguments(const MaxPool& pool,
                                                                              const Eigen::MatrixXd& x);

// For each input element of a tensor of `input_shape`, its flattened index in the padded tensor.
std::vector<std::int64_t> padded_positions(const Pad& pad, const Shape& input_shape);
// The padded tensor, and the adjoint of padding (the padded tensor's entries at the input's places).
template <class T>
Matrix<T> pad(const Pad& pad, const Shape& input_shape, const Matrix<T>& x);
template <class T>
Matrix<T> unpad(const Pad& pad, const Shape& input_shape, const Matrix<T>& y);

}  // namespace certnn::model
