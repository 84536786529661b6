#include "certnn/stability/local_lipschitz.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "certnn/bounds/ibp.hpp"
#include "certnn/bounds/refusals.hpp"
#include "certnn/core/error.hpp"
#include "certnn/core/interval.hpp"
#include "certnn/core/rounding.hpp"
#include "certnn/model/kind_dispatch.hpp"
#include "certnn/model/network_walk.hpp"
#include "certnn/model/window.hpp"
#include "certnn/stability/linear_operator.hpp"

namespace certnn::stability {
namespace {

using namespace certnn::model;
namespace r = certnn::rounding;
using bounds::Box;
using Eigen::Index;
using Eigen::MatrixXd;

constexpr double kInf = std::numeric_limits<double>::infinity();

// Softmax's Jacobian diag(y) − yyᵀ couples every element of a group; its enclosure is left out.
using LocalLipschitzRejects = KindList<Softmax>;

// An interval matrix [lo, hi] enclosing the transposed Jacobian ∂f/∂v of the network output
// with respect to one value v: size(v) x output_size, one column per output (the layout of
// vector-Jacobian products). Empty: the output does not depend on v.
struct IntervalMatrix {
  MatrixXd lo, hi;

  bool empty() const { return lo.size() == 0; }
  Interval at(Index i, Index j) const { return {lo(i, j), hi(i, j)}; }
  void set(Index i, Index j, Interval v) {
    lo(i, j) = v.lo;
    hi(i, j) = v.hi;
  }
  static IntervalMatrix zero(Index rows, Index cols) { return {MatrixXd::Zero(rows, cols), MatrixXd::Zero(rows, cols)}; }
};

IntervalMatrix negated(const IntervalMatrix& m) { return {-m.hi, -m.lo}; }

// Adds b into a (outward rounded); an empty a takes b.
void accumulate(IntervalMatrix& a, const IntervalMatrix& b) {
  if (a.empty()) {
    a = b;
    return;
  }
  for (Index i = 0; i < a.lo.size(); ++i) {
    a.lo.data()[i] = r::add_down(a.lo.data()[i], b.lo.data()[i]);
    a.hi.data()[i] = r::add_up(a.hi.data()[i], b.hi.data()[i]);
  }
}

// Row i multiplied by the interval factor(i).
template <class Factor>
IntervalMatrix scale_rows(const IntervalMatrix& t, Factor&& factor) {
  IntervalMatrix out = IntervalMatrix::zero(t.lo.rows(), t.lo.cols());
  for (Index i = 0; i < t.lo.rows(); ++i) {
    const Interval f = factor(i);
    for (Index j = 0; j < t.lo.cols(); ++j) out.set(i, j, t.at(i, j) * f);
  }
  return out;
}

// Tᵀ A for the interval T = mid ± rad: Aᵀ mid computed, its rounding error at most
// dot_error(adjoint_terms, |A|ᵀ|mid|) (the operator's rounding contract), plus |A|ᵀ rad rounded up.
IntervalMatrix through_adjoint(const LinearOperator& op, const IntervalMatrix& t) {
  const MatrixXd mid = (t.lo + t.hi) * 0.5;
  MatrixXd rad(mid.rows(), mid.cols());
  for (Index i = 0; i < mid.size(); ++i)
    rad.data()[i] = std::max(r::sub_up(t.hi.data()[i], mid.data()[i]), r::sub_up(mid.data()[i], t.lo.data()[i]));
  const MatrixXd centre = op.apply_adjoint(mid);
  const MatrixXd magnitude = op.abs_adjoint(mid.cwiseAbs());
  const MatrixXd spread = abs_adjoint_up(op, rad);
  IntervalMatrix out{MatrixXd(centre.rows(), centre.cols()), MatrixXd(centre.rows(), centre.cols())};
  for (Index i = 0; i < centre.size(); ++i) {
    const double radius = r::add_up(spread.data()[i], r::dot_error(op.adjoint_terms, magnitude.data()[i]));
    out.lo.data()[i] = r::sub_down(centre.data()[i], radius);
    out.hi.data()[i] = r::add_up(centre.data()[i], radius);
  }
  return out;
}

// The generalised derivative of an element-wise activation over [lo, hi] of its input.
Interval relu_slope(double lo, double hi) {
  if (lo > 0) return {1.0, 1.0};
  if (hi < 0) return {0.0, 0.0};
  return {0.0, 1.0};
}
// σ' = s (1 − s) for s = σ(x) ∈ [a, b]: concave in s, so its least value is at an end of [a, b]
// and its largest at the point of [a, b] nearest 1/2.
Interval sigmoid_slope(double lo, double hi) {
  const double a = r::sigmoid_down(lo), b = r::sigmoid_up(hi);
  const auto low = [](double s) { return r::mul_down(s, r::sub_down(1.0, s)); };
  const double peak = std::clamp(0.5, a, b);
  return {std::max(0.0, std::min(low(a), low(b))), std::min(0.25, r::mul_up(peak, r::sub_up(1.0, peak)))};
}
// tanh' = 1 − t² for t = tanh(x) ∈ [a, b]: least at the end of larger |t|, largest at the t
// of [a, b] nearest 0.
Interval tanh_slope(double lo, double hi) {
  const double a = r::tanh_down(lo), b = r::tanh_up(hi);
  const double widest = std::max(r::mul_up(a, a), r::mul_up(b, b));
  const double nearest = std::clamp(0.0, a, b);
  return {std::max(0.0, r::sub_down(1.0, widest)), std::min(1.0, r::sub_up(1.0, r::mul_down(nearest, nearest)))};
}

struct EnclosureStep {
  const Network& network;
  const Node& node;
  const std::vector<const Box*>& in;  // IBP boxes of the node's inputs
  const IntervalMatrix& t;            // enclosure for the node's output

