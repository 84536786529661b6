#include "certnn/model/network.hpp"

#include "certnn/core/error.hpp"
#include "certnn/model/kind_dispatch.hpp"
#include "certnn/model/shape_inference.hpp"

namespace certnn::model {

Network::Network(Shape input_shape, std::string input_name)
    : input_shape_(std::move(input_shape)), input_name_(std::move(input_name)) {
  if (element_count(input_shape_) == 0) throw ShapeError("network input has no elements");
}

ValueId Network::add(std::string name, LayerOp op, std::vector<ValueId> inputs) {
  std::vector<Shape> input_shapes;
  for (ValueId v : inputs) {
    if (v < 0 || v >= value_count())
      throw ShapeError("node '" + name + "' reads an undefined value");
    input_shapes.push_back(shape(v));
  }
  Shape output_shape;
  try {
    output_shape = infer_output_shape(op, input_shapes);
  } catch (const ShapeError& e) {
    throw ShapeError("node '" + name + "' (" + std::string(kind_name(op)) + "): " + e.what());
  }
  nodes_.push_back(Node{std::move(name), std::move(op), std::move(inputs), std::move(output_shape)});
  output_ = value_count() - 1;
  return output_;
}

void Network::set_output(ValueId value) {
  if (value < 0 || value >= value_count()) throw ShapeError("network output is undefined");
  output_ = value;
}

void Network::replace_layer(ValueId value, LayerOp op) {
  if (value <= kInputValue || value >= value_count())
    throw ShapeError("replace_layer: value is not produced by a node");
  Node& node = nodes_[value - 1];
  std::vector<Shape> input_shapes;
  for (ValueId v : node.inputs) input_shapes.push_back(shape(v));
  Shape output_shape;
  try {
    output_shape = infer_output_shape(op, input_shapes);
  } catch (const ShapeError& e) {
    throw ShapeError("node '" + node.name + "' (" + std::string(kind_name(op)) + "): " + e.what());
  }
  if (output_shape != node.output_shape)
    throw ShapeError("node '" + node.name + "': replacement changes the output shape");
  node.op = std::move(op);
}

const Shape& Network::shape(ValueId value) const {
  return value == kInputValue ? input_shape_ : nodes_.at(value - 1).output_shape;
}

std::int64_t Network::size(ValueId value) const { return element_count(shape(value)); }

std::vector<std::int32_t> Network::last_uses() const {
  std::vector<std::int32_t> last(value_count(), -1);
  for (std::size_t k = 0; k < nodes_.size(); ++k)
    for (ValueId v : nodes_[k].inputs) last[v] = static_cast<std::int32_t>(k);
  last[output_] = static_cast<std::int32_t>(nodes_.size());
  return last;
}

namespace {

using Tensors = std::vector<std::span<const double>>;

Tensors views(std::initializer_list<const Eigen::VectorXd*> vectors) {
  Tensors out;
  for (const Eigen::VectorXd* v : vectors) out.emplace_back(v->data(), static_cast<std::size_t>(v->size()));
  return out;
}

Tensors views(const Eigen::MatrixXd& weight, const Eigen::VectorXd& bias) {
  return {{weight.data(), static_cast<std::size_t>(weight.size())}, {bias.data(), static_cast<std::size_t>(bias.size())}};
}

struct ParameterTensorsStep {
  Tensors operator()(const Dense& d) const { return views(d.weight, d.bias); }
  Tensors operator()(const Conv2d& c) const { return views(c.weight, c.bias); }
  Tensors operator()(const BatchNorm& b) const { return views({&b.scale, &b.bias, &b.mean, &b.variance}); }
  Tensors operator()(const AddConstant& c) const { return views({&c.constant}); }
  Tensors operator()(const SubConstant& c) const { return views({&c.constant}); }
  Tensors operator()(const MulConstant& c) const { return views({&c.constant}); }
  Tensors operator()(const DivConstant& c) const { return views({&c.constant}); }
  Tensors operator()(const Relu&) const { return {}; }
  Tensors operator()(const LeakyRelu&) const { return {}; }
  Tensors operator()(const Sigmoid&) const { return {}; }
  Tensors operator()(const Tanh&) const { return {}; }
  Tensors operator()(const Softmax&) const { return {}; }
  Tensors operator()(const Reshape&) const { return {}; }
  Tensors operator()(const AddTensors&) const { return {}; }
  Tensors operator()(const SubTensors&) const { return {}; }
  Tensors operator()(const AveragePool&) const { return {}; }
  Tensors operator()(const MaxPool&) const { return {}; }
  Tensors operator()(const Pad&) const { return {}; }
};

}  // namespace

std::vector<std::span<const double>> parameter_tensors(const LayerOp& op) {
  return visit_layer(op, ParameterTensorsStep{});
}

std::int64_t parameter_count(const LayerOp& op) {
  std::int64_t total = 0;
  for (const auto& tensor : parameter_tensors(op)) total += std::ssize(tensor);
  return total;
}

std::int64_t parameter_count(const Network& network) {
  std::int64_t total = 0;
  for (const Node& node : network.nodes()) total += parameter_count(node.op);
  return total;
}

}  // namespace certnn::model
