#include "certnn/bounds/affine_linear.hpp"

#include <Eigen/SparseCore>
#include <algorithm>
#include <cmath>
#include <vector>

#include "certnn/core/rounding.hpp"
#include "certnn/model/window.hpp"

namespace certnn::bounds {
namespace {

namespace r = certnn::rounding;
using Eigen::Index;
using Eigen::MatrixXd;
using Eigen::VectorXd;
using RowMajorMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using Columns = Eigen::Ref<MatrixXd>;
using FreshSymbols = std::vector<AffineForm::FreshSymbol>;

// y = A x + b on a form. Each map below computes, in floating point and any summation order, the
// signed image A·X of dense columns and of fresh (one-row) symbols, and the image |A|·X of
// non-negative columns, each output element being a sum of at most `terms` rounded products.
// With c' = fl(A c + b) and G' = fl(A G), the exact image differs from c' + G'ε by
// (A c + b − c') + (A G − G')ε + A δ, so row i gets
//   centre error      dot_error(terms, fl(|A||c| + |b|)_i)                 (Higham §3.1)
//   generator error   γ_terms·(|A|·Σ_j|G_·j|)_i + 2·terms·K·underflow       (the same, summed over j)
//   propagated radius (|A| r)_i
// where |A|·X is computed in floating point and bounded above by nonnegative_sum_up (its exact
// value is at most the computed one divided by 1 − γ_terms).
template <class LinearMap>
AffineForm apply_linear(const AffineForm& x, const LinearMap& map, const VectorXd& bias, std::int64_t terms) {
  const Index n = bias.size(), dense = x.generators.cols(), fresh = static_cast<Index>(x.fresh.size());
  AffineForm y{VectorXd(n), MatrixXd(n, x.symbols()), 0, {}, VectorXd(n), VectorXd()};
  map.signed_image(MatrixXd(x.centre), y.centre);
  y.centre += bias;
  map.signed_image(x.generators, y.generators.leftCols(dense));
  y.generators.middleCols(dense, x.symbols() - dense - fresh).setZero();
  map.signed_fresh_image(x.fresh, y.generators.rightCols(fresh));

  MatrixXd magnitudes(x.size(), 3);
  magnitudes << x.magnitude, x.radius, x.centre.cwiseAbs();
  const MatrixXd absolute = map.absolute_image(magnitudes);
  const double gamma = r::gamma(terms);
  const double underflow =
      r::mul_up(2.0 * static_cast<double>(terms) * static_cast<double>(std::max<Index>(x.symbols(), 1)),
                r::kUnderflowError);
  for (Index i = 0; i < n; ++i) {
    const double generator_error = r::add_up(r::mul_up(gamma, r::nonnegative_sum_up(terms, absolute(i, 0))), underflow);
    const double centre_error = r::dot_error(terms, absolute(i, 2) + std::abs(bias[i]));
    y.radius[i] = r::add_up(r::add_up(r::nonnegative_sum_up(terms, absolute(i, 1)), generator_error), centre_error);
  }
  finalize(y);
  return y;
}

// Columns of G are often sparse: a convolution spreads the input's and an activation's symbols
// only over a neighbourhood. Such columns are multiplied non-zero by non-zero, the others by one
// dense matrix product; either way each output element is a floating-point sum of products
// A_il·x_lj (the zero terms left out), which the bound of apply_linear covers.
bool is_sparse(Index nonzero_cost, Index dense_cost) { return 4 * nonzero_cost <= dense_cost; }

class DenseMap {
 public:
  explicit DenseMap(const MatrixXd& weight) : weight_(weight), abs_weight_(weight.cwiseAbs()) {}
  void signed_image(const MatrixXd& x, Columns y) const {
    std::vector<Index> dense;
    for (Index j = 0; j < x.cols(); ++j) {
      if (!is_sparse((x.col(j).array() != 0.0).count(), x.rows())) {
        dense.push_back(j);
        continue;
      }
      y.col(j).setZero();
      for (Index l = 0; l < x.rows(); ++l)
        if (x(l, j) != 0.0) y.col(j) += weight_.col(l) * x(l, j);
    }
    if (static_cast<Index>(dense.size()) == x.cols()) {
      y.noalias() = weight_ * x;
    } else if (!dense.empty()) {
      MatrixXd packed(x.rows(), static_cast<Index>(dense.size()));
      for (std::size_t t = 0; t < dense.size(); ++t) packed.col(t) = x.col(dense[t]);
      const MatrixXd product = weight_ * packed;
      for (std::size_t t = 0; t < dense.size(); ++t) y.col(dense[t]) = product.col(t);
    }
  }
  void signed_fresh_image(const FreshSymbols& fresh, Columns y) const {
    for (std::size_t t = 0; t < fresh.size(); ++t) y.col(t) = weight_.col(fresh[t].row) * fresh[t].coefficient;
  }
  MatrixXd absolute_image(const MatrixXd& x) const { return abs_weight_ * x; }

