#include "certnn/bounds/affine.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <string>
#include <tuple>
#include <utility>
#include <variant>

#include "certnn/bounds/affine_linear.hpp"
#include "certnn/bounds/inference_error.hpp"
#include "certnn/bounds/refusals.hpp"
#include "certnn/bounds/relax/activation.hpp"
#include "certnn/bounds/relax/elementwise_affine.hpp"
#include "certnn/bounds/relax/softmax.hpp"
#include "certnn/core/error.hpp"
#include "certnn/core/rounding.hpp"
#include "certnn/model/forward.hpp"
#include "certnn/model/kind_dispatch.hpp"
#include "certnn/model/window.hpp"

namespace certnn::bounds {
namespace {

using namespace certnn::model;
namespace r = certnn::rounding;
using Eigen::Index;
using Eigen::MatrixXd;
using Eigen::VectorXd;
using FormPtr = std::shared_ptr<AffineForm>;

constexpr double kInf = std::numeric_limits<double>::infinity();
// Radii above this fraction of an element's scale become symbols (see radius_to_symbols): rounding
// errors stay radii (about 1e-16 relative), radii grown by many layers of |W| do not.
constexpr double kRadiusTolerance = 0x1p-40;

// Widths within this factor count as equal when choosing between two sound enclosures.
constexpr double kTieTolerance = 1.0 + 0x1p-40;

// The layer kinds affine arithmetic refuses: none.
using AffineRejects = KindList<>;

// Centre and half-width of a rigorous interval, [lo, hi] ⊆ [mid − rad, mid + rad].
std::pair<double, double> centre_and_half_width(Interval v) {
  if (v.lo == v.hi) return {v.lo, 0.0};
  const double mid = 0.5 * v.lo + 0.5 * v.hi;
  return {mid, std::max(r::sub_up(v.hi, mid), r::sub_up(mid, v.lo))};
}

// Upper bounds on x_t − x_best[o] over the input set for each (o, t) in pairs, from the forms of
// the differences, in which shared symbols cancel: (c_t − c_s) + Σ_j |G_tj − G_sj| + r_t + r_s.
// A fresh symbol sits in one row, so it adds its |coefficient| when in row t or s. The dense part
// is summed column by column (each column contiguous); each computed difference of coefficients
// is within a factor 1 + u of the exact one, covered by 1 + 2^-52.
std::vector<double> difference_upper_bounds(const AffineForm& x, const std::vector<Index>& best,
                                            const std::vector<std::pair<Index, Index>>& pairs) {
  std::vector<double> sums(pairs.size(), 0.0);
  for (Index j = 0; j < x.generators.cols(); ++j) {
    const double* column = x.generators.col(j).data();
    for (std::size_t q = 0; q < pairs.size(); ++q)
      sums[q] += std::abs(column[pairs[q].second] - column[best[pairs[q].first]]);
  }
  VectorXd fresh_magnitude = VectorXd::Zero(x.size());
  for (const AffineForm::FreshSymbol& f : x.fresh) fresh_magnitude[f.row] += std::abs(f.coefficient);
  std::vector<double> bounds(pairs.size());
  for (std::size_t q = 0; q < pairs.size(); ++q) {
    const Index t = pairs[q].second, s = best[pairs[q].first];
    const double computed = sums[q] + fresh_magnitude[t] + fresh_magnitude[s];
    const double coefficients = r::mul_up(r::nonnegative_sum_up(x.symbols(), computed), 1.0 + 0x1p-52);
    const double bound = r::add_up(r::add_up(r::sub_up(x.centre[t], x.centre[s]), coefficients),
                                   r::add_up(x.radius[t], x.radius[s]));
    bounds[q] = std::isnan(bound) ? kInf : bound;
  }
  return bounds;
}

struct AffineStep {
  const Node& node;
  const Network& network;
  std::vector<FormPtr>& in;  // operands; one held nowhere else may be consumed
  const Options& options;
  SymbolCount& symbols;

