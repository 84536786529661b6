#include "certnn/stability/linear_operator.hpp"

#include <memory>

#include "certnn/core/rounding.hpp"
#include "certnn/model/convolution.hpp"
#include "certnn/model/pooling.hpp"

namespace certnn::stability {
namespace {

using Eigen::Index;
using Eigen::MatrixXd;

MatrixXd widen_nonnegative(std::int64_t terms, MatrixXd sums) {
  for (Index i = 0; i < sums.size(); ++i) sums.data()[i] = rounding::nonnegative_sum_up(terms, sums.data()[i]);
  return sums;
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
  op.apply = [weight, w](const MatrixXd& x) { return model::convolve<double>(*weight, w, x); };
  op.apply_adjoint = [weight, w](const MatrixXd& y) { return model::convolve_adjoint<double>(*weight, w, y); };
  op.abs_apply = [abs_weight, w](const MatrixXd& x) { return model::convolve<double>(*abs_weight, w, x); };
  op.abs_adjoint = [abs_weight, w](const MatrixXd& y) { return model::convolve_adjoint<double>(*abs_weight, w, y); };
  // An output sums one product per (channel, kernel tap); an input element receives at most one
  // product per (output channel, kernel tap), since a tap and an input position fix the window.
  op.apply_terms = conv.weight.cols();
  op.adjoint_terms = conv.out_channels * w.kernel_h * w.kernel_w;
  return op;
}

LinearOperator average_pool_operator(const model::AveragePool& pool) {
  const model::Window2d& w = pool.window;
  LinearOperator op;
  op.rows = w.channels * w.out_h * w.out_w;
  op.cols = w.channels * w.in_h * w.in_w;
  // y_o = (Σ_window x_i) / d_o, and the adjoint x_i = Σ_{o ∋ i} y_o / d_o; the entries are
  // non-negative, so |A| = A.
  op.apply = op.abs_apply = [pool](const MatrixXd& x) { return model::average_pool<double>(pool, x); };
  op.apply_adjoint = op.abs_adjoint = [pool](const MatrixXd& y) { return model::average_pool_adjoint<double>(pool, y); };
  // A window sum of at most kernel_h·kernel_w elements, then one division: the relative error is
  // within γ_{k·k+1}. The adjoint divides each term once, then sums at most kernel_h·kernel_w
  // of them (one per tap).
  op.apply_terms = op.adjoint_terms = w.kernel_h * w.kernel_w + 1;
  return op;
}

}  // namespace certnn::stability
