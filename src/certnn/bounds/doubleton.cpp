#include "certnn/bounds/doubleton.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <string>
#include <tuple>
#include <utility>
#include <variant>
#include <vector>

#include "certnn/bounds/doubleton_set.hpp"
#include "certnn/bounds/inference_error.hpp"
#include "certnn/bounds/refusals.hpp"
#include "certnn/bounds/relax/activation.hpp"
#include "certnn/bounds/relax/elementwise_affine.hpp"
#include "certnn/bounds/relax/softmax.hpp"
#include "certnn/core/error.hpp"
#include "certnn/core/interval.hpp"
#include "certnn/core/rounding.hpp"
#include "certnn/model/forward.hpp"
#include "certnn/model/kind_dispatch.hpp"
#include "certnn/model/network_walk.hpp"
#include "certnn/model/window.hpp"

namespace certnn::bounds {
namespace {

using namespace certnn::model;
namespace r = certnn::rounding;
using Eigen::Index;
using Eigen::MatrixXd;
using Eigen::VectorXd;
using DoubletonPtr = std::shared_ptr<const Doubleton>;
using Entries = std::vector<Eigen::Triplet<double>>;

constexpr double kInf = std::numeric_limits<double>::infinity();
// Error columns per element a value may carry before it must be re-orthogonalised.
constexpr Index kErrorColumnsPerElement = 4;

// The layer kinds doubleton arithmetic refuses: none.
using DoubletonRejects = KindList<>;

// A sparse layer map L with at most fan_in non-zeros per row.
struct SparseMap {
  SparseRowMatrix matrix;
  Index fan_in = 0;
};

// Every (row, column) pair must occur at most once: setFromTriplets would add duplicates, a
// rounding the bounds do not account for.
SparseMap sparse_map(Index rows, Index cols, const Entries& entries) {
  SparseMap map{SparseRowMatrix(rows, cols), 0};
  map.matrix.setFromTriplets(entries.begin(), entries.end());
  map.matrix.makeCompressed();
  for (Index i = 0; i < rows; ++i)
    map.fan_in = std::max<Index>(map.fan_in, map.matrix.outerIndexPtr()[i + 1] - map.matrix.outerIndexPtr()[i]);
  return map;
}

SparseMap diagonal_map(const VectorXd& diagonal) {
  Entries entries;
  for (Index i = 0; i < diagonal.size(); ++i) entries.emplace_back(i, i, diagonal[i]);
  return sparse_map(diagonal.size(), diagonal.size(), entries);
}

// max(|lower|, |upper|): the largest |v| over each element's range.
// a·b rounded up for a, b ≥ 0, with 0·∞ = 0 (a zero factor is exact).
double product_up(double a, double b) { return a == 0.0 || b == 0.0 ? 0.0 : r::mul_up(a, b); }

// The enclosure of one element-wise layer: y_i = s_i·x_i + β_i for reals s_i ∈ slope[i] and
// β_i ∈ offset[i].
using ElementwiseEnclosure = relax::ElementwiseAffine;

IntervalVector interval_vector(const std::vector<Interval>& v) {
  VectorXd lower(static_cast<Index>(v.size())), upper(static_cast<Index>(v.size()));
  for (std::size_t i = 0; i < v.size(); ++i) {
    lower[static_cast<Index>(i)] = v[i].lo;
    upper[static_cast<Index>(i)] = v[i].hi;
  }
  return midpoint_radius(lower, upper);
}

struct DoubletonStep {
  const Node& node;
  const Network& network;
  const std::vector<DoubletonPtr>& in;
  const Options& options;

  const Doubleton& x() const { return *in[0]; }

