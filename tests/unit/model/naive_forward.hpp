// A naive evaluator of networks for tests: each layer kind computed from its definition in
// model/layers.hpp with explicitly padded tensors, nested loops and long double arithmetic,
// independent of model/forward.cpp. Every value carries an a-priori bound on the rounding error
// of a float64 or float32 forward pass, so tests derive their tolerances instead of guessing them.
#pragma once

#include <Eigen/Core>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "certnn/model/kind_dispatch.hpp"
#include "certnn/model/network.hpp"

namespace certnn::model::naive {

using Real = long double;

// One value of the naive evaluation: `value` is the exact result of the layer on the naive
// inputs, computed in long double (its own rounding, about 1e-19 relative, is far below every
// tolerance used here). `error` bounds how far forward<T> may be from it, in units of
// epsilon(T): |computed - value| <= epsilon(T) * error. The bounds are first order (Higham,
// "Accuracy and Stability of Numerical Algorithms", ch. 3) with roughly a factor two to spare,
// and include the rounding of double parameters to float in the float32 pass.
struct Tracked {
  Real value = 0;
  Real error = 0;
};
using Values = std::vector<Tracked>;

inline Real magnitude(Real x) { return std::fabs(x); }

// A [C,H,W] sample copied into an explicitly padded [C, H + top + bottom, W + left + right]
// tensor; `inside` marks the elements that come from the input.
struct PaddedSample {
  std::int64_t height = 0, width = 0;
  Values values;
  std::vector<bool> inside;

  std::int64_t index(std::int64_t c, std::int64_t h, std::int64_t w) const { return (c * height + h) * width + w; }
};

inline PaddedSample pad_spatially(const Values& sample, const Window2d& w) {
  PaddedSample padded;
  padded.height = w.in_h + w.pad_top + w.pad_bottom;
  padded.width = w.in_w + w.pad_left + w.pad_right;
  padded.values.assign(w.channels * padded.height * padded.width, Tracked{});
  padded.inside.assign(padded.values.size(), false);
  for (std::int64_t c = 0; c < w.channels; ++c)
    for (std::int64_t h = 0; h < w.in_h; ++h)
      for (std::int64_t x = 0; x < w.in_w; ++x) {
        const std::int64_t at = padded.index(c, h + w.pad_top, x + w.pad_left);
        padded.values[at] = sample[(c * w.in_h + h) * w.in_w + x];
        padded.inside[at] = true;
      }
  return padded;
}

// Output positions along one axis: windows start every `stride` and must end inside.
inline std::int64_t window_positions(std::int64_t padded, std::int64_t kernel, std::int64_t stride, std::int64_t dilation) {
  std::int64_t count = 0;
  for (std::int64_t start = 0; start + (kernel - 1) * dilation < padded; start += stride) ++count;
  return count;
}

struct LayerStep {
  const std::vector<const Values*>& in;
  const Shape& input_shape;

  const Values& x() const { return *in[0]; }

