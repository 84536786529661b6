#include "certnn/bounds/back_substitution.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "certnn/bounds/interval_linear_algebra.hpp"
#include "certnn/bounds/relax/activation_lines.hpp"
#include "certnn/bounds/relax/elementwise_affine.hpp"
#include "certnn/core/error.hpp"
#include "certnn/core/rounding.hpp"
#include "certnn/grad/layer_vjp.hpp"
#include "certnn/model/convolution.hpp"
#include "certnn/model/forward.hpp"
#include "certnn/model/window.hpp"

namespace certnn::bounds {
namespace {

using namespace certnn::model;
namespace r = certnn::rounding;
using Eigen::Index;
using Eigen::MatrixXd;
using Eigen::VectorXd;

constexpr double kU = r::kUnitRoundoff;

// The lines of one activation neuron over [l, u].
relax::Lines activation_lines(const LayerOp& op, double l, double u) {
  if (const auto* leaky = std::get_if<LeakyRelu>(&op)) return relax::piecewise_linear_lines(leaky->alpha, l, u);
  if (std::holds_alternative<Sigmoid>(op)) return relax::sigmoid_lines(l, u);
  if (std::holds_alternative<Tanh>(op)) return relax::tanh_lines(l, u);
  return relax::piecewise_linear_lines(0.0, l, u);
}

double leak_of(const LayerOp& op) {
  const auto* leaky = std::get_if<LeakyRelu>(&op);
  return leaky ? leaky->alpha : 0.0;
}

// The line used for objective coefficient g of neuron i: the lower line for g ≥ 0, with the
// optimised slope where one is given.
relax::Line chosen_line(const LayerOp& op, const relax::Lines& lines, double g, const MatrixXd* lower_slope,
                        Index i, Index o, double l, double u) {
  if (g < 0.0) return lines.upper;
  if (lines.free_lower && lower_slope && lower_slope->size() > 0)
    return relax::convex_kink_lower_line(lines, leak_of(op), (*lower_slope)(i, o), l, u);
  return lines.lower;
}

// The rounding bookkeeping of one back-substitution: `offset` collects the constant term rounded
// down, `error` an upper bound on everything the float coefficients may miss.
struct Accumulator {
  VectorXd offset, error;
  explicit Accumulator(Index m) : offset(VectorXd::Zero(m)), error(VectorXd::Zero(m)) {}

  // Coefficients G' = Jᵀ G computed in float64 with at most `terms` products per entry differ from
  // the exact ones by at most γ_terms·|J|ᵀ|G|; against a value of magnitude mag that is at most
  // γ_terms·|G|ᵀ(|J|·mag). abs_image_up must be an upper bound of |J|·mag.
  void charge_product(const MatrixXd& g, const VectorXd& abs_image_up, std::int64_t terms, double magnitude_sum) {
    const VectorXd e = g.cwiseAbs().transpose() * abs_image_up;
    const double gamma = r::gamma(terms);
    const double underflow = r::mul_up(r::mul_up(2.0 * static_cast<double>(terms), r::kUnderflowError), magnitude_sum);
    for (Index o = 0; o < e.size(); ++o)
      error[o] = r::add_up(error[o], r::add_up(r::mul_up(gamma, r::nonnegative_sum_up(g.rows(), e[o])), underflow));
  }
  // Charges Σ_i |G(i, o)|·weight_i for element-wise errors with per-element weights ≥ 0.
  void charge_elementwise(const MatrixXd& g, const VectorXd& weight_up) {
    const VectorXd e = g.cwiseAbs().transpose() * weight_up;
    for (Index o = 0; o < e.size(); ++o) error[o] = r::add_up(error[o], r::nonnegative_sum_up(g.rows(), e[o]));
  }
  // offset += Σ_i g_i·c_i per column, with c_i = low_i where g_i ≥ 0 and high_i where g_i < 0: a
  // lower bound of g·c for any c in [low, high] (the offset of a lower or an upper line, or of an
  // interval). The sums of float products are bounded with Higham's dot-product error, which
  // covers both the products' and the sum's rounding.
  void add_signed_offsets(const MatrixXd& g, const VectorXd& low, const VectorXd& high) {
    const MatrixXd products = (g.array() == 0.0).select(0.0, (g.array() >= 0.0).select(g.array().colwise() * low.array(),
                                                                                        g.array().colwise() * high.array()));
    const VectorXd s = products.colwise().sum();
    const VectorXd a = products.cwiseAbs().colwise().sum();
    for (Index o = 0; o < s.size(); ++o)
      offset[o] = r::add_down(offset[o], r::sub_down(s[o], r::dot_error(products.rows(), a[o])));
  }
  // offset += Gᵀ b for an exactly known float vector b.
  void add_constant(const MatrixXd& g, const VectorXd& b) {
    if ((b.array() == 0.0).all()) return;
    const VectorXd s = g.transpose() * b;
    const VectorXd a = g.cwiseAbs().transpose() * b.cwiseAbs();
    for (Index o = 0; o < s.size(); ++o)
      offset[o] = r::add_down(offset[o], r::sub_down(s[o], r::dot_error(g.rows(), a[o])));
  }
};

class BackwardPass {
 public:
  BackwardPass(const Network& network, const Region& region, const RelaxationParameters* parameters,
               Accumulator& acc)
      : network_(network), region_(region), parameters_(parameters), acc_(acc) {}