  // Adds the float32 engine's error of this layer where asked (bounds/inference_error.hpp: the
  // engine's value is the exact layer of its own inputs, which the operands enclose, within δ),
  // then re-expresses the errors by the chosen strategy. Element-wise layers under the QR
  // strategies append their errors as new columns instead (append_errors), so that they pass the
  // next linear layer exactly and enter its factorisation rather than being wrapped into the
  // current coordinates; at most kErrorColumnsPerElement columns per element are kept.
  DoubletonPtr finish(DoubletonImage&& y, bool elementwise_layer = false) const {
    if (options.inference == Inference::Float32) {
      std::vector<Box> boxes;
      for (const DoubletonPtr& operand : in) boxes.push_back(enclosing_box(*operand));
      std::vector<const Box*> operands;
      for (const Box& b : boxes) operands.push_back(&b);
      add_fresh_error(y, float32_layer_error(network, node, operands, enclosing_box(y)));
    }
    const bool append = elementwise_layer && options.doubleton_strategy != DoubletonStrategy::Identity &&
                        y.error.size() + y.size() <= kErrorColumnsPerElement * y.size();
    return std::make_shared<const Doubleton>(append ? append_errors(std::move(y))
                                                    : rebase(std::move(y), options.doubleton_strategy));
  }

  // y = mid(s)⊙x + β, plus (s − mid(s))⊙x, at most rad(s)·|x| ≤ rad(s)·magnitude(x) per element
  // (a fresh error, rounding-sized where s is a constant's enclosure).
  DoubletonPtr elementwise(const ElementwiseEnclosure& e) const {
    const IntervalVector slope = interval_vector(e.slope);
    DoubletonImage y = map_affine(x(), diagonal_map(slope.mid).matrix, 1, interval_vector(e.offset));
    if ((slope.rad.array() > 0.0).any()) {
      const VectorXd size = magnitude(enclosing_box(x()));
      VectorXd extra(x().size());
      for (Index i = 0; i < extra.size(); ++i) extra[i] = product_up(slope.rad[i], size[i]);
      add_fresh_error(y, extra);
    }
    return finish(std::move(y), true);
  }

  // Activations: per neuron a slope λ and an offset interval [a, b] with f(x) − λx ∈ [a, b] over
  // the neuron's range (bounds/relax/activation.hpp), so f(x) = λx + β for one β ∈ [a, b].
  template <class Enclose>
  DoubletonPtr activation(Enclose&& enclose) const {
    const Box range = enclosing_box(x());
    ElementwiseEnclosure e(x().size());
    for (Index i = 0; i < x().size(); ++i) {
      const relax::LinearEnclosure linear = enclose(range.lower[i], range.upper[i]);
      e.slope[i] = Interval::point(linear.slope);
      e.offset[i] = linear.offset;
    }
    return elementwise(e);
  }

  DoubletonPtr operator()(const Dense& d) const {
    return finish(map_affine(x(), d.weight, d.weight.cols(), IntervalVector::point(d.bias)));
  }
  DoubletonPtr operator()(const Relu&) const {
    return activation([&](double l, double u) { return relax::relu(l, u, options.relu_slope); });
  }
  DoubletonPtr operator()(const LeakyRelu& leaky) const {
    return activation([&](double l, double u) { return relax::leaky_relu(leaky.alpha, l, u); });
  }
  DoubletonPtr operator()(const Sigmoid&) const { return activation(relax::sigmoid); }
  DoubletonPtr operator()(const Tanh&) const { return activation(relax::tanh); }
  DoubletonPtr operator()(const Reshape&) const { return in[0]; }

  // Element-wise maps with constants: the slope and offset enclosed by directed operations.
  DoubletonPtr operator()(const AddConstant& a) const { return elementwise(relax::elementwise_affine(a)); }
  DoubletonPtr operator()(const SubConstant& s) const { return elementwise(relax::elementwise_affine(s)); }
  DoubletonPtr operator()(const MulConstant& m) const { return elementwise(relax::elementwise_affine(m)); }
  DoubletonPtr operator()(const DivConstant& d) const { return elementwise(relax::elementwise_affine(d)); }
  DoubletonPtr operator()(const BatchNorm& b) const { return elementwise(relax::elementwise_affine(b, x().size())); }

