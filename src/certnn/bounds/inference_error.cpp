#include "certnn/bounds/inference_error.hpp"

#include <cmath>
#include <limits>

#include "certnn/core/rounding.hpp"
#include "certnn/model/convolution.hpp"
#include "certnn/model/forward.hpp"
#include "certnn/model/kind_dispatch.hpp"
#include "certnn/model/window.hpp"

namespace certnn::bounds {
namespace {

using namespace certnn::model;
namespace r = certnn::rounding;
using Eigen::Index;
using Eigen::VectorXd;

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kUnit32 = 0x1p-24;
constexpr double kUnderflow32 = 0x1p-149;
constexpr double kFloat32Max = 3.4028234663852886e38;

// γ_n of float32, rounded up.
double gamma32(std::int64_t n) {
  const double nu = r::mul_up(static_cast<double>(n), kUnit32);
  return nu >= 1.0 ? kInf : r::div_up(nu, r::sub_down(1.0, nu));
}

double magnitude(const Box& box, Index i) { return std::max(std::abs(box.lower[i]), std::abs(box.upper[i])); }
VectorXd magnitudes(const Box& box) {
  VectorXd m(box.size());
  for (Index i = 0; i < box.size(); ++i) m[i] = magnitude(box, i);
  return m;
}

// |v − fl32(v)|, rounded up (0 for float32 numbers).
double conversion_error(double v) {
  const double converted = static_cast<double>(static_cast<float>(v));
  return std::isinf(converted) && !std::isinf(v) ? kInf : r::up(std::abs(converted - v));
}

// A radius of +∞ where a magnitude may leave the float32 range.
void overflow_to_infinity(VectorXd& radius, const Box& output) {
  for (Index i = 0; i < radius.size(); ++i)
    if (!(magnitude(output, i) + radius[i] <= kFloat32Max)) radius[i] = kInf;
}

struct Float32ErrorStep {
  const Network& network;
  const Node& node;
  const std::vector<const Box*>& in;
  const Box& out;

  const Box& x() const { return *in[0]; }
  Index size() const { return out.size(); }

  // γ_k · |x_i| element-wise.
  VectorXd relative(std::int64_t k, const VectorXd& scale) const {
    VectorXd radius(scale.size());
    for (Index i = 0; i < scale.size(); ++i) radius[i] = r::mul_up(gamma32(k), scale[i]);
    return radius;
  }

  // For y = W x + b with fan-in n, given fl(|W| |x|max) and fl(|W − fl32(W)| |x|max):
  // γ_{n+1}(|W||x| + |b|) + conversion errors + underflow, all rounded up.
  VectorXd affine_error(std::int64_t fan_in, const VectorXd& abs_image, const VectorXd& conversion_image,
                        const VectorXd& abs_bias, const VectorXd& bias_conversion) const {
    VectorXd radius(abs_image.size());
    const double underflow = r::mul_up(static_cast<double>(fan_in + 1), kUnderflow32);
    for (Index i = 0; i < radius.size(); ++i) {
      const double magnitude_sum = r::add_up(r::nonnegative_sum_up(fan_in, abs_image[i]), abs_bias[i]);
      radius[i] = r::add_up(r::add_up(r::mul_up(gamma32(fan_in + 1), magnitude_sum),
                                      r::nonnegative_sum_up(fan_in, conversion_image[i])),
                            r::add_up(bias_conversion[i], underflow));
    }
    return radius;
  }