  // Adds the contribution of node k's output coefficients g to the coefficients of its inputs.
  void step(std::size_t k, const MatrixXd& g, std::vector<MatrixXd>& coefficients) {
    const Node& node = network_.nodes()[k];
    if (region_.inference == Inference::Float32 && k < region_.engine_error.size())
      acc_.charge_elementwise(g, region_.engine_error[k]);
    if (is_relaxed_activation(node.op)) {
      accumulate(coefficients, node.inputs[0], activation(k, node, g));
      return;
    }
    visit_layer<BackSubstitutionRejects>(
        node.op,
        [&]<class Kind>(const Kind& kind)
          requires(!kind_in_list<Kind, BackSubstitutionRejects>)
        { linear(node, kind, g, coefficients); },
        [&](std::string_view kind) {
          throw Unsupported(model::refusal_message("back-substitution", kind, node.name));
        });
  }

 private:
  const Box& box(ValueId v) const { return region_.values[v]; }
  const VectorXd& mag(ValueId v) {
    if (magnitudes_.size() <= static_cast<std::size_t>(v)) magnitudes_.resize(v + 1);
    if (magnitudes_[v].size() == 0) magnitudes_[v] = magnitude(box(v));
    return magnitudes_[v];
  }

  // Adds a contribution to a value's coefficients; a second contribution is summed in float64,
  // whose rounding (at most u·|sum| per entry, 2u with margin) is charged.
  void accumulate(std::vector<MatrixXd>& coefficients, ValueId v, MatrixXd contribution) {
    MatrixXd& target = coefficients[v];
    if (target.size() == 0) {
      target = std::move(contribution);
      return;
    }
    target += contribution;
    acc_.charge_elementwise(target, (mag(v) * (2 * kU)).unaryExpr([](double x) { return r::up(x); }));
  }

  MatrixXd adjoint(const Node& node, const MatrixXd& g) const {
    const Batch<double> input_placeholder = Batch<double>::Zero(network_.size(node.inputs[0]), g.cols());
    const Batch<double> output_placeholder;
    return std::move(grad::input_vjp(node, {&input_placeholder}, output_placeholder, g, network_)[0]);
  }
  // The layer's value at input 0 (its bias, or its padding), exact for Dense, Conv and Pad.
  VectorXd constant_term(const Node& node) const {
    const Batch<double> zero = Batch<double>::Zero(network_.size(node.inputs[0]), 1);
    return apply_layer<double>(node, {&zero}, network_).col(0);
  }