 private:
  const MatrixXd& weight_;
  MatrixXd abs_weight_;
};

// The convolution of many [C, H, W] columns. Dense columns are unfolded in chunks side by side
// (rows (c, kh, kw), columns (column, oh, ow)) so that one matrix product serves a chunk; sparse
// columns and fresh symbols scatter each non-zero input through the taps that read it.
class ConvolutionMap {
 public:
  explicit ConvolutionMap(const model::Conv2d& conv)
      : conv_(conv), abs_weight_(conv.weight.cwiseAbs()), positions_(conv.window.out_h * conv.window.out_w) {
    const model::Window2d& w = conv.window;
    std::vector<std::vector<ReadBy>> read_by(w.channels * w.in_h * w.in_w);
    model::for_each_tap(w, [&](auto c, auto kh, auto kw, auto oh, auto ow, auto in_index) {
      const Index row = (c * w.kernel_h + kh) * w.kernel_w + kw, position = oh * w.out_w + ow;
      taps_.push_back({row + conv.weight.cols() * position, in_index});
      read_by[in_index].push_back({row, position});
    });
    first_reader_.push_back(0);
    for (const auto& readers : read_by) {
      readers_.insert(readers_.end(), readers.begin(), readers.end());
      first_reader_.push_back(static_cast<Index>(readers_.size()));
    }
  }
  void signed_image(const MatrixXd& x, Columns y) const { apply(conv_.weight, x, y); }
  void signed_fresh_image(const FreshSymbols& fresh, Columns y) const {
    MatrixXd scattered(conv_.out_channels, positions_);
    for (std::size_t t = 0; t < fresh.size(); ++t) {
      scattered.setZero();
      scatter(conv_.weight, fresh[t].row, fresh[t].coefficient, scattered);
      store(scattered, y.col(t).data());
    }
  }
  MatrixXd absolute_image(const MatrixXd& x) const {
    MatrixXd y(conv_.out_channels * positions_, x.cols());
    apply(abs_weight_, x, y);
    return y;
  }

 private:
  struct Tap {
    Index unfolded, input;  // position in one column's unfolded block, and the input element read
  };
  struct ReadBy {
    Index row, position;  // weight column (c, kh, kw) and output position (oh, ow) of a tap
  };
  static constexpr Index kChunkElements = Index{1} << 21;

  Index taps_reading(Index q) const { return first_reader_[q + 1] - first_reader_[q]; }

  // Adds value × (the weights input q meets) into the output, laid out (channel, position).
  void scatter(const MatrixXd& weight, Index q, double value, MatrixXd& scattered) const {
    for (Index t = first_reader_[q]; t < first_reader_[q + 1]; ++t)
      scattered.col(readers_[t].position) += weight.col(readers_[t].row) * value;
  }
  // One output column in the layer's [channel, oh, ow] order, from a (channel, position) matrix.
  template <class Derived>
  void store(const Eigen::MatrixBase<Derived>& scattered, double* column) const {
    Eigen::Map<RowMajorMatrix>(column, conv_.out_channels, positions_) = scattered;
  }

  void apply(const MatrixXd& weight, const MatrixXd& x, Columns y) const {
    std::vector<Index> dense;
    MatrixXd scattered(conv_.out_channels, positions_);
    for (Index j = 0; j < x.cols(); ++j) {
      Index cost = 0;
      for (Index q = 0; q < x.rows(); ++q)
        if (x(q, j) != 0.0) cost += taps_reading(q);
      if (!is_sparse(cost, weight.cols() * positions_)) {
        dense.push_back(j);
        continue;
      }
      scattered.setZero();
      for (Index q = 0; q < x.rows(); ++q)
        if (x(q, j) != 0.0) scatter(weight, q, x(q, j), scattered);
      store(scattered, y.col(j).data());
    }
    unfold_and_multiply(weight, x, dense, y);
  }

