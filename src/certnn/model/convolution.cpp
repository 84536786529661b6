#include "certnn/model/convolution.hpp"

#include <algorithm>
#include <cstdint>
#include <vector>

#include "certnn/model/window.hpp"

namespace certnn::model {
namespace {

using Eigen::Index;
template <class T>
using RowMajor = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// For the unfolded columns of one sample (C·kernel_h·kernel_w rows × out_h·out_w columns,
// column-major), the flattened input index each entry reads, −1 for a padded tap.
struct GatherTable {
  Index rows = 0, positions = 0;
  std::vector<std::int64_t> source;

  explicit GatherTable(const Window2d& w)
      : rows(w.channels * w.kernel_h * w.kernel_w),
        positions(w.out_h * w.out_w),
        source(static_cast<std::size_t>(rows * positions), -1) {
    for_each_tap(w, [&](auto c, auto kh, auto kw, auto oh, auto ow, auto in_index) {
      source[static_cast<std::size_t>((oh * w.out_w + ow) * rows + (c * w.kernel_h + kh) * w.kernel_w + kw)] =
          in_index;
    });
  }

  // Samples per product: the unfolded chunk stays near 4 MiB in float64, a size at which the
  // product runs at full speed and the memory does not grow with the batch.
  Index chunk() const { return std::max<Index>(1, (Index{1} << 19) / std::max<Index>(1, rows * positions)); }

  // columns := the windows of samples [first, first + count) side by side.
  template <class T>
  void unfold(const Matrix<T>& x, Index first, Index count, Matrix<T>& columns) const {
    columns.resize(rows, positions * count);
    for (Index s = 0; s < count; ++s) {
      const T* from = x.col(first + s).data();
      T* to = columns.data() + s * rows * positions;
      for (std::size_t i = 0; i < source.size(); ++i) to[i] = source[i] >= 0 ? from[source[i]] : T(0);
    }
  }

  // x.col(first + s) += the entries of columns' block s, each onto the input element it read.
  template <class T>
  void fold(const Matrix<T>& columns, Index first, Index count, Matrix<T>& x) const {
    for (Index s = 0; s < count; ++s) {
      const T* from = columns.data() + s * rows * positions;
      T* to = x.col(first + s).data();
      for (std::size_t i = 0; i < source.size(); ++i)
        if (source[i] >= 0) to[source[i]] += from[i];
    }
  }
};

// Between the per-sample layout (rows channel-major: channels·positions × batch) and the product
// layout (channels × positions·count, sample after sample).
template <class T>
void to_product_layout(const Matrix<T>& samples, Index first, Index count, Index channels, Matrix<T>& product) {
  const Index positions = samples.rows() / channels;
  product.resize(channels, positions * count);
  for (Index s = 0; s < count; ++s)
    product.middleCols(s * positions, positions) =
        Eigen::Map<const RowMajor<T>>(samples.col(first + s).data(), channels, positions);
}

template <class T>
void from_product_layout(const Matrix<T>& product, Index first, Index count, Matrix<T>& samples) {
  const Index channels = product.rows(), positions = product.cols() / count;
  for (Index s = 0; s < count; ++s)
    Eigen::Map<RowMajor<T>>(samples.col(first + s).data(), channels, positions) =
        product.middleCols(s * positions, positions);
}

}  // namespace

template <class T>
Matrix<T> convolve(const Matrix<T>& weight, const Window2d& window, const Matrix<T>& x) {
  const GatherTable table(window);
  Matrix<T> y(weight.rows() * table.positions, x.cols());
  Matrix<T> columns, product;
  for (Index first = 0; first < x.cols(); first += table.chunk()) {
    const Index count = std::min(table.chunk(), x.cols() - first);
    table.unfold(x, first, count, columns);
    product.noalias() = weight * columns;
    from_product_layout(product, first, count, y);
  }
  return y;
}

template <class T>
Matrix<T> convolve_adjoint(const Matrix<T>& weight, const Window2d& window, const Matrix<T>& y) {
  const GatherTable table(window);
  Matrix<T> x = Matrix<T>::Zero(window.channels * window.in_h * window.in_w, y.cols());
  Matrix<T> product, columns;
  for (Index first = 0; first < y.cols(); first += table.chunk()) {
    const Index count = std::min(table.chunk(), y.cols() - first);
    to_product_layout(y, first, count, weight.rows(), product);
    columns.noalias() = weight.transpose() * product;
    table.fold(columns, first, count, x);
  }
  return x;
}

Eigen::MatrixXd convolution_weight_gradient(const Window2d& window, const Eigen::MatrixXd& x,
                                            const Eigen::MatrixXd& g) {
  const GatherTable table(window);
  const Index channels = g.rows() / table.positions;
  Eigen::MatrixXd gradient = Eigen::MatrixXd::Zero(channels, table.rows);
  Eigen::MatrixXd product, columns;
  for (Index first = 0; first < x.cols(); first += table.chunk()) {
    const Index count = std::min(table.chunk(), x.cols() - first);
    table.unfold(x, first, count, columns);
    to_product_layout(g, first, count, channels, product);
    gradient.noalias() += product * columns.transpose();
  }
  return gradient;
}

template <class T>
void add_channel_bias(Matrix<T>& y, const Eigen::VectorXd& bias) {
  const Index block = y.rows() / bias.size();
  for (Index c = 0; c < bias.size(); ++c) y.middleRows(c * block, block).array() += static_cast<T>(bias[c]);
}

Eigen::VectorXd channel_sums(const Eigen::MatrixXd& g, Index channels) {
  const Index block = g.rows() / channels;
  Eigen::VectorXd sums(channels);
  for (Index c = 0; c < channels; ++c) sums[c] = g.middleRows(c * block, block).sum();
  return sums;
}

template Matrix<double> convolve<double>(const Matrix<double>&, const Window2d&, const Matrix<double>&);
template Matrix<float> convolve<float>(const Matrix<float>&, const Window2d&, const Matrix<float>&);
template Matrix<double> convolve_adjoint<double>(const Matrix<double>&, const Window2d&, const Matrix<double>&);
template Matrix<float> convolve_adjoint<float>(const Matrix<float>&, const Window2d&, const Matrix<float>&);
template void add_channel_bias<double>(Matrix<double>&, const Eigen::VectorXd&);
template void add_channel_bias<float>(Matrix<float>&, const Eigen::VectorXd&);

}  // namespace certnn::model