  void linear(const Node& node, const Dense& d, const MatrixXd& g, std::vector<MatrixXd>& coefficients) {
    const ValueId in = node.inputs[0];
    acc_.add_constant(g, d.bias);
    acc_.charge_product(g, nonnegative_sums_up(d.weight.cwiseAbs() * mag(in), d.weight.cols()), d.weight.rows(),
                        mag(in).sum());
    accumulate(coefficients, in, d.weight.transpose() * g);
  }
  void linear(const Node& node, const Conv2d& c, const MatrixXd& g, std::vector<MatrixXd>& coefficients) {
    const ValueId in = node.inputs[0];
    acc_.add_constant(g, constant_term(node));
    const VectorXd image = convolve<double>(c.weight.cwiseAbs(), c.window, mag(in)).col(0);
    const std::int64_t taps = c.window.kernel_h * c.window.kernel_w;
    acc_.charge_product(g, nonnegative_sums_up(image, c.weight.cols()), c.out_channels * taps, mag(in).sum());
    accumulate(coefficients, in, adjoint(node, g));
  }
  void linear(const Node& node, const AveragePool& p, const MatrixXd& g, std::vector<MatrixXd>& coefficients) {
    const ValueId in = node.inputs[0];
    const Batch<double> m = mag(in);
    const std::int64_t taps = p.window.kernel_h * p.window.kernel_w;
    const VectorXd image = apply_layer<double>(node, {&m}, network_).col(0);
    acc_.charge_product(g, nonnegative_sums_up(image, taps + 2), taps + 2, mag(in).sum());
    accumulate(coefficients, in, adjoint(node, g));
  }
  // max over a window ≥ the element with the largest lower bound (j*), and ≤ the largest upper
  // bound, or = x_j* when j* dominates (its lower bound is at least every other upper bound).
  void linear(const Node& node, const MaxPool& p, const MatrixXd& g, std::vector<MatrixXd>& coefficients) {
    const ValueId in = node.inputs[0];
    const Box& x = box(in);
    const Index windows = g.rows();
    std::vector<Index> best(windows, -1);
    VectorXd top = VectorXd::Constant(windows, -std::numeric_limits<double>::infinity());
    for_each_window(p.window, [&](std::int64_t out, std::int64_t j) {
      if (best[out] < 0 || x.lower[j] > x.lower[best[out]]) best[out] = j;
      top[out] = std::max(top[out], x.upper[j]);
    });
    std::vector<bool> dominated(windows, true);
    for_each_window(p.window, [&](std::int64_t out, std::int64_t j) {
      if (j != best[out] && x.upper[j] > x.lower[best[out]]) dominated[out] = false;
    });
    MatrixXd contribution = MatrixXd::Zero(network_.size(in), g.cols());
    VectorXd image = VectorXd::Zero(windows);
    for (Index w = 0; w < windows; ++w) {
      image[w] = mag(in)[best[w]];
      for (Index o = 0; o < g.cols(); ++o) {
        const double gw = g(w, o);
        if (gw >= 0.0 || dominated[w]) {
          contribution(best[w], o) += gw;
        } else {
          acc_.offset[o] = r::add_down(acc_.offset[o], r::mul_down(gw, top[w]));
        }
      }
    }
    const std::int64_t taps = p.window.kernel_h * p.window.kernel_w;
    acc_.charge_product(g, image, taps, mag(in).sum());
    accumulate(coefficients, in, std::move(contribution));
  }
  void linear(const Node& node, const Pad&, const MatrixXd& g, std::vector<MatrixXd>& coefficients) {
    acc_.add_constant(g, constant_term(node));
    accumulate(coefficients, node.inputs[0], adjoint(node, g));  // a selection of entries: exact
  }
  void linear(const Node& node, const Reshape&, const MatrixXd& g, std::vector<MatrixXd>& coefficients) {
    accumulate(coefficients, node.inputs[0], g);
  }
  void linear(const Node& node, const AddTensors&, const MatrixXd& g, std::vector<MatrixXd>& coefficients) {
    accumulate(coefficients, node.inputs[0], g);
    accumulate(coefficients, node.inputs[1], g);
  }
  void linear(const Node& node, const SubTensors&, const MatrixXd& g, std::vector<MatrixXd>& coefficients) {
    accumulate(coefficients, node.inputs[0], g);
    accumulate(coefficients, node.inputs[1], -g);
  }
  template <class Kind>
    requires requires(const Kind& k) { relax::elementwise_affine(k); }
  void linear(const Node& node, const Kind& kind, const MatrixXd& g, std::vector<MatrixXd>& coefficients) {
    elementwise(node, relax::elementwise_affine(kind), g, coefficients);
  }
  void linear(const Node& node, const BatchNorm& b, const MatrixXd& g, std::vector<MatrixXd>& coefficients) {
    elementwise(node, relax::elementwise_affine(b, network_.size(node.inputs[0])), g, coefficients);
  }
  template <class Kind>
    requires(std::same_as<Kind, Relu> || std::same_as<Kind, LeakyRelu> || std::same_as<Kind, Sigmoid> ||
             std::same_as<Kind, Tanh>)
  void linear(const Node&, const Kind&, const MatrixXd&, std::vector<MatrixXd>&) {}  // handled by activation()