  void unfold_and_multiply(const MatrixXd& weight, const MatrixXd& x, const std::vector<Index>& columns,
                           Columns y) const {
    if (columns.empty()) return;
    const Index block = weight.cols() * positions_;
    const Index chunk =
        std::clamp<Index>(kChunkElements / std::max<Index>(block, 1), 1, static_cast<Index>(columns.size()));
    // Padded taps are never written, so they stay zero from this one initialisation.
    MatrixXd unfolded = MatrixXd::Zero(weight.cols(), positions_ * chunk);
    MatrixXd product(conv_.out_channels, positions_ * chunk);
    for (std::size_t first = 0; first < columns.size(); first += chunk) {
      const Index count = std::min<Index>(chunk, static_cast<Index>(columns.size() - first));
      for (Index j = 0; j < count; ++j) {
        const double* source = x.col(columns[first + j]).data();
        double* target = unfolded.data() + j * block;
        for (const Tap& tap : taps_) target[tap.unfolded] = source[tap.input];
      }
      product.leftCols(count * positions_).noalias() = weight * unfolded.leftCols(count * positions_);
      for (Index j = 0; j < count; ++j) store(product.middleCols(j * positions_, positions_), y.col(columns[first + j]).data());
    }
  }

  const model::Conv2d& conv_;
  MatrixXd abs_weight_;
  Index positions_;
  std::vector<Tap> taps_;
  std::vector<ReadBy> readers_;      // the taps reading each input element, grouped by element
  std::vector<Index> first_reader_;  // input q's taps are readers_[first_reader_[q] .. first_reader_[q+1])
};

// Window sums followed by one division per output by its count: sums of up to k·k terms, then a
// division, err by at most γ_{k·k+1} relative to the sum of magnitudes (count ≥ 1).
class WindowMeanMap {
 public:
  WindowMeanMap(const model::AveragePool& pool, Index input_size) {
    const model::Window2d& w = pool.window;
    const Index outputs = w.channels * w.out_h * w.out_w;
    std::vector<Eigen::Triplet<double>> ones;
    VectorXd in_bounds = VectorXd::Zero(outputs);
    model::for_each_window(w, [&](std::int64_t out, std::int64_t in) {
      ones.emplace_back(out, in, 1.0);
      in_bounds[out] += 1.0;
    });
    sums_.resize(outputs, input_size);
    sums_.setFromTriplets(ones.begin(), ones.end());
    counts_ = pool.count_include_pad ? VectorXd::Constant(outputs, static_cast<double>(w.kernel_h * w.kernel_w))
                                     : in_bounds;
  }
  void signed_image(const MatrixXd& x, Columns y) const {
    y.noalias() = sums_ * x;
    y.array().colwise() /= counts_.array();
  }
  void signed_fresh_image(const FreshSymbols& fresh, Columns y) const {
    // A one-row column's window sums are the coefficient itself (exact) or 0.
    y.setZero();
    for (std::size_t t = 0; t < fresh.size(); ++t)
      for (Eigen::SparseMatrix<double>::InnerIterator it(sums_, fresh[t].row); it; ++it)
        y(it.row(), t) = fresh[t].coefficient / counts_[it.row()];
  }
  MatrixXd absolute_image(const MatrixXd& x) const {
    MatrixXd y(sums_.rows(), x.cols());
    signed_image(x, y);
    return y;
  }

 private:
  Eigen::SparseMatrix<double> sums_;  // column-major: the outputs each input element feeds
  VectorXd counts_;
};

}  // namespace

AffineForm apply_dense(const AffineForm& x, const model::Dense& dense) {
  return apply_linear(x, DenseMap(dense.weight), dense.bias, dense.weight.cols() + 1);
}

AffineForm apply_conv(const AffineForm& x, const model::Conv2d& conv) {
  const Index positions = conv.window.out_h * conv.window.out_w;
  VectorXd bias(conv.out_channels * positions);
  for (Index m = 0; m < conv.out_channels; ++m) bias.segment(m * positions, positions).setConstant(conv.bias[m]);
  return apply_linear(x, ConvolutionMap(conv), bias, conv.weight.cols() + 1);
}

AffineForm apply_average_pool(const AffineForm& x, const model::AveragePool& pool) {
  const WindowMeanMap map(pool, x.size());
  const model::Window2d& w = pool.window;
  return apply_linear(x, map, VectorXd::Zero(w.channels * w.out_h * w.out_w), w.kernel_h * w.kernel_w + 1);
}

}  // namespace certnn::bounds