  const Box& x() const { return *in[0]; }
  static std::vector<IntervalMatrix> one(IntervalMatrix m) {
    std::vector<IntervalMatrix> out;
    out.push_back(std::move(m));
    return out;
  }

  std::vector<IntervalMatrix> operator()(const Dense& d) const { return one(through_adjoint(dense_operator(d.weight), t)); }
  std::vector<IntervalMatrix> operator()(const Conv2d& c) const { return one(through_adjoint(convolution_operator(c), t)); }
  std::vector<IntervalMatrix> operator()(const Relu&) const {
    return one(scale_rows(t, [&](Index i) { return relu_slope(x().lower[i], x().upper[i]); }));
  }
  std::vector<IntervalMatrix> operator()(const LeakyRelu& l) const {
    return one(scale_rows(t, [&](Index i) {
      const Interval s = relu_slope(x().lower[i], x().upper[i]);
      // slope 1 where positive, α where negative, either (and all between) at the kink
      const double at_lo = s.lo == 1.0 ? 1.0 : l.alpha, at_hi = s.hi == 0.0 ? l.alpha : 1.0;
      return Interval{std::min(at_lo, at_hi), std::max(at_lo, at_hi)};
    }));
  }
  std::vector<IntervalMatrix> operator()(const Sigmoid&) const {
    return one(scale_rows(t, [&](Index i) { return sigmoid_slope(x().lower[i], x().upper[i]); }));
  }
  std::vector<IntervalMatrix> operator()(const Tanh&) const {
    return one(scale_rows(t, [&](Index i) { return tanh_slope(x().lower[i], x().upper[i]); }));
  }
  std::vector<IntervalMatrix> operator()(const Reshape&) const { return one(t); }
  std::vector<IntervalMatrix> operator()(const BatchNorm& b) const {
    return one(scale_rows(t, [&](Index i) {
      const Index c = i / b.channel_stride;
      const double deviation_lo = r::sqrt_down(r::add_down(b.variance[c], b.epsilon));
      const double deviation_hi = r::sqrt_up(r::add_up(b.variance[c], b.epsilon));
      return Interval::point(b.scale[c]) * Interval{r::div_down(1.0, deviation_hi), r::div_up(1.0, deviation_lo)};
    }));
  }
  std::vector<IntervalMatrix> operator()(const AddTensors&) const { return {t, t}; }
  std::vector<IntervalMatrix> operator()(const SubTensors&) const { return {t, negated(t)}; }
  std::vector<IntervalMatrix> operator()(const AddConstant&) const { return one(t); }
  std::vector<IntervalMatrix> operator()(const SubConstant& s) const { return one(s.constant_first ? negated(t) : t); }
  std::vector<IntervalMatrix> operator()(const MulConstant& m) const {
    return one(scale_rows(t, [&](Index i) { return Interval::point(m.constant[i]); }));
  }
  std::vector<IntervalMatrix> operator()(const DivConstant& d) const {
    return one(scale_rows(t, [&](Index i) {
      const double lo = r::div_down(1.0, d.constant[i]), hi = r::div_up(1.0, d.constant[i]);
      return Interval{lo, hi};
    }));
  }
  std::vector<IntervalMatrix> operator()(const AveragePool& p) const {
    return one(through_adjoint(average_pool_operator(p), t));
  }
  // Output o is the maximum of the taps that can be maximal on the box (upper end at least the
  // largest lower end); its generalised gradient is a convex combination of theirs: a single
  // candidate passes its row on exactly, several each receive it scaled by [0, 1].
  std::vector<IntervalMatrix> operator()(const MaxPool& p) const {
    const Window2d& w = p.window;
    const Index out_size = w.channels * w.out_h * w.out_w;
    std::vector<std::vector<std::int64_t>> taps(static_cast<std::size_t>(out_size));
    for_each_window(w, [&](std::int64_t out, std::int64_t in_index) { taps[out].push_back(in_index); });
    IntervalMatrix dx = IntervalMatrix::zero(x().size(), t.lo.cols());
    for (Index o = 0; o < out_size; ++o) {
      double best_lower = -kInf;
      for (const auto i : taps[o]) best_lower = std::max(best_lower, x().lower[i]);
      std::vector<std::int64_t> candidates;
      for (const auto i : taps[o])
        if (x().upper[i] >= best_lower) candidates.push_back(i);
      for (const auto i : candidates)
        for (Index j = 0; j < t.lo.cols(); ++j) {
          Interval share = t.at(o, j);
          if (candidates.size() > 1) share = hull(share, Interval{0.0, 0.0});
          dx.set(i, j, dx.at(i, j) + share);
        }
    }
    return one(std::move(dx));
  }
  // The rows of the positions the input was copied to.
  std::vector<IntervalMatrix> operator()(const Pad& p) const {
    const Shape& input_shape = network.shape(node.inputs[0]);
    Shape out_shape = input_shape;
    for (std::size_t d = 0; d < out_shape.size(); ++d) out_shape[d] += p.begin[d] + p.end[d];
    IntervalMatrix dx = IntervalMatrix::zero(x().size(), t.lo.cols());
    std::vector<std::int64_t> index(input_shape.size(), 0);
    for (Index flat = 0; flat < x().size(); ++flat) {
      std::int64_t out_flat = 0;
      for (std::size_t d = 0; d < index.size(); ++d) out_flat = out_flat * out_shape[d] + index[d] + p.begin[d];
      dx.lo.row(flat) = t.lo.row(out_flat);
      dx.hi.row(flat) = t.hi.row(out_flat);
      for (std::size_t d = index.size(); d-- > 0;) {
        if (++index[d] < input_shape[d]) break;
        index[d] = 0;
      }
    }
    return one(std::move(dx));
  }
};

}  // namespace

void check_local_lipschitz(const Network& network) {
  bounds::refuse_listed_kinds<LocalLipschitzRejects>("local lipschitz", network);
}

double local_lipschitz_upper(const Network& network, const Box& box, const SpectralOptions& options) {
  check_local_lipschitz(network);
  const std::vector<Box> boxes = bounds::IbpMethod().propagate_all(network, box);
  const Index outputs = network.output_size();
  MatrixXd identity = MatrixXd::Identity(outputs, outputs);
  const IntervalMatrix j = walk_backward(
      network, IntervalMatrix{identity, identity}, [](const IntervalMatrix& t) { return !t.empty(); },
      [&](std::size_t, const Node& node, const IntervalMatrix& t) {
        std::vector<const Box*> operands;
        for (ValueId v : node.inputs) operands.push_back(&boxes[v]);
        return visit_layer<LocalLipschitzRejects>(
            node.op, EnclosureStep{network, node, operands, t}, [&](std::string_view kind) -> std::vector<IntervalMatrix> {
              throw Unsupported(model::refusal_message("local lipschitz", kind, node.name));
            });
      },
      [](IntervalMatrix& target, const IntervalMatrix& pulled) { accumulate(target, pulled); });
  if (j.empty()) return 0.0;
  if (!j.lo.allFinite() || !j.hi.allFinite()) return kInf;
  // |J| ≤ mag entry-wise, and J = mid + Δ with |Δ| ≤ rad; the spectral norm is monotone on
  // non-negative matrices and ‖X‖₂ ≤ ‖ |X| ‖₂.
  const MatrixXd magnitude = j.lo.cwiseAbs().cwiseMax(j.hi.cwiseAbs());
  const MatrixXd mid = (j.lo + j.hi) * 0.5;
  MatrixXd rad(mid.rows(), mid.cols());
  for (Index i = 0; i < mid.size(); ++i)
    rad.data()[i] = std::max(r::sub_up(j.hi.data()[i], mid.data()[i]), r::sub_up(mid.data()[i], j.lo.data()[i]));
  const double through_magnitude = dense_spectral_norm(magnitude, options).upper;
  const double through_split = r::add_up(dense_spectral_norm(mid, options).upper, dense_spectral_norm(rad, options).upper);
  return std::min(through_magnitude, through_split);
}

}  // namespace certnn::stability