  // y_i = a_i·x_i + b_i with a_i, b_i in intervals: the coefficient G·mid(a) misses at most
  // |G|·(rad(a) + 2u|mid(a)|), and the offset is summed over the interval b with directed rounding.
  void elementwise(const Node& node, const relax::ElementwiseAffine& e, const MatrixXd& g,
                   std::vector<MatrixXd>& coefficients) {
    const ValueId in = node.inputs[0];
    const Index n = g.rows();
    VectorXd mid(n), weight(n);
    const VectorXd& m = mag(in);
    for (Index i = 0; i < n; ++i) {
      const Interval a = e.slope[i];
      mid[i] = a.lo == a.hi ? a.lo : 0.5 * (a.lo + a.hi);
      const double rad = std::max(r::sub_up(a.hi, mid[i]), r::sub_up(mid[i], a.lo));
      const bool exact = a.lo == a.hi && (std::abs(mid[i]) == 1.0 || mid[i] == 0.0);
      weight[i] = r::mul_up(exact ? 0.0 : r::add_up(rad, r::mul_up(2 * kU, std::abs(mid[i]))), m[i]);
    }
    acc_.charge_elementwise(g, weight);
    VectorXd offset_lo(n), offset_hi(n);
    for (Index i = 0; i < n; ++i) {
      offset_lo[i] = e.offset[i].lo;
      offset_hi[i] = e.offset[i].hi;
    }
    acc_.add_signed_offsets(g, offset_lo, offset_hi);
    accumulate(coefficients, in, (g.array().colwise() * mid.array()).matrix());
  }