  Values operator()(const Dense& d) const {
    Values out(d.weight.rows());
    const Real fan_in = static_cast<Real>(d.weight.cols());
    for (Eigen::Index o = 0; o < d.weight.rows(); ++o) {
      Real value = d.bias[o], size = magnitude(d.bias[o]), propagated = 0;
      for (Eigen::Index i = 0; i < d.weight.cols(); ++i) {
        const Real weight = d.weight(o, i);
        value += weight * x()[i].value;
        size += magnitude(weight * x()[i].value);
        propagated += magnitude(weight) * x()[i].error;
      }
      out[o] = {value, propagated + (fan_in + 2) * size};
    }
    return out;
  }
  Values operator()(const Conv2d& conv) const {
    const Window2d& w = conv.window;
    const PaddedSample padded = pad_spatially(x(), w);
    const std::int64_t out_h = window_positions(padded.height, w.kernel_h, w.stride_h, w.dilation_h);
    const std::int64_t out_w = window_positions(padded.width, w.kernel_w, w.stride_w, w.dilation_w);
    const Real fan_in = static_cast<Real>(w.channels * w.kernel_h * w.kernel_w);
    Values out(conv.out_channels * out_h * out_w);
    for (std::int64_t m = 0; m < conv.out_channels; ++m)
      for (std::int64_t oh = 0; oh < out_h; ++oh)
        for (std::int64_t ow = 0; ow < out_w; ++ow) {
          Real value = conv.bias[m], size = magnitude(conv.bias[m]), propagated = 0;
          for (std::int64_t c = 0; c < w.channels; ++c)
            for (std::int64_t kh = 0; kh < w.kernel_h; ++kh)
              for (std::int64_t kw = 0; kw < w.kernel_w; ++kw) {
                const Tracked& tap =
                    padded.values[padded.index(c, oh * w.stride_h + kh * w.dilation_h, ow * w.stride_w + kw * w.dilation_w)];
                const Real weight = conv.weight(m, (c * w.kernel_h + kh) * w.kernel_w + kw);
                value += weight * tap.value;
                size += magnitude(weight * tap.value);
                propagated += magnitude(weight) * tap.error;
              }
          out[(m * out_h + oh) * out_w + ow] = {value, propagated + (fan_in + 2) * size};
        }
    return out;
  }
  Values operator()(const Relu&) const {
    Values out = x();
    for (Tracked& v : out) v.value = std::max<Real>(v.value, 0);
    return out;
  }
  Values operator()(const LeakyRelu& leaky) const {
    const Real alpha = leaky.alpha;
    Values out = x();
    for (Tracked& v : out) {
      v.error *= std::max<Real>(1, magnitude(alpha));
      if (v.value < 0) {
        v.value *= alpha;
        v.error += 2 * magnitude(v.value);  // alpha rounded to float, then one product
      }
    }
    return out;
  }
  Values operator()(const Sigmoid&) const {
    Values out = x();
    for (Tracked& v : out) {
      v.value = 1 / (1 + std::exp(-v.value));
      v.error = v.error / 4 + 4 * v.value;  // slope at most 1/4; exp, add, divide
    }
    return out;
  }
  Values operator()(const Tanh&) const {
    Values out = x();
    for (Tracked& v : out) {
      v.value = std::tanh(v.value);
      // Slope at most 1. Eigen's float tanh is a rational approximation whose relative error
      // reaches about 3.3 epsilon (near |x| = 5.8), hence 8 rather than the 4 of sigmoid.
      v.error = v.error + 8 * magnitude(v.value);
    }
    return out;
  }
  Values operator()(const Softmax& softmax) const {
    Values out = x();
    const std::int64_t group = softmax.group_size;
    for (std::size_t start = 0; start < out.size(); start += group) {
      Real largest = -std::numeric_limits<Real>::infinity(), largest_error = 0;
      for (std::int64_t i = 0; i < group; ++i) {
        largest = std::max(largest, out[start + i].value);
        largest_error = std::max(largest_error, out[start + i].error);
      }
      Real sum = 0, spread = 0;
      for (std::int64_t i = 0; i < group; ++i) {
        sum += std::exp(out[start + i].value - largest);
        spread = std::max(spread, largest - out[start + i].value);
      }
      // Relative error: 2 * (input error) through the quotient, |x - max| from rounding the
      // shifted exponent, the sum of `group` terms, and a few ulp for exp and the division.
      const Real relative = 2 * largest_error + 2 * spread + static_cast<Real>(group) + 8;
      for (std::int64_t i = 0; i < group; ++i) {
        Tracked& v = out[start + i];
        v.value = std::exp(v.value - largest) / sum;
        v.error = relative * v.value;
      }
    }
    return out;
  }
  Values operator()(const Reshape&) const { return x(); }
  Values operator()(const BatchNorm& bn) const {
    Values out = x();
    for (std::size_t i = 0; i < out.size(); ++i) {
      const auto c = static_cast<Eigen::Index>(i / static_cast<std::size_t>(bn.channel_stride));
      const Real gain = static_cast<Real>(bn.scale[c]) / std::sqrt(static_cast<Real>(bn.variance[c]) + bn.epsilon);
      Tracked& v = out[i];
      const Real size = (magnitude(v.value) + magnitude(bn.mean[c])) * magnitude(gain) + magnitude(bn.bias[c]);
      v.value = (v.value - bn.mean[c]) * gain + bn.bias[c];
      v.error = v.error * magnitude(gain) + 8 * size;
    }
    return out;
  }
  Values operator()(const AddTensors&) const { return combine(+1); }
  Values operator()(const SubTensors&) const { return combine(-1); }
  Values operator()(const AddConstant& c) const {
    Values out = x();
    for (std::size_t i = 0; i < out.size(); ++i) {
      const Real constant = c.constant[static_cast<Eigen::Index>(i)];
      out[i].error += 2 * (magnitude(out[i].value) + magnitude(constant));
      out[i].value += constant;
    }
    return out;
  }
  Values operator()(const SubConstant& c) const {
    Values out = x();
    for (std::size_t i = 0; i < out.size(); ++i) {
      const Real constant = c.constant[static_cast<Eigen::Index>(i)];
      out[i].error += 2 * (magnitude(out[i].value) + magnitude(constant));
      out[i].value = c.constant_first ? constant - out[i].value : out[i].value - constant;
    }
    return out;
  }
  Values operator()(const MulConstant& c) const {
    Values out = x();
    for (std::size_t i = 0; i < out.size(); ++i) {
      const Real constant = c.constant[static_cast<Eigen::Index>(i)];
      out[i].value *= constant;
      out[i].error = out[i].error * magnitude(constant) + 2 * magnitude(out[i].value);
    }
    return out;
  }
  Values operator()(const DivConstant& c) const {
    Values out = x();
    for (std::size_t i = 0; i < out.size(); ++i) {
      const Real constant = c.constant[static_cast<Eigen::Index>(i)];
      out[i].value /= constant;
      out[i].error = out[i].error / magnitude(constant) + 2 * magnitude(out[i].value);
    }
    return out;
  }
  Values operator()(const AveragePool& pool) const {
    return pooled(pool.window, [&](const std::vector<const Tracked*>& taps) {
      const Real divisor = pool.count_include_pad ? static_cast<Real>(pool.window.kernel_h * pool.window.kernel_w)
                                                  : static_cast<Real>(taps.size());
      Real sum = 0, size = 0, propagated = 0;
      for (const Tracked* tap : taps) {
        sum += tap->value;
        size += magnitude(tap->value);
        propagated += tap->error;
      }
      const Real terms = static_cast<Real>(pool.window.kernel_h * pool.window.kernel_w) + 2;
      return Tracked{sum / divisor, (propagated + terms * size) / divisor};
    });
  }
  Values operator()(const MaxPool& pool) const {
    return pooled(pool.window, [](const std::vector<const Tracked*>& taps) {
      Tracked best{-std::numeric_limits<Real>::infinity(), 0};
      for (const Tracked* tap : taps) {
        best.value = std::max(best.value, tap->value);
        best.error = std::max(best.error, tap->error);
      }
      return best;
    });
  }
  Values operator()(const Pad& pad) const {
    const std::size_t rank = input_shape.size();
    Shape out_shape(rank);
    for (std::size_t d = 0; d < rank; ++d) out_shape[d] = pad.begin[d] + input_shape[d] + pad.end[d];
    std::int64_t out_size = 1;
    for (std::int64_t dim : out_shape) out_size *= dim;
    Values out(out_size);
    for (std::int64_t flat = 0; flat < out_size; ++flat) {
      // Decompose the output position and map it back into the input, if it lies there.
      std::int64_t rest = flat, in_flat = 0, stride = 1;
      bool inside = true;
      for (std::size_t d = rank; d-- > 0;) {
        const std::int64_t position = rest % out_shape[d] - pad.begin[d];
        rest /= out_shape[d];
        inside = inside && position >= 0 && position < input_shape[d];
        in_flat += position * stride;
        stride *= input_shape[d];
      }
      out[flat] = inside ? x()[in_flat] : Tracked{pad.value, 0};
    }
    return out;
  }

