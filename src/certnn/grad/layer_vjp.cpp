#include "certnn/grad/layer_vjp.hpp"

#include <cmath>

#include "certnn/model/convolution.hpp"
#include "certnn/model/kind_dispatch.hpp"
#include "certnn/model/pooling.hpp"

namespace certnn::grad {
namespace {

using namespace certnn::model;
using Eigen::Index;
using Gradient = Batch<double>;

// Each operator() returns the cotangents of the node's inputs, in input order.
struct InputVjpStep {
  const std::vector<const Batch<double>*>& in;
  const Batch<double>& y;  // the node's output
  const Batch<double>& g;  // dL/dy
  const Shape& input_shape;

  const Batch<double>& x() const { return *in[0]; }
  static std::vector<Gradient> one(Gradient dx) {
    std::vector<Gradient> out;
    out.push_back(std::move(dx));
    return out;
  }

  std::vector<Gradient> operator()(const Dense& d) const { return one(d.weight.transpose() * g); }
  std::vector<Gradient> operator()(const Conv2d& conv) const {
    return one(convolve_adjoint<double>(conv.weight, conv.window, g));
  }
  // Slope 0 at x = 0 (layer_vjp.hpp).
  std::vector<Gradient> operator()(const Relu&) const {
    return one(g.binaryExpr(x(), [](double gi, double xi) { return xi > 0 ? gi : 0.0; }));
  }
  // Slope alpha at x = 0, as Relu when alpha = 0.
  std::vector<Gradient> operator()(const LeakyRelu& l) const {
    const double alpha = l.alpha;
    return one(g.binaryExpr(x(), [alpha](double gi, double xi) { return xi > 0 ? gi : alpha * gi; }));
  }
  // σ' = σ (1 − σ) and tanh' = 1 − tanh², from the output the tape already holds.
  std::vector<Gradient> operator()(const Sigmoid&) const {
    return one((g.array() * y.array() * (1.0 - y.array())).matrix());
  }
  std::vector<Gradient> operator()(const Tanh&) const {
    return one((g.array() * (1.0 - y.array().square())).matrix());
  }
  // ∂y_i/∂x_j = y_i (δ_ij − y_j) within a group, so dx = y ⊙ (g − ⟨g, y⟩) per group.
  std::vector<Gradient> operator()(const Softmax& s) const {
    Gradient dx(g.rows(), g.cols());
    for (Index col = 0; col < g.cols(); ++col)
      for (Index start = 0; start < g.rows(); start += s.group_size) {
        const auto yg = y.col(col).segment(start, s.group_size);
        const auto gg = g.col(col).segment(start, s.group_size);
        dx.col(col).segment(start, s.group_size) = (yg.array() * (gg.array() - gg.dot(yg))).matrix();
      }
    return one(std::move(dx));
  }
  std::vector<Gradient> operator()(const Reshape&) const { return one(g); }
  std::vector<Gradient> operator()(const BatchNorm& b) const {
    Gradient dx(g.rows(), g.cols());
    const Index stride = b.channel_stride;
    for (Index c = 0; c < b.scale.size(); ++c) {
      const double slope = b.scale[c] / std::sqrt(b.variance[c] + b.epsilon);
      dx.middleRows(c * stride, stride) = g.middleRows(c * stride, stride) * slope;
    }
    return one(std::move(dx));
  }
  std::vector<Gradient> operator()(const AddTensors&) const { return {g, g}; }
  std::vector<Gradient> operator()(const SubTensors&) const { return {g, -g}; }
  std::vector<Gradient> operator()(const AddConstant&) const { return one(g); }
  std::vector<Gradient> operator()(const SubConstant& c) const { return one(c.constant_first ? Gradient(-g) : g); }
  std::vector<Gradient> operator()(const MulConstant& c) const {
    return one((g.array().colwise() * c.constant.array()).matrix());
  }
  std::vector<Gradient> operator()(const DivConstant& c) const {
    return one((g.array().colwise() / c.constant.array()).matrix());
  }
  std::vector<Gradient> operator()(const AveragePool& p) const { return one(average_pool_adjoint<double>(p, g)); }
  // The first maximal tap of each window (in kernel row-major order) receives the window's cotangent.
  std::vector<Gradient> operator()(const MaxPool& p) const {
    const auto first_max = max_pool_arguments(p, x());
    Gradient dx = Gradient::Zero(x().rows(), x().cols());
    for (Index s = 0; s < g.cols(); ++s)
      for (Index out = 0; out < g.rows(); ++out)
        if (first_max(out, s) >= 0) dx(first_max(out, s), s) += g(out, s);
    return one(std::move(dx));
  }
  // The cotangent of the padded tensor restricted to the positions the input was copied to.
  std::vector<Gradient> operator()(const Pad& p) const { return one(unpad<double>(p, input_shape, g)); }
};

}  // namespace

std::vector<Batch<double>> input_vjp(const Node& node, const std::vector<const Batch<double>*>& inputs,
                                     const Batch<double>& output, const Batch<double>& output_cotangent,
                                     const Network& network) {
  return visit_layer(node.op, InputVjpStep{inputs, output, output_cotangent, network.shape(node.inputs[0])});
}

}  // namespace certnn::grad
