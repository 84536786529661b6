#include "certnn/model/forward.hpp"

#include <cmath>

#include "certnn/core/error.hpp"
#include "certnn/model/convolution.hpp"
#include "certnn/model/kind_dispatch.hpp"
#include "certnn/model/network_walk.hpp"
#include "certnn/model/pooling.hpp"

namespace certnn::model {
namespace {

template <class T>
Eigen::Matrix<T, Eigen::Dynamic, 1> as_vector(const Eigen::VectorXd& v) {
  return v.cast<T>();
}

template <class T>
struct ForwardStep {
  const std::vector<const Batch<T>*>& in;
  const Shape& input_shape;

  const Batch<T>& x() const { return *in[0]; }

  Batch<T> operator()(const Dense& d) const {
    Batch<T> y = d.weight.cast<T>() * x();
    y.colwise() += as_vector<T>(d.bias);
    return y;
  }
  Batch<T> operator()(const Conv2d& conv) const {
    Batch<T> y = convolve<T>(conv.weight.cast<T>(), conv.window, x());
    add_channel_bias(y, conv.bias);
    return y;
  }
  Batch<T> operator()(const Relu&) const { return x().cwiseMax(T(0)); }
  Batch<T> operator()(const LeakyRelu& l) const {
    const T alpha = static_cast<T>(l.alpha);
    return x().unaryExpr([alpha](T v) { return v >= T(0) ? v : alpha * v; });
  }
  Batch<T> operator()(const Sigmoid&) const {
    return x().unaryExpr([](T v) { return T(1) / (T(1) + std::exp(-v)); });
  }
  Batch<T> operator()(const Tanh&) const { return x().array().tanh().matrix(); }
  Batch<T> operator()(const Softmax& s) const {
    Batch<T> y = x();
    for (Eigen::Index col = 0; col < y.cols(); ++col)
      for (Eigen::Index start = 0; start < y.rows(); start += s.group_size) {
        auto group = y.col(col).segment(start, s.group_size);
        group.array() = (group.array() - group.maxCoeff()).exp();
        group /= group.sum();
      }
    return y;
  }
  Batch<T> operator()(const Reshape&) const { return x(); }
  Batch<T> operator()(const BatchNorm& b) const {
    Batch<T> y(x().rows(), x().cols());
    for (Eigen::Index c = 0; c < b.scale.size(); ++c) {
      const T mean = static_cast<T>(b.mean[c]);
      const T inv_std = T(1) / std::sqrt(static_cast<T>(b.variance[c]) + static_cast<T>(b.epsilon));
      const T scale = static_cast<T>(b.scale[c]), bias = static_cast<T>(b.bias[c]);
      const Eigen::Index stride = b.channel_stride;
      y.middleRows(c * stride, stride) =
          (((x().middleRows(c * stride, stride).array() - mean) * inv_std) * scale + bias).matrix();
    }
    return y;
  }
  Batch<T> operator()(const AddTensors&) const { return *in[0] + *in[1]; }
  Batch<T> operator()(const SubTensors&) const { return *in[0] - *in[1]; }
  Batch<T> operator()(const AddConstant& c) const {
    return (x().colwise() + as_vector<T>(c.constant));
  }
  Batch<T> operator()(const SubConstant& c) const {
    Batch<T> y = x().colwise() - as_vector<T>(c.constant);
    if (c.constant_first) y = -y;
    return y;
  }
  Batch<T> operator()(const MulConstant& c) const {
    return (x().array().colwise() * as_vector<T>(c.constant).array()).matrix();
  }
  Batch<T> operator()(const DivConstant& c) const {
    return (x().array().colwise() / as_vector<T>(c.constant).array()).matrix();
  }
  Batch<T> operator()(const AveragePool& p) const { return average_pool<T>(p, x()); }
  Batch<T> operator()(const MaxPool& p) const { return max_pool<T>(p, x()); }
  Batch<T> operator()(const Pad& p) const { return pad<T>(p, input_shape, x()); }
};

void check_input_size(const Network& network, Eigen::Index rows) {
  if (rows != network.input_size())
    throw ShapeError("input has " + std::to_string(rows) + " values, the network expects " +
                     std::to_string(network.input_size()) + " (shape " +
                     to_string(network.input_shape()) + ")");
}

}  // namespace

template <class T>
Batch<T> apply_layer(const Node& node, const std::vector<const Batch<T>*>& inputs,
                     const Network& network) {
  return visit_layer(node.op, ForwardStep<T>{inputs, network.shape(node.inputs[0])});
}

template <class T>
Batch<T> forward(const Network& network, const Batch<T>& inputs) {
  check_input_size(network, inputs.rows());
  if (network.output() == kInputValue) return inputs;
  return std::move(walk_forward(network, inputs, KeepValues::Live, [&](std::size_t, const Node& node, const auto& operands) {
    return apply_layer<T>(node, operands, network);
  })[network.output()]);
}

template <class T>
std::vector<Batch<T>> forward_values(const Network& network, const Batch<T>& inputs) {
  check_input_size(network, inputs.rows());
  return walk_forward(network, inputs, KeepValues::All, [&](std::size_t, const Node& node, const auto& operands) {
    return apply_layer<T>(node, operands, network);
  });
}

template Batch<double> forward<double>(const Network&, const Batch<double>&);
template std::vector<Batch<double>> forward_values<double>(const Network&, const Batch<double>&);
template Batch<float> forward<float>(const Network&, const Batch<float>&);
template Batch<double> apply_layer<double>(const Node&, const std::vector<const Batch<double>*>&,
                                           const Network&);
template Batch<float> apply_layer<float>(const Node&, const std::vector<const Batch<float>*>&,
                                         const Network&);

}  // namespace certnn::model
