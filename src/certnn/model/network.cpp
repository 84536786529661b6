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

struct ParameterCountStep {
  std::int64_t operator()(const Dense& d) const { return d.weight.size() + d.bias.size(); }
  std::int64_t operator()(const Conv2d& c) const { return c.weight.size() + c.bias.size(); }
  std::int64_t operator()(const BatchNorm& b) const { return 4 * b.scale.size(); }
  std::int64_t operator()(const AddConstant& c) const { return c.constant.size(); }
  std::int64_t operator()(const SubConstant& c) const { return c.constant.size(); }
  std::int64_t operator()(const MulConstant& c) const { return c.constant.size(); }
  std::int64_t operator()(const DivConstant& c) const { return c.constant.size(); }
  std::int64_t operator()(const Relu&) const { return 0; }
  std::int64_t operator()(const LeakyRelu&) const { return 0; }
  std::int64_t operator()(const Sigmoid&) const { return 0; }
  std::int64_t operator()(const Tanh&) const { return 0; }
  std::int64_t operator()(const Softmax&) const { return 0; }
  std::int64_t operator()(const Reshape&) const { return 0; }
  std::int64_t operator()(const AddTensors&) const { return 0; }
  std::int64_t operator()(const SubTensors&) const { return 0; }
  std::int64_t operator()(const AveragePool&) const { return 0; }
  std::int64_t operator()(const MaxPool&) const { return 0; }
  std::int64_t operator()(const Pad&) const { return 0; }
};

}  // namespace

std::int64_t parameter_count(const LayerOp& op) { return visit_layer(op, ParameterCountStep{}); }

std::int64_t parameter_count(const Network& network) {
  std::int64_t total = 0;
  for (const Node& node : network.nodes()) total += parameter_count(node.op);
  return total;
}

}  // namespace certnn::model
