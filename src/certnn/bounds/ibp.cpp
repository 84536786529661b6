#include "certnn/bounds/ibp.hpp"

#include <cmath>
#include <limits>

#include "certnn/bounds/inference_error.hpp"
#include "certnn/core/error.hpp"
#include "certnn/core/interval.hpp"
#include "certnn/core/rounding.hpp"
#include "certnn/model/convolution.hpp"
#include "certnn/model/forward.hpp"
#include "certnn/model/network_walk.hpp"
#include "certnn/model/kind_dispatch.hpp"
#include "certnn/model/window.hpp"

namespace certnn::bounds {
namespace {

using namespace certnn::model;
namespace r = certnn::rounding;
using Eigen::Index;
using Eigen::VectorXd;

constexpr double kInf = std::numeric_limits<double>::infinity();

// [centre − radius, centre + radius] where centre = fl(W·mid + b) and the radius covers
// |W|·rad plus the rounding errors of both products (core/rounding.hpp):
//   exact W·mid + b lies within dot_error(n + 1, fl(|W||mid| + |b|)) of the computed centre,
//   exact |W|·rad is at most nonnegative_sum_up(n, fl(|W| rad)).
Box affine_enclosure(const VectorXd& centre, const VectorXd& abs_radius_image, const VectorXd& abs_magnitude_image,
                     std::int64_t fan_in) {
  Box out{VectorXd(centre.size()), VectorXd(centre.size())};
  for (Index i = 0; i < centre.size(); ++i) {
    const double radius = r::add_up(r::nonnegative_sum_up(fan_in, abs_radius_image[i]),
                                    r::dot_error(fan_in + 1, abs_magnitude_image[i]));
    out.lower[i] = r::sub_down(centre[i], radius);
    out.upper[i] = r::add_up(centre[i], radius);
  }
  return out;
}

struct IbpStep {
  const Node& node;
  const Network& network;
  const std::vector<const Box*>& in;

  const Box& x() const { return *in[0]; }

  // Applies an exact, monotone non-decreasing element-wise map or a data movement to both ends.
  Box both_ends(const LayerOp& op) const {
    Batch<double> ends(x().size(), 2);
    ends.col(0) = x().lower;
    ends.col(1) = x().upper;
    const Node moved{node.name, op, node.inputs, node.output_shape};
    const Batch<double> image = apply_layer<double>(moved, {&ends}, network);
    return Box{image.col(0), image.col(1)};
  }
  template <class Map>
  Box elementwise(Map&& map) const {
    Box out{VectorXd(x().size()), VectorXd(x().size())};
    for (Index i = 0; i < x().size(); ++i) std::tie(out.lower[i], out.upper[i]) = map(i, x().lower[i], x().upper[i]);
    return out;
  }