  // Each objective coefficient g of an activation output takes the lower line (g ≥ 0) or the
  // upper line (g < 0); the product g·slope is rounded once, charged at 2u.
  MatrixXd activation(std::size_t k, const Node& node, const MatrixXd& g) {
    const ValueId in = node.inputs[0];
    const Box& z = box(in);
    const MatrixXd* slopes = parameters_ && k < parameters_->lower_slope.size() ? &parameters_->lower_slope[k] : nullptr;
    const MatrixXd* beta = parameters_ && k < parameters_->beta.size() ? &parameters_->beta[k] : nullptr;
    const SplitSigns* split = k < region_.splits.size() && region_.splits[k].size() > 0 ? &region_.splits[k] : nullptr;
    MatrixXd out(g.rows(), g.cols());
    if (!slopes || slopes->size() == 0) {
      // One pair of lines per neuron: chosen by the coefficient's sign, column-wise.
      const Index n = g.rows();
      VectorXd lower_slope(n), lower_offset(n), upper_slope(n), upper_offset(n);
      for (Index i = 0; i < n; ++i) {
        const relax::Lines lines = activation_lines(node.op, z.lower[i], z.upper[i]);
        lower_slope[i] = lines.lower.slope;
        lower_offset[i] = lines.lower.offset;
        upper_slope[i] = lines.upper.slope;
        upper_offset[i] = lines.upper.offset;
      }
      out = (g.array() >= 0.0).select(g.array().colwise() * lower_slope.array(), g.array().colwise() * upper_slope.array());
      acc_.add_signed_offsets(g, lower_offset, upper_offset);
    }
    for (Index i = 0; i < g.rows() && slopes && slopes->size() > 0; ++i) {
      const double l = z.lower[i], u = z.upper[i];
      const relax::Lines lines = activation_lines(node.op, l, u);
      for (Index o = 0; o < g.cols(); ++o) {
        const double gi = g(i, o);
        if (gi == 0.0) {
          out(i, o) = 0.0;
          continue;
        }
        const relax::Line line = chosen_line(node.op, lines, gi, slopes, i, o, l, u);
        if (line.offset != 0.0) acc_.offset[o] = r::add_down(acc_.offset[o], r::mul_down(gi, line.offset));
        out(i, o) = gi * line.slope;
      }
    }
    const VectorXd rounding = (mag(in) * (2 * kU)).unaryExpr([](double x) { return r::up(x); });
    acc_.charge_elementwise(out, rounding);
    if (split && beta && beta->size() > 0) {
      for (Index i = 0; i < g.rows(); ++i)
        if ((*split)[i] != 0) out.row(i) -= static_cast<double>((*split)[i]) * beta->row(i);
      acc_.charge_elementwise(out, rounding);
    }
    return out;
  }

