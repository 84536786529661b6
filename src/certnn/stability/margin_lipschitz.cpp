#include "certnn/stability/margin_lipschitz.hpp"

#include <algorithm>
#include <cmath>
#include <optional>
#include <string>
#include <variant>

#include "certnn/core/error.hpp"
#include "certnn/core/rounding.hpp"
#include "certnn/stability/linear_operator.hpp"

namespace certnn::stability {
namespace {

using Eigen::Index;
using Eigen::MatrixXd;
using Eigen::VectorXd;
using namespace certnn::model;
namespace r = certnn::rounding;

// ‖v‖₂ rounded up, for v ≥ 0.
double norm_up(const VectorXd& v) { return r::sqrt_up(r::nonnegative_sum_up(v.size(), v.squaredNorm())); }

// |W[label] − W[j]| entry by entry, rounded up: one column per class j ≠ label. The exact
// difference lies between the two directed ones, so its magnitude is at most the larger of theirs.
MatrixXd row_differences_up(const MatrixXd& weight, Index label) {
  MatrixXd out(weight.cols(), weight.rows() - 1);
  for (Index j = 0, column = 0; j < weight.rows(); ++j) {
    if (j == label) continue;
    for (Index k = 0; k < weight.cols(); ++k)
      out(k, column) = std::max(std::abs(r::sub_up(weight(label, k), weight(j, k))),
                                std::abs(r::sub_down(weight(label, k), weight(j, k))));
    ++column;
  }
  return out;
}

}  // namespace

VectorXd margin_lipschitz_upper(const Network& network, const LipschitzUpper& upper, std::int64_t label) {
  const Index classes = network.output_size();
  if (label < 0 || label >= classes)
    throw Error("margin Lipschitz bound: label " + std::to_string(label) + " is not a class of a network with " +
                std::to_string(classes) + " outputs");
  VectorXd bound = VectorXd::Constant(classes - 1, r::mul_up(r::sqrt_up(2.0), upper.output));
  if (network.output() == kInputValue) return bound;
  const Node& last = network.producer(network.output());
  const auto* dense = std::get_if<Dense>(&last.op);
  if (dense == nullptr) return bound;

  // std::min keeps the first argument when the second is NaN, so a NaN candidate never wins.
  const MatrixXd rows = row_differences_up(dense->weight, label);
  const ValueId g = last.inputs[0];
  for (Index c = 0; c < rows.cols(); ++c) bound[c] = std::min(bound[c], r::mul_up(norm_up(rows.col(c)), upper.value[g]));

  if (g == kInputValue) return bound;
  const Node& activation = network.producer(g);
  const std::optional<double> ceiling = derivative_ceiling(activation.op);
  if (!ceiling || activation.inputs[0] == kInputValue) return bound;
  const Node& inner = network.producer(activation.inputs[0]);
  const std::optional<LinearOperator> op = linear_operator_of(inner.op);
  if (!op) return bound;
  const MatrixXd through = abs_adjoint_up(*op, rows);  // ≥ |A|ᵀ |r|, one column per class
  const double h = upper.value[inner.inputs[0]];
  for (Index c = 0; c < rows.cols(); ++c)
    bound[c] = std::min(bound[c], r::mul_up(r::mul_up(*ceiling, norm_up(through.col(c))), h));
  return bound;
}

}  // namespace certnn::stability