  Box operator()(const Dense& d) const {
    const CentreRadius cr = centre_radius(x());
    const Eigen::MatrixXd abs_weight = d.weight.cwiseAbs();
    const VectorXd centre = d.weight * cr.mid + d.bias;
    const VectorXd radius_image = abs_weight * cr.rad;
    const VectorXd magnitude_image = abs_weight * cr.mid.cwiseAbs() + d.bias.cwiseAbs();
    return affine_enclosure(centre, radius_image, magnitude_image, d.weight.cols());
  }
  Box operator()(const Conv2d& c) const {
    const CentreRadius cr = centre_radius(x());
    Batch<double> centre = convolve<double>(c.weight, c.window, cr.mid);
    add_channel_bias(centre, c.bias);
    Batch<double> magnitudes(x().size(), 2);
    magnitudes.col(0) = cr.rad;
    magnitudes.col(1) = cr.mid.cwiseAbs();
    const Batch<double> images = convolve<double>(c.weight.cwiseAbs(), c.window, magnitudes);
    const VectorXd magnitude_image = images.col(1) + abs_image_of_bias(c);
    return affine_enclosure(centre.col(0), images.col(0), magnitude_image, c.weight.cols());
  }
  VectorXd abs_image_of_bias(const Conv2d& c) const {
    const Index positions = c.window.out_h * c.window.out_w;
    VectorXd out(c.out_channels * positions);
    for (Index m = 0; m < c.out_channels; ++m) out.segment(m * positions, positions).setConstant(std::abs(c.bias[m]));
    return out;
  }
  Box operator()(const Relu& op) const { return both_ends(op); }
  Box operator()(const LeakyRelu& l) const {
    // Piecewise linear with its kink at 0: the extremes lie at the end points or at 0.
    return elementwise([&](Index, double lo, double hi) {
      auto low = [&](double v) { return v >= 0 ? v : r::mul_down(l.alpha, v); };
      auto high = [&](double v) { return v >= 0 ? v : r::mul_up(l.alpha, v); };
      double out_lo = std::min(low(lo), low(hi)), out_hi = std::max(high(lo), high(hi));
      if (lo < 0 && hi > 0) {
        out_lo = std::min(out_lo, 0.0);
        out_hi = std::max(out_hi, 0.0);
      }
      return std::pair{out_lo, out_hi};
    });
  }
  Box operator()(const Sigmoid&) const {
    return elementwise([](Index, double lo, double hi) { return std::pair{r::sigmoid_down(lo), r::sigmoid_up(hi)}; });
  }
  Box operator()(const Tanh&) const {
    return elementwise([](Index, double lo, double hi) { return std::pair{r::tanh_down(lo), r::tanh_up(hi)}; });
  }
  Box operator()(const Softmax& s) const {
    // y_i = 1 / Σ_j exp(x_j − x_i): smallest when the other x_j are high and x_i low.
    Box out{VectorXd(x().size()), VectorXd(x().size())};
    for (Index start = 0; start < x().size(); start += s.group_size)
      for (Index i = start; i < start + s.group_size; ++i) {
        double denominator_up = 1.0, denominator_down = 1.0;
        for (Index j = start; j < start + s.group_size; ++j) {
          if (j == i) continue;
          denominator_up = r::add_up(denominator_up, r::exp_up(r::sub_up(x().upper[j], x().lower[i])));
          denominator_down = r::add_down(denominator_down, r::exp_down(r::sub_down(x().lower[j], x().upper[i])));
        }
        out.lower[i] = std::max(0.0, r::div_down(1.0, denominator_up));
        out.upper[i] = std::min(1.0, r::div_up(1.0, denominator_down));
      }
    return out;
  }
  Box operator()(const Reshape&) const { return x(); }
  Box operator()(const BatchNorm& b) const {
    return elementwise([&](Index i, double lo, double hi) {
      const Index c = i / b.channel_stride;
      const double deviation_lo = r::sqrt_down(r::add_down(b.variance[c], b.epsilon));
      const double deviation_hi = r::sqrt_up(r::add_up(b.variance[c], b.epsilon));
      const Interval factor =
          Interval::point(b.scale[c]) * Interval{r::div_down(1.0, deviation_hi), r::div_up(1.0, deviation_lo)};
      const Interval y = (Interval{lo, hi} - Interval::point(b.mean[c])) * factor + Interval::point(b.bias[c]);
      return std::pair{y.lo, y.hi};
    });
  }
  Box operator()(const AddTensors&) const {
    const Box& y = *in[1];
    return elementwise([&](Index i, double lo, double hi) {
      return std::pair{r::add_down(lo, y.lower[i]), r::add_up(hi, y.upper[i])};
    });
  }
  Box operator()(const SubTensors&) const {
    const Box& y = *in[1];
    return elementwise([&](Index i, double lo, double hi) {
      return std::pair{r::sub_down(lo, y.upper[i]), r::sub_up(hi, y.lower[i])};
    });
  }
  Box operator()(const AddConstant& a) const {
    return elementwise([&](Index i, double lo, double hi) {
      return std::pair{r::add_down(lo, a.constant[i]), r::add_up(hi, a.constant[i])};
    });
  }
  Box operator()(const SubConstant& s) const {
    return elementwise([&](Index i, double lo, double hi) {
      const double c = s.constant[i];
      return s.constant_first ? std::pair{r::sub_down(c, hi), r::sub_up(c, lo)}
                              : std::pair{r::sub_down(lo, c), r::sub_up(hi, c)};
    });
  }
  Box operator()(const MulConstant& m) const {
    return elementwise([&](Index i, double lo, double hi) {
      const double c = m.constant[i];
      return c >= 0 ? std::pair{r::mul_down(lo, c), r::mul_up(hi, c)} : std::pair{r::mul_down(hi, c), r::mul_up(lo, c)};
    });
  }
  Box operator()(const DivConstant& d) const {
    return elementwise([&](Index i, double lo, double hi) {
      const double c = d.constant[i];
      return c > 0 ? std::pair{r::div_down(lo, c), r::div_up(hi, c)} : std::pair{r::div_down(hi, c), r::div_up(lo, c)};
    });
  }
  Box operator()(const AveragePool& p) const {
    const Window2d& w = p.window;
    const Index out_size = w.channels * w.out_h * w.out_w;
    Box sums{VectorXd::Zero(out_size), VectorXd::Zero(out_size)};
    std::vector<std::int64_t> counts(out_size, 0);
    for_each_window(w, [&](std::int64_t out, std::int64_t in_index) {
      sums.lower[out] = r::add_down(sums.lower[out], x().lower[in_index]);
      sums.upper[out] = r::add_up(sums.upper[out], x().upper[in_index]);
      ++counts[out];
    });
    for (Index o = 0; o < out_size; ++o) {
      const double divisor = static_cast<double>(p.count_include_pad ? w.kernel_h * w.kernel_w : counts[o]);
      sums.lower[o] = r::div_down(sums.lower[o], divisor);
      sums.upper[o] = r::div_up(sums.upper[o], divisor);
    }
    return sums;
  }
  Box operator()(const MaxPool& op) const { return both_ends(op); }
  Box operator()(const Pad& op) const { return both_ends(op); }
};

// A NaN end point (∞ − ∞ after an overflow) carries no information: widen it to ±∞.
void widen_nan(Box& box) {
  for (Index i = 0; i < box.size(); ++i) {
    if (std::isnan(box.lower[i])) box.lower[i] = -kInf;
    if (std::isnan(box.upper[i])) box.upper[i] = kInf;
  }
}

}  // namespace

std::vector<std::string_view> IbpMethod::refused_kinds() const { return {}; }

Box ibp_layer(const Network& network, const Node& node, const std::vector<const Box*>& operands, Inference inference) {
  Box box = visit_layer(node.op, IbpStep{node, network, operands});
  widen_nan(box);
  if (inference == Inference::Float32) widen(box, float32_layer_error(network, node, operands, box));
  return box;
}

std::vector<Box> IbpMethod::propagate_all(const Network& network, const Box& input, Inference inference,
                                          const std::vector<Box>* enclosing) const {
  if (input.size() != network.input_size())
    throw ShapeError("ibp: the input box has " + std::to_string(input.size()) + " elements, the network expects " +
                     std::to_string(network.input_size()));
  return walk_forward(network, inference == Inference::Float32 ? float32_input(input) : input, KeepValues::All,
                      [&](std::size_t k, const Node& node, const std::vector<const Box*>& operands) {
                        Box box = ibp_layer(network, node, operands, inference);
                        if (enclosing) intersect(box, (*enclosing)[k + 1]);
                        return box;
                      });
}

Result IbpMethod::propagate(const Network& network, const Box& input, const Options& options) const {
  return Result{std::move(propagate_all(network, input, options.inference)[network.output()]), true};
}

}  // namespace certnn::bounds