  VectorXd operator()(const Dense& d) const {
    const VectorXd m = magnitudes(x());
    const Eigen::MatrixXd conversion = d.weight.unaryExpr([](double w) { return conversion_error(w); });
    return affine_error(d.weight.cols(), d.weight.cwiseAbs() * m, conversion * m, d.bias.cwiseAbs(),
                        d.bias.unaryExpr([](double b) { return conversion_error(b); }));
  }
  VectorXd operator()(const Conv2d& c) const {
    // The same bound per output position: apply |W| and |W − fl32(W)| to |x|max as convolutions.
    const Batch<double> m = magnitudes(x());
    const auto image = [&](const Eigen::MatrixXd& weight) { return VectorXd(convolve<double>(weight, c.window, m).col(0)); };
    const Index positions = c.window.out_h * c.window.out_w;
    VectorXd abs_bias(size()), bias_conversion(size());
    for (Index i = 0; i < size(); ++i) {
      abs_bias[i] = std::abs(c.bias[i / positions]);
      bias_conversion[i] = conversion_error(c.bias[i / positions]);
    }
    return affine_error(c.weight.cols(), image(c.weight.cwiseAbs()),
                        image(c.weight.unaryExpr([](double w) { return conversion_error(w); })), abs_bias,
                        bias_conversion);
  }
  VectorXd operator()(const Relu&) const { return VectorXd::Zero(size()); }
  VectorXd operator()(const MaxPool&) const { return VectorXd::Zero(size()); }
  VectorXd operator()(const Reshape&) const { return VectorXd::Zero(size()); }
  VectorXd operator()(const Pad& p) const {
    // Copies; only a pad value that is not a float32 number moves.
    VectorXd radius = VectorXd::Constant(size(), conversion_error(p.value));
    return radius;
  }
  VectorXd operator()(const LeakyRelu&) const { return relative(3, magnitudes(out)); }
  VectorXd operator()(const Sigmoid&) const { return transcendental(); }
  VectorXd operator()(const Tanh&) const { return transcendental(); }
  VectorXd transcendental() const {
    // 4 float32 ulps of a value of magnitude m is at most 4·2^-23·m.
    VectorXd radius(size());
    for (Index i = 0; i < size(); ++i) radius[i] = r::add_up(r::mul_up(0x1p-21, magnitude(out, i)), kUnderflow32);
    return radius;
  }
  VectorXd operator()(const Softmax& s) const {
    VectorXd radius(size());
    for (Index start = 0; start < size(); start += s.group_size) {
      double spread = 0.0;
      for (Index i = start; i < start + s.group_size; ++i)
        for (Index j = start; j < start + s.group_size; ++j)
          spread = std::max(spread, r::sub_up(x().upper[i], x().lower[j]));
      const double rel = r::add_up(r::mul_up(3.0, r::add_up(r::mul_up(kUnit32, spread), 0x1p-21)),
                                   gamma32(s.group_size + 2));
      for (Index i = start; i < start + s.group_size; ++i)
        radius[i] = r::add_up(r::mul_up(rel, magnitude(out, i)),
                              r::mul_up(static_cast<double>(s.group_size), kUnderflow32));
    }
    return radius;
  }
  VectorXd operator()(const BatchNorm& b) const {
    VectorXd radius(size());
    for (Index i = 0; i < size(); ++i) {
      const Index c = i / b.channel_stride;
      const double factor = r::div_up(std::abs(b.scale[c]), r::sqrt_down(r::add_down(b.variance[c], b.epsilon)));
      const double scale = r::add_up(r::mul_up(factor, r::add_up(magnitude(x(), i), std::abs(b.mean[c]))),
                                     std::abs(b.bias[c]));
      radius[i] = r::add_up(r::mul_up(gamma32(12), scale), r::mul_up(4.0, kUnderflow32));
    }
    return radius;
  }
  VectorXd operator()(const AddTensors&) const { return two_operands(); }
  VectorXd operator()(const SubTensors&) const { return two_operands(); }
  VectorXd two_operands() const {
    VectorXd scale(size());
    for (Index i = 0; i < size(); ++i) scale[i] = r::add_up(magnitude(x(), i), magnitude(*in[1], i));
    return relative(3, scale);
  }
  VectorXd with_constant(const VectorXd& constant, bool product) const {
    VectorXd scale(size());
    for (Index i = 0; i < size(); ++i)
      scale[i] = product ? magnitude(out, i) : r::add_up(magnitude(x(), i), std::abs(constant[i]));
    VectorXd radius = relative(3, scale);
    radius.array() += kUnderflow32;
    return radius;
  }
  VectorXd operator()(const AddConstant& a) const { return with_constant(a.constant, false); }
  VectorXd operator()(const SubConstant& s) const { return with_constant(s.constant, false); }
  VectorXd operator()(const MulConstant& m) const { return with_constant(m.constant, true); }
  VectorXd operator()(const DivConstant& d) const { return with_constant(d.constant, true); }
  VectorXd operator()(const AveragePool& p) const {
    const Window2d& w = p.window;
    VectorXd largest = VectorXd::Zero(size());
    for_each_window(w, [&](std::int64_t o, std::int64_t i) { largest[o] = std::max(largest[o], magnitude(x(), i)); });
    VectorXd radius = relative(w.kernel_h * w.kernel_w + 2, largest);
    radius.array() += kUnderflow32;
    return radius;
  }
};

}  // namespace

Box float32_input(const Box& input) {
  Box out = input;
  for (Index i = 0; i < input.size(); ++i) {
    float lo = static_cast<float>(input.lower[i]), hi = static_cast<float>(input.upper[i]);
    if (static_cast<double>(lo) > input.lower[i]) lo = std::nextafter(lo, -std::numeric_limits<float>::infinity());
    if (static_cast<double>(hi) < input.upper[i]) hi = std::nextafter(hi, std::numeric_limits<float>::infinity());
    out.lower[i] = lo;
    out.upper[i] = hi;
  }
  return out;
}

VectorXd float32_layer_error(const Network& network, const Node& node, const std::vector<const Box*>& operands,
                             const Box& output) {
  VectorXd radius = visit_layer(node.op, Float32ErrorStep{network, node, operands, output});
  for (Index i = 0; i < radius.size(); ++i)
    if (std::isnan(radius[i])) radius[i] = kInf;
  overflow_to_infinity(radius, output);
  return radius;
}

void widen(Box& box, const VectorXd& radius) {
  for (Index i = 0; i < box.size(); ++i) {
    if (radius[i] == 0.0) continue;
    box.lower[i] = r::sub_down(box.lower[i], radius[i]);
    box.upper[i] = r::add_up(box.upper[i], radius[i]);
  }
}

}  // namespace certnn::bounds
