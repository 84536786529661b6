#include "certnn/model/convolution.hpp"

#include <algorithm>
#include <cstdint>
#include <vector>

namespace certnn::model {
namespace {

using Eigen::Index;

// The windows of a chunk of samples, unfolded (im2col) into the transpose of the product's right
// operand: row s·positions + (oh·out_w + ow) holds the window at (oh, ow) of sample s, column
// (c·kernel_h + kh)·kernel_w + kw its tap (c, kh, kw); padded taps are 0. In this layout a tap's
// positions along one output row are contiguous, so both directions run over plain strided rows.
class Unfolding {
 public:
  explicit Unfolding(const Window2d& w)
      : w_(w), taps_(w.channels * w.kernel_h * w.kernel_w), positions_(w.out_h * w.out_w) {}

  Index taps() const { return taps_; }
  Index positions() const { return positions_; }
  // Samples per product: the unfolded chunk stays near 4 MiB in float64, a size at which the
  // product runs at full speed and the memory does not grow with the batch.
  Index chunk() const { return std::max<Index>(1, (Index{1} << 19) / std::max<Index>(1, taps_ * positions_)); }

  // unfolded := the windows of samples [first, first + count) of x.
  template <class T>
  void unfold(const Matrix<T>& x, Index first, Index count, Matrix<T>& unfolded) const {
    unfolded.resize(positions_ * count, taps_);
    visit_rows(count, [&](Index tap, Index s, Index oh, Index read, Index ow_begin, Index ow_end) {
      T* row = unfolded.col(tap).data() + s * positions_ + oh * w_.out_w;
      std::fill(row, row + ow_begin, T(0));
      const T* in = x.col(first + s).data() + read;
      for (Index ow = ow_begin; ow < ow_end; ++ow, in += w_.stride_w) row[ow] = *in;
      std::fill(row + ow_end, row + w_.out_w, T(0));
    });
  }

  // x.col(first + s) += the entries of sample s in unfolded, each onto the element its tap read.
  template <class T>
  void fold(const Matrix<T>& unfolded, Index first, Index count, Matrix<T>& x) const {
    visit_rows(count, [&](Index tap, Index s, Index oh, Index read, Index ow_begin, Index ow_end) {
      const T* row = unfolded.col(tap).data() + s * positions_ + oh * w_.out_w;
      T* in = x.col(first + s).data() + read;
      for (Index ow = ow_begin; ow < ow_end; ++ow, in += w_.stride_w) *in += row[ow];
    });
  }

 private:
  // visit(tap, sample, oh, read, [ow_begin, ow_end)): the output columns of row oh whose tap is
  // in bounds, and the sample's element the first of them reads (0 for an empty range, as for a
  // row wholly in the padding).
  template <class Visit>
  void visit_rows(Index count, Visit&& visit) const {
    for (Index c = 0; c < w_.channels; ++c)
      for (Index kh = 0; kh < w_.kernel_h; ++kh)
        for (Index kw = 0; kw < w_.kernel_w; ++kw) {
          const Index tap = (c * w_.kernel_h + kh) * w_.kernel_w + kw;
          const Index shift = kw * w_.dilation_w - w_.pad_left;  // iw = ow·stride_w + shift
          // Smallest ow with iw ≥ 0 and the end of those with iw < in_w.
          const Index ow_begin = std::min(w_.out_w, shift >= 0 ? 0 : (-shift + w_.stride_w - 1) / w_.stride_w);
          const Index ow_end = std::max(ow_begin, std::min(w_.out_w, w_.in_w - shift <= 0 ? 0
                                                                     : (w_.in_w - shift + w_.stride_w - 1) / w_.stride_w));
          for (Index s = 0; s < count; ++s)
            for (Index oh = 0; oh < w_.out_h; ++oh) {
              const Index ih = oh * w_.stride_h - w_.pad_top + kh * w_.dilation_h;
              if (ih < 0 || ih >= w_.in_h || ow_begin == ow_end) {
                visit(tap, s, oh, Index{0}, w_.out_w, w_.out_w);
              } else {
                visit(tap, s, oh, (c * w_.in_h + ih) * w_.in_w + ow_begin * w_.stride_w + shift, ow_begin, ow_end);
              }
            }
        }
  }

  Window2d w_;
  Index taps_, positions_;
};

// Between the per-sample layout (rows channel-major: channels·positions × batch) and the layout
// of the products (positions·count × channels: row s·positions + p, column m). A channel's
// positions are contiguous in both, so the copies run over contiguous blocks.
template <class T>
void to_positions_by_channel(const Matrix<T>& samples, Index first, Index count, Index channels, Matrix<T>& out) {
  const Index positions = samples.rows() / channels;
  out.resize(positions * count, channels);
  for (Index m = 0; m < channels; ++m)
    for (Index s = 0; s < count; ++s)
      out.col(m).segment(s * positions, positions) = samples.col(first + s).segment(m * positions, positions);
}

template <class T>
void from_positions_by_channel(const Matrix<T>& in, Index first, Index count, Matrix<T>& samples) {
  const Index channels = in.cols(), positions = in.rows() / count;
  for (Index m = 0; m < channels; ++m)
    for (Index s = 0; s < count; ++s)
      samples.col(first + s).segment(m * positions, positions) = in.col(m).segment(s * positions, positions);
}

}  // namespace

template <class T>
Matrix<T> convolve(const Matrix<T>& weight, const Window2d& window, const Matrix<T>& x) {
  const Unfolding unfolding(window);
  Matrix<T> y(weight.rows() * unfolding.positions(), x.cols());
  Matrix<T> unfolded, product;
  for (Index first = 0; first < x.cols(); first += unfolding.chunk()) {
    const Index count = std::min(unfolding.chunk(), x.cols() - first);
    unfolding.unfold(x, first, count, unfolded);
    product.noalias() = unfolded * weight.transpose();
    from_positions_by_channel(product, first, count, y);
  }
  return y;
}

template <class T>
Matrix<T> convolve_adjoint(const Matrix<T>& weight, const Window2d& window, const Matrix<T>& y) {
  const Unfolding unfolding(window);
  Matrix<T> x = Matrix<T>::Zero(window.channels * window.in_h * window.in_w, y.cols());
  Matrix<T> product, unfolded;
  for (Index first = 0; first < y.cols(); first += unfolding.chunk()) {
    const Index count = std::min(unfolding.chunk(), y.cols() - first);
    to_positions_by_channel(y, first, count, weight.rows(), product);
    unfolded.noalias() = product * weight;
    unfolding.fold(unfolded, first, count, x);
  }
  return x;
}

Eigen::MatrixXd convolution_weight_gradient(const Window2d& window, const Eigen::MatrixXd& x,
                                            const Eigen::MatrixXd& g) {
  const Unfolding unfolding(window);
  const Index channels = g.rows() / unfolding.positions();
  Eigen::MatrixXd gradient = Eigen::MatrixXd::Zero(channels, unfolding.taps());
  Eigen::MatrixXd product, unfolded;
  for (Index first = 0; first < x.cols(); first += unfolding.chunk()) {
    const Index count = std::min(unfolding.chunk(), x.cols() - first);
    unfolding.unfold(x, first, count, unfolded);
    to_positions_by_channel(g, first, count, channels, product);
    gradient.noalias() += product.transpose() * unfolded;
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