  const AffineForm& x() const { return *in[0]; }
  static FormPtr made(AffineForm&& form) { return std::make_shared<AffineForm>(std::move(form)); }
  // The first operand to be changed in place: moved out when no other value holds it (saving a
  // copy of its generators), else copied.
  AffineForm consume_x() const {
    if (in[0].use_count() > 1) return *in[0];
    AffineForm x = std::move(*in[0]);
    in[0].reset();
    return x;
  }

  FormPtr operator()(const Dense& d) const { return made(apply_dense(x(), d)); }
  FormPtr operator()(const Conv2d& c) const { return made(apply_conv(x(), c)); }
  FormPtr operator()(const AveragePool& p) const { return made(apply_average_pool(x(), p)); }
  FormPtr operator()(const Reshape&) const { return in[0]; }
  FormPtr operator()(const AddTensors&) const { return made(add_forms(*in[0], *in[1], 1.0)); }
  FormPtr operator()(const SubTensors&) const { return made(add_forms(*in[0], *in[1], -1.0)); }

  // Activations: per neuron a slope λ and an offset interval [a, b] with f(x) − λx ∈ [a, b] over
  // the neuron's range [l, u] (bounds/relax/activation.hpp), so f(x) = λx + b' for one b' ∈ [a, b];
  // a non-point offset becomes a fresh symbol, stable neurons (point offsets) get none.
  template <class Enclose>
  FormPtr activation(Enclose&& enclose) const {
    const Box range = enclosing_box(x());
    std::vector<Interval> slope(x().size()), offset(x().size());
    for (Index i = 0; i < x().size(); ++i) {
      const relax::LinearEnclosure e = enclose(range.lower[i], range.upper[i]);
      slope[i] = Interval::point(e.slope);
      offset[i] = e.offset;
    }
    return made(apply_elementwise(consume_x(), slope, offset, true, symbols));
  }
  FormPtr operator()(const Relu&) const {
    return activation([&](double l, double u) { return relax::relu(l, u, options.relu_slope); });
  }
  FormPtr operator()(const LeakyRelu& leaky) const {
    return activation([&](double l, double u) { return relax::leaky_relu(leaky.alpha, l, u); });
  }
  FormPtr operator()(const Sigmoid&) const { return activation(relax::sigmoid); }
  FormPtr operator()(const Tanh&) const { return activation(relax::tanh); }

  // Element-wise maps with exactly known slope and offset intervals (rounding-sized widths).
  FormPtr elementwise(const relax::ElementwiseAffine& e) const {
    return made(apply_elementwise(consume_x(), e.slope, e.offset, false, symbols));
  }
  FormPtr operator()(const AddConstant& a) const { return elementwise(relax::elementwise_affine(a)); }
  FormPtr operator()(const SubConstant& s) const { return elementwise(relax::elementwise_affine(s)); }
  FormPtr operator()(const MulConstant& m) const { return elementwise(relax::elementwise_affine(m)); }
  FormPtr operator()(const DivConstant& d) const { return elementwise(relax::elementwise_affine(d)); }
  FormPtr operator()(const BatchNorm& b) const { return elementwise(relax::elementwise_affine(b, x().size())); }

  FormPtr operator()(const Pad& p) const {
    // Where each output element comes from, read off the forward pass itself on element indices
    // (−1 marks padding), so both agree on the layout.
    Batch<double> indices(x().size(), 1);
    for (Index i = 0; i < x().size(); ++i) indices(i, 0) = static_cast<double>(i);
    const Node marker{node.name, Pad{p.begin, p.end, -1.0}, node.inputs, node.output_shape};
    const Batch<double> placed = apply_layer<double>(marker, {&indices}, network);
    std::vector<std::int64_t> source(placed.rows());
    for (Index o = 0; o < placed.rows(); ++o) source[o] = static_cast<std::int64_t>(placed(o, 0));
    return made(select_rows(x(), source, p.value));
  }

