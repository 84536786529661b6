#include "certnn/model/pooling.hpp"

#include <limits>

#include "certnn/model/window.hpp"

namespace certnn::model {

using Eigen::Index;

PoolingWindows::PoolingWindows(const Window2d& window, bool count_include_pad)
    : divisor(static_cast<std::size_t>(window.channels * window.out_h * window.out_w), 0.0) {
  for_each_window(window, [&](std::int64_t out, std::int64_t in) {
    output.push_back(out);
    input.push_back(in);
    divisor[static_cast<std::size_t>(out)] += 1.0;
  });
  if (count_include_pad) divisor.assign(divisor.size(), static_cast<double>(window.kernel_h * window.kernel_w));
}

// A window with no in-bounds element (possible only when the padding is as wide as the kernel)
// sums nothing and is left at 0 rather than divided by 0.
template <class T>
Matrix<T> average_pool(const AveragePool& pool, const Matrix<T>& x) {
  const PoolingWindows windows(pool.window, pool.count_include_pad);
  Matrix<T> y = Matrix<T>::Zero(static_cast<Index>(windows.divisor.size()), x.cols());
  for (Index s = 0; s < x.cols(); ++s) {
    const T* from = x.col(s).data();
    T* to = y.col(s).data();
    for (std::size_t k = 0; k < windows.input.size(); ++k) to[windows.output[k]] += from[windows.input[k]];
    for (std::size_t o = 0; o < windows.divisor.size(); ++o)
      if (windows.divisor[o] > 0) to[o] /= static_cast<T>(windows.divisor[o]);
  }
  return y;
}

template <class T>
Matrix<T> average_pool_adjoint(const AveragePool& pool, const Matrix<T>& y) {
  const PoolingWindows windows(pool.window, pool.count_include_pad);
  const Window2d& w = pool.window;
  Matrix<T> x = Matrix<T>::Zero(w.channels * w.in_h * w.in_w, y.cols());
  for (Index s = 0; s < y.cols(); ++s) {
    const T* from = y.col(s).data();
    T* to = x.col(s).data();
    for (std::size_t k = 0; k < windows.input.size(); ++k)
      to[windows.input[k]] += from[windows.output[k]] / static_cast<T>(windows.divisor[windows.output[k]]);
  }
  return x;
}

template <class T>
Matrix<T> max_pool(const MaxPool& pool, const Matrix<T>& x) {
  const PoolingWindows windows(pool.window);
  Matrix<T> y = Matrix<T>::Constant(static_cast<Index>(windows.divisor.size()), x.cols(),
                                    -std::numeric_limits<T>::infinity());
  for (Index s = 0; s < x.cols(); ++s) {
    const T* from = x.col(s).data();
    T* to = y.col(s).data();
    for (std::size_t k = 0; k < windows.input.size(); ++k) {
      T& best = to[windows.output[k]];
      if (from[windows.input[k]] > best) best = from[windows.input[k]];
    }
  }
  return y;
}

Eigen::Matrix<std::int64_t, Eigen::Dynamic, Eigen::Dynamic> max_pool_arguments(const MaxPool& pool,
                                                                              const Eigen::MatrixXd& x) {
  const PoolingWindows windows(pool.window);
  Eigen::Matrix<std::int64_t, Eigen::Dynamic, Eigen::Dynamic> first_max =
      Eigen::Matrix<std::int64_t, Eigen::Dynamic, Eigen::Dynamic>::Constant(
          static_cast<Index>(windows.divisor.size()), x.cols(), -1);
  for (Index s = 0; s < x.cols(); ++s) {
    const double* from = x.col(s).data();
    std::int64_t* best = first_max.col(s).data();
    for (std::size_t k = 0; k < windows.input.size(); ++k) {
      std::int64_t& b = best[windows.output[k]];
      if (b < 0 || from[windows.input[k]] > from[b]) b = windows.input[k];
    }
  }
  return first_max;
}

std::vector<std::int64_t> padded_positions(const Pad& pad, const Shape& input_shape) {
  Shape out_shape = input_shape;
  for (std::size_t d = 0; d < out_shape.size(); ++d) out_shape[d] += pad.begin[d] + pad.end[d];
  std::vector<std::int64_t> positions(static_cast<std::size_t>(element_count(input_shape)));
  // Walk the input elements in row-major order, tracking their multi-index.
  std::vector<std::int64_t> index(input_shape.size(), 0);
  for (std::int64_t& position : positions) {
    std::int64_t flat = 0;
    for (std::size_t d = 0; d < index.size(); ++d) flat = flat * out_shape[d] + index[d] + pad.begin[d];
    position = flat;
    for (std::size_t d = index.size(); d-- > 0;) {
      if (++index[d] < input_shape[d]) break;
      index[d] = 0;
    }
  }
  return positions;
}

template <class T>
Matrix<T> pad(const Pad& pad, const Shape& input_shape, const Matrix<T>& x) {
  Shape out_shape = input_shape;
  for (std::size_t d = 0; d < out_shape.size(); ++d) out_shape[d] += pad.begin[d] + pad.end[d];
  const std::vector<std::int64_t> positions = padded_positions(pad, input_shape);
  Matrix<T> y = Matrix<T>::Constant(element_count(out_shape), x.cols(), static_cast<T>(pad.value));
  for (Index s = 0; s < x.cols(); ++s)
    for (std::size_t i = 0; i < positions.size(); ++i) y(positions[i], s) = x(static_cast<Index>(i), s);
  return y;
}

template <class T>
Matrix<T> unpad(const Pad& pad, const Shape& input_shape, const Matrix<T>& y) {
  const std::vector<std::int64_t> positions = padded_positions(pad, input_shape);
  Matrix<T> x(static_cast<Index>(positions.size()), y.cols());
  for (Index s = 0; s < y.cols(); ++s)
    for (std::size_t i = 0; i < positions.size(); ++i) x(static_cast<Index>(i), s) = y(positions[i], s);
  return x;
}

template Matrix<double> average_pool<double>(const AveragePool&, const Matrix<double>&);
template Matrix<float> average_pool<float>(const AveragePool&, const Matrix<float>&);
template Matrix<double> average_pool_adjoint<double>(const AveragePool&, const Matrix<double>&);
template Matrix<double> max_pool<double>(const MaxPool&, const Matrix<double>&);
template Matrix<float> max_pool<float>(const MaxPool&, const Matrix<float>&);
template Matrix<double> pad<double>(const Pad&, const Shape&, const Matrix<double>&);
template Matrix<float> pad<float>(const Pad&, const Shape&, const Matrix<float>&);
template Matrix<double> unpad<double>(const Pad&, const Shape&, const Matrix<double>&);

}  // namespace certnn::model