  DoubletonPtr operator()(const AddTensors&) const { return combine(1.0); }
  DoubletonPtr operator()(const SubTensors&) const { return combine(-1.0); }
  // x + sign·y = [I, sign·I]·[x; y], both operands' error parts kept side by side. The same value
  // twice has one error vector: x + sign·x = (1 + sign)·x.
  DoubletonPtr combine(double sign) const {
    const Index n = x().size();
    if (in[0] == in[1])
      return finish(map_affine(x(), diagonal_map(VectorXd::Constant(n, 1.0 + sign)).matrix, 1, IntervalVector::zero(n)),
                    true);
    Entries entries;
    for (Index i = 0; i < n; ++i) {
      entries.emplace_back(i, i, 1.0);
      entries.emplace_back(i, n + i, sign);
    }
    return finish(map_affine(stack(*in[0], *in[1]), sparse_map(n, 2 * n, entries).matrix, 2, IntervalVector::zero(n)));
  }

  DoubletonPtr operator()(const Conv2d& c) const;
  DoubletonPtr operator()(const AveragePool& p) const;
  DoubletonPtr operator()(const MaxPool& p) const;
  DoubletonPtr operator()(const Pad& p) const;
  DoubletonPtr operator()(const Softmax& s) const;
};

// The convolution as its (sparse) matrix: output (m, oh, ow) reads weight (m, (c, kh, kw)) at the
// input position of that tap. Within one output, distinct taps read distinct inputs.
DoubletonPtr DoubletonStep::operator()(const Conv2d& c) const {
  const Window2d& w = c.window;
  const Index positions = w.out_h * w.out_w;
  Entries entries;
  for_each_tap(w, [&](auto channel, auto kh, auto kw, auto oh, auto ow, auto in_index) {
    const Index column = (channel * w.kernel_h + kh) * w.kernel_w + kw;
    for (Index m = 0; m < c.out_channels; ++m)
      entries.emplace_back(m * positions + oh * w.out_w + ow, in_index, c.weight(m, column));
  });
  VectorXd bias(c.out_channels * positions);
  for (Index m = 0; m < c.out_channels; ++m) bias.segment(m * positions, positions).setConstant(c.bias[m]);
  const SparseMap map = sparse_map(bias.size(), x().size(), entries);
  return finish(map_affine(x(), map.matrix, map.fan_in, IntervalVector::point(bias)));
}

// The mean Σ x_j / d as Σ fl(1/d)·x_j plus (1/d − fl(1/d))·Σ x_j, the latter at most
// |1/d − fl(1/d)|·Σ|x_j| (a fresh error; 1/d is enclosed by directed division).
DoubletonPtr DoubletonStep::operator()(const AveragePool& p) const {
  const Window2d& w = p.window;
  const Index n = w.channels * w.out_h * w.out_w;
  std::vector<std::vector<Index>> windows(n);
  for_each_window(w, [&](std::int64_t out, std::int64_t in_index) { windows[out].push_back(in_index); });
  const VectorXd size = magnitude(enclosing_box(x()));
  Entries entries;
  VectorXd extra(n);
  for (Index o = 0; o < n; ++o) {
    const auto divisor = static_cast<double>(p.count_include_pad ? w.kernel_h * w.kernel_w
                                                                 : static_cast<std::int64_t>(windows[o].size()));
    const double reciprocal = 1.0 / divisor;
    const double reciprocal_error =
        std::max(r::sub_up(r::div_up(1.0, divisor), reciprocal), r::sub_up(reciprocal, r::div_down(1.0, divisor)));
    double total = 0.0;
    for (Index j : windows[o]) {
      entries.emplace_back(o, j, reciprocal);
      total = r::add_up(total, size[j]);
    }
    extra[o] = product_up(reciprocal_error, total);
  }
  const SparseMap map = sparse_map(n, x().size(), entries);
  DoubletonImage y = map_affine(x(), map.matrix, map.fan_in, IntervalVector::zero(n));
  add_fresh_error(y, extra);
  return finish(std::move(y));
}

// Max over each window. When the element s of largest lower end is at least every other element
// everywhere (l_s ≥ u_t), the maximum is x_s: row s is copied. Otherwise the maximum lies in
// [max_t l_t, max_t u_t], taken as a fresh error around its midpoint.
DoubletonPtr DoubletonStep::operator()(const MaxPool& p) const {
  const Window2d& w = p.window;
  const Index n = w.channels * w.out_h * w.out_w;
  std::vector<std::vector<Index>> windows(n);
  for_each_window(w, [&](std::int64_t out, std::int64_t in_index) { windows[out].push_back(in_index); });
  const Box range = enclosing_box(x());
  Entries entries;
  VectorXd lower = VectorXd::Constant(n, -kInf), upper = VectorXd::Constant(n, -kInf);
  for (Index o = 0; o < n; ++o) {
    if (windows[o].empty()) continue;  // the forward pass gives −∞; the bound becomes unbounded
    Index best = windows[o].front();
    for (Index t : windows[o])
      if (range.lower[t] > range.lower[best]) best = t;
    bool dominates = true;
    for (Index t : windows[o]) {
      dominates = dominates && (t == best || range.upper[t] <= range.lower[best]);
      lower[o] = std::max(lower[o], range.lower[t]);
      upper[o] = std::max(upper[o], range.upper[t]);
    }
    if (dominates) {
      entries.emplace_back(o, best, 1.0);
      lower[o] = upper[o] = 0.0;
    }
  }
  const SparseMap map = sparse_map(n, x().size(), entries);
  return finish(map_affine(x(), map.matrix, map.fan_in, midpoint_radius(lower, upper)), true);
}

// A selection: each output element is one input element or the pad value. Where each comes from
// is read off the forward pass itself on element indices (−1 marks padding), so both agree on the
// layout.
DoubletonPtr DoubletonStep::operator()(const Pad& p) const {
  Batch<double> indices(x().size(), 1);
  for (Index i = 0; i < x().size(); ++i) indices(i, 0) = static_cast<double>(i);
  const Node marker{node.name, Pad{p.begin, p.end, -1.0}, node.inputs, node.output_shape};
  const Batch<double> placed = apply_layer<double>(marker, {&indices}, network);
  Entries entries;
  VectorXd fill = VectorXd::Zero(placed.rows());
  for (Index o = 0; o < placed.rows(); ++o) {
    if (placed(o, 0) >= 0.0)
      entries.emplace_back(o, static_cast<Index>(placed(o, 0)), 1.0);
    else
      fill[o] = p.value;
  }
  const SparseMap map = sparse_map(placed.rows(), x().size(), entries);
  return finish(map_affine(x(), map.matrix, map.fan_in, IntervalVector::point(fill)), true);
}

// Softmax per group by its mean-value form around a point p of the group's box
// (bounds/relax/softmax.hpp): s(x) ∈ s(p) + J·(x − p) ± D·|x − p|, so
//     s_i(x) = Σ_j J_ij·x_j + β_i,   β_i ∈ s_i(p) − (J·p)_i ± (D·t)_i,   t_j ≥ |x_j − p_j|,
// an affine layer with the float matrix J and an offset interval (J·p enclosed with its rounding).
// A row whose interval range over the box is narrower takes that range instead (no J row).
DoubletonPtr DoubletonStep::operator()(const Softmax& s) const {
  const Index n = x().size(), g = s.group_size;
  const Box range = enclosing_box(x());
  Entries entries;
  VectorXd lower(n), upper(n);
  for (Index start = 0; start < n; start += g) {
    const VectorXd lo = range.lower.segment(start, g), hi = range.upper.segment(start, g);
    VectorXd point(g), distance(g);
    for (Index j = 0; j < g; ++j) {
      point[j] = std::clamp(0.5 * lo[j] + 0.5 * hi[j], lo[j], hi[j]);
      distance[j] = std::max(r::sub_up(hi[j], point[j]), r::sub_up(point[j], lo[j]));
    }
    const relax::SoftmaxMeanValueForm form = relax::softmax_mean_value_form(point, lo, hi);
    const std::vector<Interval> box_range = relax::softmax_range(lo, hi);
    const VectorXd jp = form.jacobian * point;
    const VectorXd jp_magnitude = form.jacobian.cwiseAbs() * point.cwiseAbs();
    for (Index i = 0; i < g; ++i) {
      double spread = r::dot_error(g, jp_magnitude[i]);
      for (Index j = 0; j < g; ++j) spread = r::add_up(spread, product_up(form.remainder(i, j), distance[j]));
      const double offset_lo = r::sub_down(r::sub_down(form.value[i].lo, jp[i]), spread);
      const double offset_hi = r::add_up(r::sub_up(form.value[i].hi, jp[i]), spread);
      // Which of two sound enclosures to keep is a heuristic: compare their widths roughly.
      double linear_half_width = 0.5 * (offset_hi - offset_lo);
      for (Index j = 0; j < g; ++j) linear_half_width += std::abs(form.jacobian(i, j)) * 0.5 * (hi[j] - lo[j]);
      const double range_half_width = 0.5 * (box_range[i].hi - box_range[i].lo);
      if (linear_half_width <= range_half_width) {
        for (Index j = 0; j < g; ++j) entries.emplace_back(start + i, start + j, form.jacobian(i, j));
        lower[start + i] = offset_lo;
        upper[start + i] = offset_hi;
      } else {
        lower[start + i] = box_range[i].lo;
        upper[start + i] = box_range[i].hi;
      }
    }
  }
  const SparseMap map = sparse_map(n, n, entries);
  return finish(map_affine(x(), map.matrix, map.fan_in, midpoint_radius(lower, upper)));
}

// Every layer wider than the limit, in one message (the error part's QR costs O(width³)).
void check_widths(const Network& network, const Options& options) {
  std::string refused;
  const auto& nodes = network.nodes();
  for (std::size_t k = 0; k < nodes.size(); ++k) {
    const std::int64_t width = network.size(static_cast<ValueId>(k + 1));
    if (width <= options.doubleton_max_width) continue;
    refused += std::string(refused.empty() ? "" : "; ") + "doubleton: layer " + std::string(kind_name(nodes[k].op)) +
               " (node '" + nodes[k].name + "') has " + std::to_string(width) +
               " outputs, above the doubleton width limit " + std::to_string(options.doubleton_max_width);
  }
  if (!refused.empty()) throw Unsupported(refused);
}

}  // namespace

std::vector<std::string_view> DoubletonMethod::refused_kinds() const { return model::kind_names(DoubletonRejects{}); }

Result DoubletonMethod::propagate(const Network& network, const Box& input, const Options& options) const {
  check(network);
  if (input.size() != network.input_size())
    throw ShapeError("doubleton: the input box has " + std::to_string(input.size()) +
                     " elements, the network expects " + std::to_string(network.input_size()));
  check_widths(network, options);
  const bool float32 = options.inference == Inference::Float32;
  // Values no later node reads are released (their C parts are the large ones).
  const std::vector<DoubletonPtr> values = walk_forward(
      network, std::make_shared<const Doubleton>(input_doubleton(float32 ? float32_input(input) : input)),
      KeepValues::Live, [&](std::size_t, const Node& node, const std::vector<const DoubletonPtr*>& operands) {
        std::vector<DoubletonPtr> shared;
        for (const DoubletonPtr* operand : operands) shared.push_back(*operand);
        return visit_layer<DoubletonRejects>(
            node.op, DoubletonStep{node, network, shared, options}, [&](std::string_view kind) -> DoubletonPtr {
              throw Unsupported(model::refusal_message(name(), kind, node.name));
            });
      });
  return Result{enclosing_box(*values[network.output()]), true};
}

}  // namespace certnn::bounds