  Values combine(int sign) const {
    const Values& a = *in[0];
    const Values& b = *in[1];
    Values out(a.size());
    for (std::size_t i = 0; i < a.size(); ++i) {
      out[i].value = a[i].value + sign * b[i].value;
      out[i].error = a[i].error + b[i].error + magnitude(out[i].value);
    }
    return out;
  }

  // Applies reduce(taps inside the input) to every window of every channel.
  template <class Reduce>
  Values pooled(const Window2d& w, Reduce reduce) const {
    const PaddedSample padded = pad_spatially(x(), w);
    const std::int64_t out_h = window_positions(padded.height, w.kernel_h, w.stride_h, w.dilation_h);
    const std::int64_t out_w = window_positions(padded.width, w.kernel_w, w.stride_w, w.dilation_w);
    Values out(w.channels * out_h * out_w);
    std::vector<const Tracked*> taps;
    for (std::int64_t c = 0; c < w.channels; ++c)
      for (std::int64_t oh = 0; oh < out_h; ++oh)
        for (std::int64_t ow = 0; ow < out_w; ++ow) {
          taps.clear();
          for (std::int64_t kh = 0; kh < w.kernel_h; ++kh)
            for (std::int64_t kw = 0; kw < w.kernel_w; ++kw) {
              const std::int64_t at = padded.index(c, oh * w.stride_h + kh * w.dilation_h, ow * w.stride_w + kw * w.dilation_w);
              if (padded.inside[at]) taps.push_back(&padded.values[at]);
            }
          out[(c * out_h + oh) * out_w + ow] = reduce(taps);
        }
    return out;
  }
};

inline Values forward(const Network& network, const Eigen::VectorXd& input) {
  std::vector<Values> values(network.value_count());
  for (Eigen::Index i = 0; i < input.size(); ++i) values[kInputValue].push_back({input[i], 0});
  std::vector<const Values*> operands;
  for (std::size_t k = 0; k < network.nodes().size(); ++k) {
    const Node& node = network.nodes()[k];
    operands.clear();
    for (ValueId v : node.inputs) operands.push_back(&values[v]);
    values[k + 1] = visit_layer(node.op, LayerStep{operands, network.shape(node.inputs[0])});
  }
  return values[network.output()];
}

}  // namespace certnn::model::naive