  FormPtr operator()(const Softmax& s) const;
  FormPtr operator()(const MaxPool& p) const;
};

// Softmax per group by its mean-value form around the centre c (bounds/relax/softmax.hpp):
//   s(x) ∈ s(c) + J·(x − c) ± D·|x − c|,   x − c = Gε + δ,  |x_j − c_j| ≤ Σ_j|G| + r_j,
// so the row gets centre s(c), generators fl(J G) (rounding as for a dense layer of fan-in g),
// radius |J| r plus the rounding, and a fresh symbol for the remainder D·|x − c|. Rows where the
// interval range of s over the box is narrower take that range instead (a fresh symbol).
FormPtr AffineStep::operator()(const Softmax& s) const {
  const AffineForm& f = x();
  const Index n = f.size(), g = s.group_size, k = f.symbols();
  const Box box = enclosing_box(f);
  const VectorXd total = total_radius(f);
  const MatrixXd generators = dense_generators(f);
  AffineForm y{VectorXd(n), MatrixXd(n, k), 0, {}, VectorXd(n), VectorXd()};
  VectorXd remainder(n);
  std::vector<Interval> range(n);
  const double gamma = r::gamma(g);
  const double underflow = r::mul_up(2.0 * static_cast<double>(g) * static_cast<double>(std::max<Index>(k, 1)),
                                     r::kUnderflowError);
  for (Index start = 0; start < n; start += g) {
    const VectorXd lower = box.lower.segment(start, g), upper = box.upper.segment(start, g);
    const relax::SoftmaxMeanValueForm mvf = relax::softmax_mean_value_form(f.centre.segment(start, g), lower, upper);
    const std::vector<Interval> group_range = relax::softmax_range(lower, upper);
    y.generators.middleRows(start, g).noalias() = mvf.jacobian * generators.middleRows(start, g);
    MatrixXd magnitudes(g, 2);
    magnitudes << f.magnitude.segment(start, g), f.radius.segment(start, g);
    const MatrixXd absolute = mvf.jacobian.cwiseAbs() * magnitudes;
    for (Index i = 0; i < g; ++i) {
      const auto [value, value_rounding] = centre_and_half_width(mvf.value[i]);
      const double generator_error = r::add_up(r::mul_up(gamma, r::nonnegative_sum_up(g, absolute(i, 0))), underflow);
      y.centre[start + i] = value;
      y.radius[start + i] =
          r::add_up(r::add_up(r::nonnegative_sum_up(g, absolute(i, 1)), generator_error), value_rounding);
      double bound = 0.0;
      for (Index j = 0; j < g; ++j) bound = r::add_up(bound, r::mul_up(mvf.remainder(i, j), total[start + j]));
      remainder[start + i] = std::isnan(bound) ? kInf : bound;
      range[start + i] = group_range[i];
    }
  }
  finalize(y);
  VectorXd fresh(n);
  for (Index i = 0; i < n; ++i) {
    const double linear_half_width = r::add_up(r::add_up(y.magnitude[i], y.radius[i]), remainder[i]);
    const auto [mid, half] = centre_and_half_width(range[i]);
    if (half < linear_half_width) {
      y.centre[i] = mid;
      y.generators.row(i).setZero();
      y.radius[i] = 0.0;
      y.magnitude[i] = 0.0;
      fresh[i] = half;
    } else {
      fresh[i] = remainder[i];
    }
  }
  finalize(y);
  append_fresh_symbols(y, fresh, symbols);
  return made(std::move(y));
}

// Max over each window. With s the element of largest lower bound:
//  - if every other element's difference form x_t − x_s is ≤ 0, the maximum is x_s exactly;
//  - else max = x_s + z with 0 ≤ z ≤ D := max_t sup(x_t − x_s) (the difference forms cancel the
//    shared symbols), kept as x_s + D/2 + D/2·ε with ε fresh;
//  - or, when narrower, the box [max_t l_t, max_t u_t] with a fresh symbol.
// All three enclose the maximum. The box is never wider than the second (max_t u_t ≤ u_s + D), so
// the second is kept where it ties (up to rounding): it keeps x_s's dependence on the symbols,
// which later layers can cancel.
FormPtr AffineStep::operator()(const MaxPool& p) const {
  const AffineForm& f = x();
  const Window2d& w = p.window;
  const Index n = w.channels * w.out_h * w.out_w;
  std::vector<std::vector<Index>> windows(n);
  for_each_window(w, [&](std::int64_t out, std::int64_t in_index) { windows[out].push_back(in_index); });
  const Box box = enclosing_box(f);
  const VectorXd total = total_radius(f);

  // The element of largest lower bound in each window, and the other elements to compare with.
  std::vector<Index> best(n, -1);
  std::vector<std::pair<Index, Index>> pairs;  // (output, element)
  for (Index o = 0; o < n; ++o) {
    for (Index t : windows[o])
      if (best[o] < 0 || box.lower[t] > box.lower[best[o]]) best[o] = t;
    for (Index t : windows[o])
      if (t != best[o]) pairs.emplace_back(o, t);
  }
  const std::vector<double> differences = difference_upper_bounds(f, best, pairs);

  AffineForm y{VectorXd(n), MatrixXd::Zero(n, f.symbols()), 0, {}, VectorXd(n), VectorXd()};
  std::vector<std::vector<Index>> fresh_in_row(f.size());
  for (std::size_t t = 0; t < f.fresh.size(); ++t) fresh_in_row[f.fresh[t].row].push_back(static_cast<Index>(t));
  const auto copy_row = [&](Index o, Index s) {
    y.centre[o] = f.centre[s];
    y.generators.row(o).head(f.generators.cols()) = f.generators.row(s);
    for (Index t : fresh_in_row[s]) y.generators(o, f.fresh_first + t) = f.fresh[t].coefficient;
    y.radius[o] = f.radius[s];
  };
  VectorXd spread = VectorXd::Zero(n);  // D per output
  for (std::size_t q = 0; q < pairs.size(); ++q)
    spread[pairs[q].first] = std::max(spread[pairs[q].first], differences[q]);
  VectorXd fresh = VectorXd::Zero(n);
  for (Index o = 0; o < n; ++o) {
    if (windows[o].empty()) {  // a window inside the padding: the maximum of nothing, −∞
      y.centre[o] = -kInf;
      y.radius[o] = 0.0;
      continue;
    }
    const Index s = best[o];
    if (spread[o] <= 0.0) {
      copy_row(o, s);
      continue;
    }
    double highest = box.upper[s];
    for (Index t : windows[o]) highest = std::max(highest, box.upper[t]);
    const auto [box_mid, box_half] = centre_and_half_width(Interval{box.lower[s], highest});
    const double shifted_width = r::add_up(r::mul_up(2.0, total[s]), spread[o]);
    if (shifted_width <= 2.0 * box_half * kTieTolerance && std::isfinite(spread[o])) {
      const auto [shift, shift_half] = centre_and_half_width(Interval{0.0, spread[o]});
      copy_row(o, s);
      const auto [centre, centre_rounding] = centre_and_half_width(Interval::point(f.centre[s]) + Interval::point(shift));
      y.centre[o] = centre;
      y.radius[o] = r::add_up(y.radius[o], centre_rounding);
      fresh[o] = shift_half;
    } else {
      y.centre[o] = box_mid;
      y.radius[o] = 0.0;
      fresh[o] = box_half;
    }
  }
  finalize(y);
  append_fresh_symbols(y, fresh, symbols);
  return made(std::move(y));
}

// The float32 engine's per-layer error (bounds/inference_error.hpp) is added to the radius: the
// engine's value is the exact layer of its own inputs, which the operand forms enclose, plus an
// error of at most δ_i per element.
FormPtr with_float32_error(FormPtr out, const Network& network, const Node& node, const std::vector<Box>& operands) {
  std::vector<const Box*> boxes;
  for (const Box& b : operands) boxes.push_back(&b);
  const VectorXd delta = float32_layer_error(network, node, boxes, enclosing_box(*out));
  if ((delta.array() == 0.0).all()) return out;
  if (out.use_count() > 1) out = std::make_shared<AffineForm>(*out);  // shared with an operand (Reshape)
  for (Index i = 0; i < out->size(); ++i) out->radius[i] = r::add_up(out->radius[i], delta[i]);
  finalize(*out);
  return out;
}

// Every distinct form still held (values may share one form, as through a Reshape).
std::vector<AffineForm*> live_forms(const std::vector<FormPtr>& values) {
  std::vector<AffineForm*> forms;
  for (const FormPtr& v : values)
    if (v) forms.push_back(v.get());
  std::sort(forms.begin(), forms.end());
  forms.erase(std::unique(forms.begin(), forms.end()), forms.end());
  return forms;
}

}  // namespace

std::vector<std::string_view> AffineMethod::refused_kinds() const { return model::kind_names(AffineRejects{}); }

void AffineMethod::propagate_forms(const Network& network, const Box& input, const Options& options,
                                   const Visitor& visit) const {
  check(network);
  if (input.size() != network.input_size())
    throw ShapeError("affine: the input box has " + std::to_string(input.size()) + " elements, the network expects " +
                     std::to_string(network.input_size()));
  const bool float32 = options.inference == Inference::Float32;
  SymbolCount symbols;
  std::vector<FormPtr> values(network.value_count());
  values[kInputValue] = std::make_shared<AffineForm>(input_form(float32 ? float32_input(input) : input, symbols));
  const std::vector<std::int32_t> last_use = network.last_uses();
  const auto release_unused = [&](ValueId v, std::int32_t step) {
    if (last_use[v] <= step) values[v].reset();
  };
  consolidate(live_forms(values), symbols, options.max_noise_symbols);
  visit(kInputValue, *values[kInputValue]);
  release_unused(kInputValue, -1);

  const auto& nodes = network.nodes();
  std::vector<FormPtr> operands;
  std::vector<Box> operand_boxes;
  for (std::size_t k = 0; k < nodes.size(); ++k) {
    const Node& node = nodes[k];
    const auto step = static_cast<std::int32_t>(k);
    operands.clear();
    operand_boxes.clear();
    for (ValueId v : node.inputs) {
      operands.push_back(values[v]);
      if (float32) operand_boxes.push_back(enclosing_box(*values[v]));
    }
    // Operands read for the last time are held by `operands` alone, so the step may consume them.
    for (ValueId v : node.inputs) release_unused(v, step);
    FormPtr out = visit_layer<AffineRejects>(node.op, AffineStep{node, network, operands, options, symbols},
                                             [&](std::string_view kind) -> FormPtr {
                                               throw Unsupported(model::refusal_message(name(), kind, node.name));
                                             });
    operands.clear();
    if (float32) out = with_float32_error(std::move(out), network, node, operand_boxes);
    // A form shared with an operand (Reshape) is changed for both alike, which keeps both exact.
    radius_to_symbols(*out, kRadiusTolerance, symbols, options.max_noise_symbols - symbols.count);
    const ValueId produced = static_cast<ValueId>(k + 1);
    values[produced] = std::move(out);
    consolidate(live_forms(values), symbols, options.max_noise_symbols);
    visit(produced, *values[produced]);
    release_unused(produced, step);
  }
}

std::vector<Box> AffineMethod::propagate_all(const Network& network, const Box& input, const Options& options) const {
  std::vector<Box> boxes(network.value_count());
  propagate_forms(network, input, options, [&](ValueId v, const AffineForm& form) { boxes[v] = enclosing_box(form); });
  return boxes;
}

Result AffineMethod::propagate(const Network& network, const Box& input, const Options& options) const {
  Box output;
  propagate_forms(network, input, options, [&](ValueId v, const AffineForm& form) {
    if (v == network.output()) output = enclosing_box(form);
  });
  return Result{std::move(output), true};
}

}  // namespace certnn::bounds