  const Network& network_;
  const Region& region_;
  const RelaxationParameters* parameters_;
  Accumulator& acc_;
  std::vector<VectorXd> magnitudes_;
};

// min over the input box of Λᵀx, per column, rounded down: Λᵀc − |Λ|ᵀr for a centre c and radius
// r with [lower, upper] ⊆ [c − r, c + r], each product bounded a priori (two matrix-vector
// products instead of a directed operation per entry).
VectorXd minimum_over_box(const MatrixXd& lambda, const Box& input) {
  const CentreRadius cr = centre_radius(input);
  const MatrixXd absolute = lambda.cwiseAbs();
  const VectorXd at_centre = lambda.transpose() * cr.mid;
  const VectorXd centre_scale = absolute.transpose() * cr.mid.cwiseAbs();
  const VectorXd spread = absolute.transpose() * cr.rad;
  const std::int64_t n = lambda.rows();
  VectorXd result(lambda.cols());
  for (Index o = 0; o < result.size(); ++o)
    result[o] = r::sub_down(r::sub_down(at_centre[o], r::dot_error(n, centre_scale[o])),
                            r::nonnegative_sum_up(n, spread[o]));
  return result;
}

}  // namespace

LinearBound back_substitute(const Network& network, const Region& region, ValueId value, const MatrixXd& objectives,
                            const RelaxationParameters* parameters, bool keep_activation_coefficients) {
  if (objectives.rows() != network.size(value))
    throw ShapeError("crown: objectives have " + std::to_string(objectives.rows()) + " rows, the value has " +
                     std::to_string(network.size(value)) + " elements");
  const Index m = objectives.cols();
  LinearBound bound;
  if (region.empty) {
    bound.lower = VectorXd::Constant(m, std::numeric_limits<double>::infinity());
    bound.input_coefficients = MatrixXd::Zero(network.input_size(), m);
    return bound;
  }
  Accumulator acc(m);
  BackwardPass pass(network, region, parameters, acc);
  std::vector<MatrixXd> coefficients(value + 1);
  coefficients[value] = objectives;
  if (keep_activation_coefficients) bound.activation_coefficients.resize(network.nodes().size());
  for (ValueId v = value; v > kInputValue; --v) {
    if (coefficients[v].size() == 0) continue;
    const std::size_t k = static_cast<std::size_t>(v - 1);
    pass.step(k, coefficients[v], coefficients);
    if (keep_activation_coefficients && is_relaxed_activation(network.nodes()[k].op))
      bound.activation_coefficients[k] = std::move(coefficients[v]);
    coefficients[v] = MatrixXd();
  }
  bound.input_coefficients =
      coefficients[kInputValue].size() ? coefficients[kInputValue] : MatrixXd::Zero(network.input_size(), m);
  const VectorXd linear_part = minimum_over_box(bound.input_coefficients, region.values[kInputValue]);
  bound.lower.resize(m);
  for (Index o = 0; o < m; ++o) {
    const double lower = r::sub_down(r::add_down(linear_part[o], acc.offset[o]), acc.error[o]);
    bound.lower[o] = std::isnan(lower) ? -std::numeric_limits<double>::infinity() : lower;
  }
  return bound;
}

RelaxationParameters bound_gradient(const Network& network, const Region& region, ValueId value,
                                    const LinearBound& bound, const RelaxationParameters& parameters,
                                    MatrixXd* relaxed_value) {
  const auto& nodes = network.nodes();
  const Index m = bound.input_coefficients.cols();
  RelaxationParameters gradient;
  gradient.lower_slope.resize(nodes.size());
  gradient.beta.resize(nodes.size());
  if (region.empty) return gradient;
  // The minimising input of each objective's linear bound: a vertex of the input box.
  const Box& input = region.values[kInputValue];
  std::vector<Batch<double>> values(value + 1);
  values[kInputValue].resize(network.input_size(), m);
  for (Index o = 0; o < m; ++o)
    for (Index j = 0; j < input.size(); ++j)
      values[kInputValue](j, o) = bound.input_coefficients(j, o) >= 0 ? input.lower[j] : input.upper[j];
  // The relaxed network, each activation replaced by the line the bound chose, evaluated there.
  for (ValueId v = 1; v <= value; ++v) {
    const std::size_t k = static_cast<std::size_t>(v - 1);
    const Node& node = nodes[k];
    std::vector<const Batch<double>*> operands;
    for (ValueId in : node.inputs) operands.push_back(&values[in]);
    const bool reached = k < bound.activation_coefficients.size() && bound.activation_coefficients[k].size() > 0;
    if (!is_relaxed_activation(node.op) || !reached) {
      values[v] = apply_layer<double>(node, operands, network);
      continue;
    }
    const MatrixXd& g = bound.activation_coefficients[k];
    const Batch<double>& z = values[node.inputs[0]];
    const Box& zbox = region.values[node.inputs[0]];
    const MatrixXd* slopes = k < parameters.lower_slope.size() ? &parameters.lower_slope[k] : nullptr;
    const bool has_beta = k < parameters.beta.size() && parameters.beta[k].size() > 0 &&
                          k < region.splits.size() && region.splits[k].size() > 0;
    values[v].resize(z.rows(), m);
    if (slopes && slopes->size() > 0) gradient.lower_slope[k] = MatrixXd::Zero(z.rows(), m);
    if (has_beta) gradient.beta[k] = MatrixXd::Zero(z.rows(), m);
    for (Index i = 0; i < z.rows(); ++i) {
      const double l = zbox.lower[i], u = zbox.upper[i];
      const relax::Lines lines = activation_lines(node.op, l, u);
      for (Index o = 0; o < m; ++o) {
        const relax::Line line = chosen_line(node.op, lines, g(i, o), slopes, i, o, l, u);
        values[v](i, o) = line.slope * z(i, o) + line.offset;
        if (gradient.lower_slope[k].size() > 0 && lines.free_lower && g(i, o) >= 0.0)
          gradient.lower_slope[k](i, o) = g(i, o) * z(i, o);
        if (has_beta && region.splits[k][i] != 0)
          gradient.beta[k](i, o) = -static_cast<double>(region.splits[k][i]) * z(i, o);
      }
    }
  }
  if (relaxed_value) *relaxed_value = std::move(values[value]);
  return gradient;
}

}  // namespace certnn::bounds
