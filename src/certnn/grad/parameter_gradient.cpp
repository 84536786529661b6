#include "certnn/grad/parameter_gradient.hpp"

#include <cmath>

#include "certnn/model/convolution.hpp"
#include "certnn/model/kind_dispatch.hpp"

namespace certnn::grad {
namespace {

using namespace certnn::model;
using Eigen::Index;

// Fixed functions (the element-wise constants are input normalisation, not trained).
using KindsWithoutParameters = KindList<Relu, LeakyRelu, Sigmoid, Tanh, Softmax, Reshape, AddTensors, SubTensors,
                                        AddConstant, SubConstant, MulConstant, DivConstant, AveragePool, MaxPool, Pad>;

struct ParameterStep {
  const std::vector<const Batch<double>*>& in;
  const Batch<double>& g;  // dL/dy

  const Batch<double>& x() const { return *in[0]; }

  // y = W x + b per column: dW = Σ_s g_s x_sᵀ, db = Σ_s g_s.
  ParameterGradient operator()(const Dense&) const {
    ParameterGradient p;
    p.weight.noalias() = g * x().transpose();
    p.bias = g.rowwise().sum();
    return p;
  }
  // Per sample Y = W · columns + b 1ᵀ (Y: out_channels x positions): dW = Σ_s G_s columns_sᵀ,
  // db = Σ_s G_s 1.
  ParameterGradient operator()(const Conv2d& conv) const {
    ParameterGradient p;
    p.weight = convolution_weight_gradient(conv.window, x(), g);
    p.bias = channel_sums(g, conv.out_channels);
    return p;
  }
  // y = (x − mean) / sqrt(variance + epsilon) · scale + bias per channel.
  ParameterGradient operator()(const BatchNorm& b) const {
    ParameterGradient p;
    p.scale.resize(b.scale.size());
    p.bias.resize(b.bias.size());
    const Index stride = b.channel_stride;
    for (Index c = 0; c < b.scale.size(); ++c) {
      const double inv_std = 1.0 / std::sqrt(b.variance[c] + b.epsilon);
      const auto gc = g.middleRows(c * stride, stride).array();
      p.scale[c] = (gc * ((x().middleRows(c * stride, stride).array() - b.mean[c]) * inv_std)).sum();
      p.bias[c] = gc.sum();
    }
    return p;
  }

  // Named one by one, so that a new kind must be placed here or above before this compiles.
  template <class Kind>
    requires kind_in_list<Kind, KindsWithoutParameters>
  ParameterGradient operator()(const Kind&) const {
    return {};
  }
};

}  // namespace

ParameterGradient parameter_gradient(const Node& node, const std::vector<const Batch<double>*>& inputs,
                                     const Batch<double>& output_cotangent) {
  return visit_layer(node.op, ParameterStep{inputs, output_cotangent});
}

}  // namespace certnn::grad
