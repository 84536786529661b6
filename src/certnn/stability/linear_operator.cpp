#include "certnn/stability/linear_operator.hpp"

#include <algorithm>
#include <memory>
#include <vector>

#include "certnn/core/rounding.hpp"
#include "certnn/grad/window_columns.hpp"
#include "certnn/model/window.hpp"

namespace certnn::stability {
namespace {

using Eigen::Index;
using Eigen::MatrixXd;
using RowMajor = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

MatrixXd widen_nonnegative(std::int64_t terms, MatrixXd sums) {
  for (Index i = 0; i < sums.size(); ++i) sums.data()[i] = rounding::nonnegative_sum_up(terms, sums.data()[i]);
  return sums;
}

// Output sample = weight · unfold(input sample), laid out [out_channels, out_h, out_w].
MatrixXd convolve(const std::shared_ptr<const MatrixXd>& weight, const model::Window2d& w, const MatrixXd& x) {
  const Index positions = w.out_h * w.out_w;
  MatrixXd y(weight->rows() * positions, x.cols());
  MatrixXd columns;
  for (Index s = 0; s < x.cols(); ++s) {
    grad::unfold_windows(x.col(s).data(), w, columns);
    Eigen::Map<RowMajor>(y.col(s).data(), weight->rows(), positions).noalias() = *weight * columns;
  }
  return y;
}

// The adjoint: fold(weightᵀ · output sample), as the convolution's input gradient.
MatrixXd convolve_adjoint(const std::shared_ptr<const MatrixXd>& weight, const model::Window2d& w,
                          const MatrixXd& y) {
  const Index positions = w.out_h * w.out_w;
  MatrixXd x = MatrixXd::Zero(w.channels * w.in_h * w.in_w, y.cols());
  MatrixXd columns;
  for (Index s = 0; s < y.cols(); ++s) {
    const Eigen::Map<const RowMajor> dy(y.col(s).data(), weight->rows(), positions);
    columns.noalias() = weight->transpose() * dy;
    grad::fold_windows(columns, w, x.col(s).data());
  }
  return x;
}

}  // namespace

MatrixXd abs_apply_up(const LinearOperator& op, const MatrixXd& x) {
  return widen_nonnegative(op.apply_terms, op.abs_apply(x));
}
MatrixXd abs_adjoint_up(const LinearOperator& op, const MatrixXd& y) {
  return widen_nonnegative(op.adjoint_terms, op.abs_adjoint(y));
}

LinearOperator dense_operator(const MatrixXd& weight) {
  auto w = std::make_shared<const MatrixXd>(weight);
  auto abs_w = std::make_shared<const MatrixXd>(weight.cwiseAbs());
  LinearOperator op;
  op.rows = weight.rows();
  op.cols = weight.cols();
  op.apply = [w](const MatrixXd& x) -> MatrixXd { return *w * x; };
  op.apply_adjoint = [w](const MatrixXd& y) -> MatrixXd { return w->transpose() * y; };
  op.abs_apply = [abs_w](const MatrixXd& x) -> MatrixXd { return *abs_w * x; };
  op.abs_adjoint = [abs_w](const MatrixXd& y) -> MatrixXd { return abs_w->transpose() * y; };
  op.apply_terms = weight.cols();
  op.adjoint_terms = weight.rows();
  return op;
}

LinearOperator convolution_operator(const model::Conv2d& conv) {
  const model::Window2d w = conv.window;
  auto weight = std::make_shared<const MatrixXd>(conv.weight);
  auto abs_weight = std::make_shared<const MatrixXd>(conv.weight.cwiseAbs());
  LinearOperator op;
  op.rows = conv.out_channels * w.out_h * w.out_w;
  op.cols = w.channels * w.in_h * w.in_w;
  op.apply = [weight, w](const MatrixXd& x) { return convolve(weight, w, x); };
  op.apply_adjoint = [weight, w](const MatrixXd& y) { return convolve_adjoint(weight, w, y); };
  op.abs_apply = [abs_weight, w](const MatrixXd& x) { return convolve(abs_weight, w, x); };
  op.abs_adjoint = [abs_weight, w](const MatrixXd& y) { return convolve_adjoint(abs_weight, w, y); };
  // An output sums one product per (channel, kernel tap); an input element receives at most one
  // product per (output channel, kernel tap), since a tap and an input position fix the window.
  op.apply_terms = conv.weight.cols();
  op.adjoint_terms = conv.out_channels * w.kernel_h * w.kernel_w;
  return op;
}

LinearOperator average_pool_operator(const model::AveragePool& pool) {
  const model::Window2d w = pool.window;
  const Index out_size = w.channels * w.out_h * w.out_w;
  auto divisors = std::make_shared<std::vector<double>>(out_size, 0.0);
  model::for_each_window(w, [&](std::int64_t out, std::int64_t) { (*divisors)[out] += 1.0; });
  if (pool.count_include_pad) std::fill(divisors->begin(), divisors->end(), static_cast<double>(w.kernel_h * w.kernel_w));
  // y_o = (Σ_window x_i) / d_o, and the adjoint x_i = Σ_{o ∋ i} y_o / d_o.
  auto apply = [divisors, w, out_size](const MatrixXd& x) {
    MatrixXd y = MatrixXd::Zero(out_size, x.cols());
    model::for_each_window(w, [&](std::int64_t out, std::int64_t in_index) { y.row(out) += x.row(in_index); });
    for (Index o = 0; o < out_size; ++o)
      if ((*divisors)[o] > 0) y.row(o) /= (*divisors)[o];
    return y;
  };
  auto adjoint = [divisors, w](const MatrixXd& y) {
    MatrixXd x = MatrixXd::Zero(w.channels * w.in_h * w.in_w, y.cols());
    model::for_each_window(w, [&](std::int64_t out, std::int64_t in_index) {
      x.row(in_index) += y.row(out) / (*divisors)[out];
    });
    return x;
  };
  LinearOperator op;
  op.rows = out_size;
  op.cols = w.channels * w.in_h * w.in_w;
  op.apply = op.abs_apply = apply;  // the entries are non-negative: |A| = A
  op.apply_adjoint = op.abs_adjoint = adjoint;
  // A window sum of at most kernel_h·kernel_w elements, then one division: the relative error is
  // within γ_{k·k+1}. The adjoint divides each term once, then sums at most kernel_h·kernel_w
  // of them (one per tap).
  op.apply_terms = op.adjoint_terms = w.kernel_h * w.kernel_w + 1;
  return op;
}

}  // namespace certnn::stability
