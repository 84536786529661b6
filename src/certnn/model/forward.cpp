#include "certnn/model/forward.hpp"

#include <cmath>
#include <limits>

#include "certnn/core/error.hpp"
#include "certnn/model/kind_dispatch.hpp"
#include "certnn/model/window.hpp"

namespace certnn::model {
namespace {

template <class T>
using RowMajor = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

template <class T>
Eigen::Matrix<T, Eigen::Dynamic, 1> as_vector(const Eigen::VectorXd& v) {
  return v.cast<T>();
}

// The receptive fields of one [C,H,W] sample as columns: rows (c, kh, kw), columns (oh, ow);
// padded positions are zero.
template <class T>
void unfold_windows(const T* sample, const Window2d& w, Batch<T>& columns) {
  columns.setZero(w.channels * w.kernel_h * w.kernel_w, w.out_h * w.out_w);
  for_each_tap(w, [&](auto c, auto kh, auto kw, auto oh, auto ow, auto in_index) {
    columns((c * w.kernel_h + kh) * w.kernel_w + kw, oh * w.out_w + ow) = sample[in_index];
  });
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
    const Window2d& w = conv.window;
    const std::int64_t positions = w.out_h * w.out_w;
    const auto weight = conv.weight.cast<T>();
    Batch<T> y(conv.out_channels * positions, x().cols());
    Batch<T> columns;
    for (Eigen::Index s = 0; s < x().cols(); ++s) {
      unfold_windows(x().col(s).data(), w, columns);
      Eigen::Map<RowMajor<T>> out(y.col(s).data(), conv.out_channels, positions);
      out.noalias() = weight * columns;
      out.colwise() += as_vector<T>(conv.bias);
    }
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
  Batch<T> operator()(const AveragePool& p) const {
    const Window2d& w = p.window;
    const std::int64_t out_size = w.channels * w.out_h * w.out_w;
    Batch<T> sums = Batch<T>::Zero(out_size, x().cols());
    std::vector<std::int64_t> counts(out_size, 0);
    for_each_window(w, [&](std::int64_t out, std::int64_t in_index) {
      sums.row(out) += x().row(in_index);
      ++counts[out];
    });
    const T full = static_cast<T>(w.kernel_h * w.kernel_w);
    for (std::int64_t o = 0; o < out_size; ++o)
      sums.row(o) /= p.count_include_pad ? full : static_cast<T>(counts[o]);
    return sums;
  }
  Batch<T> operator()(const MaxPool& p) const {
    const Window2d& w = p.window;
    Batch<T> y = Batch<T>::Constant(w.channels * w.out_h * w.out_w, x().cols(),
                                    -std::numeric_limits<T>::infinity());
    for_each_window(w, [&](std::int64_t out, std::int64_t in_index) {
      y.row(out) = y.row(out).cwiseMax(x().row(in_index));
    });
    return y;
  }
  Batch<T> operator()(const Pad& p) const {
    Shape out_shape = input_shape;
    for (std::size_t d = 0; d < out_shape.size(); ++d) out_shape[d] += p.begin[d] + p.end[d];
    Batch<T> y = Batch<T>::Constant(element_count(out_shape), x().cols(), static_cast<T>(p.value));
    // Walk input elements in row-major order, tracking their multi-index.
    std::vector<std::int64_t> index(input_shape.size(), 0);
    const std::int64_t in_size = x().rows();
    for (std::int64_t flat = 0; flat < in_size; ++flat) {
      std::int64_t out_flat = 0;
      for (std::size_t d = 0; d < index.size(); ++d)
        out_flat = out_flat * out_shape[d] + index[d] + p.begin[d];
      y.row(out_flat) = x().row(flat);
      for (std::size_t d = index.size(); d-- > 0;) {
        if (++index[d] < input_shape[d]) break;
        index[d] = 0;
      }
    }
    return y;
  }
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
  const std::vector<std::int32_t> last_use = network.last_uses();
  std::vector<Batch<T>> values(network.value_count());
  const auto& nodes = network.nodes();
  std::vector<const Batch<T>*> operands;
  for (std::size_t k = 0; k < nodes.size(); ++k) {
    operands.clear();
    for (ValueId v : nodes[k].inputs) operands.push_back(v == kInputValue ? &inputs : &values[v]);
    values[k + 1] = apply_layer<T>(nodes[k], operands, network);
    for (ValueId v : nodes[k].inputs)
      if (v != kInputValue && last_use[v] == static_cast<std::int32_t>(k)) values[v] = Batch<T>();
  }
  return std::move(values[network.output()]);
}

template <class T>
std::vector<Batch<T>> forward_values(const Network& network, const Batch<T>& inputs) {
  check_input_size(network, inputs.rows());
  std::vector<Batch<T>> values(network.value_count());
  values[kInputValue] = inputs;
  const auto& nodes = network.nodes();
  std::vector<const Batch<T>*> operands;
  for (std::size_t k = 0; k < nodes.size(); ++k) {
    operands.clear();
    for (ValueId v : nodes[k].inputs) operands.push_back(&values[v]);
    values[k + 1] = apply_layer<T>(nodes[k], operands, network);
  }
  return values;
}

template Batch<double> forward<double>(const Network&, const Batch<double>&);
template std::vector<Batch<double>> forward_values<double>(const Network&, const Batch<double>&);
template Batch<float> forward<float>(const Network&, const Batch<float>&);
template Batch<double> apply_layer<double>(const Node&, const std::vector<const Batch<double>*>&,
                                           const Network&);
template Batch<float> apply_layer<float>(const Node&, const std::vector<const Batch<float>*>&,
                                         const Network&);

}  // namespace certnn::model
