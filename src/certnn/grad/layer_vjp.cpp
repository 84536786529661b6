#include "certnn/grad/layer_vjp.hpp"

#include <cmath>
#include <cstdint>
#include <limits>

#include "certnn/grad/window_columns.hpp"
#include "certnn/model/kind_dispatch.hpp"
#include "certnn/model/window.hpp"

namespace certnn::grad {
namespace {

using namespace certnn::model;
using Eigen::Index;
using Gradient = Batch<double>;
using RowMajor = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

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
    const Window2d& w = conv.window;
    const Index positions = w.out_h * w.out_w;
    const Eigen::MatrixXd weight_t = conv.weight.transpose();
    Gradient dx = Gradient::Zero(x().rows(), x().cols());
    Eigen::MatrixXd columns;
    for (Index s = 0; s < g.cols(); ++s) {
      const Eigen::Map<const RowMajor> dy(g.col(s).data(), conv.out_channels, positions);
      columns.noalias() = weight_t * dy;
      fold_windows(columns, w, dx.col(s).data());
    }
    return one(std::move(dx));
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
  std::vector<Gradient> operator()(const AveragePool& p) const {
    const Window2d& w = p.window;
    std::vector<std::int64_t> counts(static_cast<std::size_t>(g.rows()), 0);
    for_each_window(w, [&](std::int64_t out, std::int64_t) { ++counts[out]; });
    const double full = static_cast<double>(w.kernel_h * w.kernel_w);
    Gradient dx = Gradient::Zero(x().rows(), x().cols());
    for_each_window(w, [&](std::int64_t out, std::int64_t in_index) {
      dx.row(in_index) += g.row(out) / (p.count_include_pad ? full : static_cast<double>(counts[out]));
    });
    return one(std::move(dx));
  }
  // The first maximal tap of each window (for_each_window visits a window's taps in kernel
  // row-major order) receives the window's cotangent.
  std::vector<Gradient> operator()(const MaxPool& p) const {
    const Index batch = x().cols();
    Eigen::Matrix<Index, Eigen::Dynamic, Eigen::Dynamic> first_max =
        Eigen::Matrix<Index, Eigen::Dynamic, Eigen::Dynamic>::Constant(g.rows(), batch, -1);
    for_each_window(p.window, [&](std::int64_t out, std::int64_t in_index) {
      for (Index s = 0; s < batch; ++s) {
        Index& best = first_max(out, s);
        if (best < 0 || x()(in_index, s) > x()(best, s)) best = in_index;
      }
    });
    Gradient dx = Gradient::Zero(x().rows(), batch);
    for (Index s = 0; s < batch; ++s)
      for (Index out = 0; out < g.rows(); ++out)
        if (first_max(out, s) >= 0) dx(first_max(out, s), s) += g(out, s);
    return one(std::move(dx));
  }
  // The cotangent of the padded tensor restricted to the positions the input was copied to.
  std::vector<Gradient> operator()(const Pad& p) const {
    Shape out_shape = input_shape;
    for (std::size_t d = 0; d < out_shape.size(); ++d) out_shape[d] += p.begin[d] + p.end[d];
    Gradient dx(x().rows(), x().cols());
    std::vector<std::int64_t> index(input_shape.size(), 0);
    for (std::int64_t flat = 0; flat < x().rows(); ++flat) {
      std::int64_t out_flat = 0;
      for (std::size_t d = 0; d < index.size(); ++d) out_flat = out_flat * out_shape[d] + index[d] + p.begin[d];
      dx.row(flat) = g.row(out_flat);
      for (std::size_t d = index.size(); d-- > 0;) {
        if (++index[d] < input_shape[d]) break;
        index[d] = 0;
      }
    }
    return one(std::move(dx));
  }
};

}  // namespace

std::vector<Batch<double>> input_vjp(const Node& node, const std::vector<const Batch<double>*>& inputs,
                                     const Batch<double>& output, const Batch<double>& output_cotangent,
                                     const Network& network) {
  return visit_layer(node.op, InputVjpStep{inputs, output, output_cotangent, network.shape(node.inputs[0])});
}

}  // namespace certnn::grad
