#include "certnn/verify/enclosed_forms.hpp"

#include <stdexcept>
#include <string>
#include <variant>

#include "certnn/bounds/interval_linear_algebra.hpp"
#include "certnn/core/rounding.hpp"
#include "certnn/verify/search.hpp"

namespace certnn::verify {

namespace r = certnn::rounding;
using Eigen::Index;
using Eigen::MatrixXd;
using Eigen::VectorXd;

namespace {

template <class... Kinds>
bool holds_one_of(const model::LayerOp& op) {
  return (std::holds_alternative<Kinds>(op) || ...);
}

bool is_supported_affine(const model::LayerOp& op) {
  return holds_one_of<model::Dense, model::Reshape, model::AddConstant, model::SubConstant, model::MulConstant,
                      model::DivConstant, model::AddTensors, model::SubTensors>(op);
}

}  // namespace

bool FormCalculus::supports(const model::Network& network) {
  for (const model::Node& node : network.nodes())
    if (!is_relu_like(node.op) && !is_supported_affine(node.op)) return false;
  return true;
}

FormCalculus::FormCalculus(const model::Network& network, const bounds::Box& input)
    : network_(network), box_(input), extent_(input.size() + 1) {
  extent_.head(input.size()) = input.lower.cwiseAbs().cwiseMax(input.upper.cwiseAbs());
  extent_[input.size()] = 1.0;
  double total = 0.0;
  for (Index j = 0; j < extent_.size(); ++j) total = r::add_up(total, extent_[j]);
  underflow_ = r::mul_up(total, r::kUnderflowError);
  abs_weight_.resize(network.nodes().size());
  for (std::size_t k = 0; k < network.nodes().size(); ++k)
    if (const auto* dense = std::get_if<model::Dense>(&network.nodes()[k].op)) abs_weight_[k] = dense->weight.cwiseAbs();
}

EnclosedForms FormCalculus::input() const {
  const Index n = box_.size();
  EnclosedForms x{MatrixXd::Zero(n, n + 1), VectorXd::Zero(n)};
  x.f.leftCols(n).setIdentity();
  return x;
}

VectorXd FormCalculus::magnitude_up(const MatrixXd& f) const {
  return bounds::nonnegative_sums_up(f.cwiseAbs() * extent_, extent_.size());
}

VectorXd FormCalculus::plus_entry_rounding(VectorXd radius, const MatrixXd& f) const {
  const VectorXd m = magnitude_up(f);
  for (Index i = 0; i < radius.size(); ++i)
    radius[i] = r::add_up(radius[i], r::add_up(r::mul_up(r::kUnitRoundoff, m[i]), underflow_));
  return radius;
}

EnclosedForms FormCalculus::affine(std::size_t node_index, const std::vector<const EnclosedForms*>& operands) const {
  const model::Node& node = network_.nodes()[node_index];
  const EnclosedForms& v = *operands[0];
  const Index n = box_.size();
  if (const auto* dense = std::get_if<model::Dense>(&node.op)) {
    // |y − F'·x̃| ≤ |W|·radius + γ_{k+1}·(|W|·|F|·|x̃| + |b|), k the inner dimension.
    const MatrixXd& abs_w = abs_weight_[node_index];
    const std::int64_t k = dense->weight.cols();
    const double gamma = r::gamma(k + 1);
    // A coefficient-wise product: the forms have a handful of columns, too few for blocked GEMM.
    EnclosedForms y{dense->weight.lazyProduct(v.f), VectorXd()};
    y.f.col(n) += dense->bias;
    const VectorXd m = magnitude_up(v.f);
    VectorXd t(v.radius.size());
    for (Index i = 0; i < t.size(); ++i) t[i] = r::add_up(v.radius[i], r::mul_up(gamma, m[i]));
    y.radius = bounds::nonnegative_sums_up(abs_w * t, k);
    const double underflow = r::mul_up(static_cast<double>(k + 1), underflow_);
    for (Index i = 0; i < y.radius.size(); ++i)
      y.radius[i] = r::add_up(y.radius[i], r::add_up(r::mul_up(gamma, std::abs(dense->bias[i])), underflow));
    return y;
  }
  if (std::holds_alternative<model::Reshape>(node.op)) return v;
  // The constant column alone is rounded, once per element: |fl(s) − s| ≤ u·|fl(s)|.
  const auto constant_rounding = [&](EnclosedForms y) {
    for (Index i = 0; i < y.radius.size(); ++i)
      y.radius[i] = r::add_up(y.radius[i], r::mul_up(r::kUnitRoundoff, std::abs(y.f(i, n))));
    return y;
  };
  if (const auto* add = std::get_if<model::AddConstant>(&node.op)) {
    EnclosedForms y = v;
    y.f.col(n) += add->constant;
    return constant_rounding(std::move(y));
  }
  if (const auto* sub = std::get_if<model::SubConstant>(&node.op)) {
    EnclosedForms y = v;
    if (sub->constant_first) {
      y.f = -y.f;
      y.f.col(n) += sub->constant;
    } else {
      y.f.col(n) -= sub->constant;
    }
    return constant_rounding(std::move(y));
  }
  if (const auto* mul = std::get_if<model::MulConstant>(&node.op)) {
    EnclosedForms y{mul->constant.asDiagonal() * v.f, v.radius};
    for (Index i = 0; i < y.radius.size(); ++i) y.radius[i] = r::mul_up(std::abs(mul->constant[i]), v.radius[i]);
    y.radius = plus_entry_rounding(std::move(y.radius), y.f);
    return y;
  }
  if (const auto* div = std::get_if<model::DivConstant>(&node.op)) {
    EnclosedForms y{MatrixXd(v.f.array().colwise() / div->constant.array()), v.radius};
    for (Index i = 0; i < y.radius.size(); ++i) y.radius[i] = r::div_up(v.radius[i], std::abs(div->constant[i]));
    y.radius = plus_entry_rounding(std::move(y.radius), y.f);
    return y;
  }
  if (holds_one_of<model::AddTensors, model::SubTensors>(node.op)) {
    const EnclosedForms& w = *operands[1];
    const bool add = std::holds_alternative<model::AddTensors>(node.op);
    EnclosedForms y{add ? MatrixXd(v.f + w.f) : MatrixXd(v.f - w.f), v.radius};
    for (Index i = 0; i < y.radius.size(); ++i) y.radius[i] = r::add_up(v.radius[i], w.radius[i]);
    y.radius = plus_entry_rounding(std::move(y.radius), y.f);
    return y;
  }
  throw std::logic_error("FormCalculus::affine: unsupported layer " + std::string(model::kind_name(node.op)));
}

EnclosedForms FormCalculus::scale_rows(const EnclosedForms& z, const VectorXd& slope) const {
  EnclosedForms y = z;
  bool rounded = false;
  for (Index i = 0; i < slope.size(); ++i) {
    if (slope[i] == 1.0) continue;
    y.f.row(i) *= slope[i];
    y.radius[i] = r::mul_up(std::abs(slope[i]), z.radius[i]);
    rounded = rounded || slope[i] != 0.0;
  }
  if (rounded) {
    const VectorXd with_rounding = plus_entry_rounding(y.radius, y.f);
    for (Index i = 0; i < slope.size(); ++i)
      if (slope[i] != 1.0 && slope[i] != 0.0) y.radius[i] = with_rounding[i];
  }
  return y;
}

int FormCalculus::sign_on_box(const EnclosedForms& v, Index i) const {
  const Index n = box_.size();
  double lowest = r::sub_down(v.f(i, n), v.radius[i]), highest = r::add_up(v.f(i, n), v.radius[i]);
  for (Index j = 0; j < n; ++j) {
    const double a = v.f(i, j);
    lowest = r::add_down(lowest, r::mul_down(a, a >= 0.0 ? box_.lower[j] : box_.upper[j]));
    highest = r::add_up(highest, r::mul_up(a, a >= 0.0 ? box_.upper[j] : box_.lower[j]));
  }
  return lowest >= 0.0 ? 1 : highest <= 0.0 ? -1 : 0;
}

SlackRows FormCalculus::constraint_rows(const EnclosedForms& v, const MatrixXd& coefficients,
                                        const VectorXd& bound) const {
  // a·v ≤ b implies g·x − h ≤ |a|·radius + γ_{m+1}·(|a|·|F|·x̃ + |b|), g and h rounded.
  const Index n = box_.size(), c = coefficients.cols();
  const double gamma = r::gamma(coefficients.rows() + 1);
  const VectorXd m = magnitude_up(v.f);
  SlackRows rows{coefficients.transpose() * v.f.leftCols(n), VectorXd(c), VectorXd(c)};
  for (Index k = 0; k < c; ++k) {
    const auto a = coefficients.col(k);
    rows.h[k] = bound[k] - a.dot(v.f.col(n));
    const double spread = r::nonnegative_sum_up(a.size(), a.cwiseAbs().dot(v.radius));
    const double scale = r::nonnegative_sum_up(a.size() + 1, a.cwiseAbs().dot(m) + std::abs(bound[k]));
    rows.slack[k] = r::add_up(spread, r::add_up(r::mul_up(gamma, scale), r::mul_up(static_cast<double>(a.size() + 1), underflow_)));
  }
  return rows;
}

void FormCalculus::append_sign_row(SlackRows& rows, const EnclosedForms& z, Index i, double sign) const {
  const Index n = box_.size(), m = rows.g.rows();
  rows.g.conservativeResize(m + 1, n);
  rows.h.conservativeResize(m + 1);
  rows.slack.conservativeResize(m + 1);
  rows.g.row(m) = -sign * z.f.row(i).head(n);
  rows.h[m] = sign * z.f(i, n);
  rows.slack[m] = z.radius[i];
}

bool FormCalculus::farkas_proves(const SlackRows& rows, const VectorXd& weights) const {
  const Index n = box_.size(), m = rows.g.rows();
  if (weights.size() != m || (weights.array() < 0.0).any() || !weights.allFinite()) return false;
  // The combined row c·x − d and the rounding of combining: γ_{m+1}·Σ_k w_k (|g_k|·|x| + |h_k|).
  const VectorXd c = rows.g.transpose() * weights;
  const double d = rows.h.dot(weights);
  MatrixXd joined(m, n + 1);
  joined << rows.g, rows.h;
  const VectorXd size = magnitude_up(joined);
  const double spread = r::mul_up(r::gamma(m + 1), r::nonnegative_sum_up(m, weights.dot(size)));
  const double underflow = r::mul_up(static_cast<double>(2 * (m + n + 2)), r::add_up(underflow_, r::kUnderflowError));
  double lowest = r::sub_down(r::sub_down(0.0, d), r::add_up(spread, underflow));
  for (Index j = 0; j < n; ++j) lowest = r::add_down(lowest, r::mul_down(c[j], c[j] >= 0.0 ? box_.lower[j] : box_.upper[j]));
  double allowed = 0.0;
  for (Index k = 0; k < m; ++k) allowed = r::add_up(allowed, r::mul_up(weights[k], rows.slack[k]));
  return lowest > allowed;
}

}  // namespace certnn::verify
