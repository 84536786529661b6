// The network IR: a DAG of layers over one input tensor. Value 0 is the input; node k produces
// value k + 1. Nodes are kept in topological order (a node's inputs are earlier values), and each
// node's output shape is inferred and checked when it is added.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "certnn/core/shape.hpp"
#include "certnn/model/layers.hpp"

namespace certnn::model {

using ValueId = std::int32_t;
inline constexpr ValueId kInputValue = 0;

struct Node {
  std::string name;  // the ONNX node name (or a generated one), used in every message
  LayerOp op;
  std::vector<ValueId> inputs;
  Shape output_shape;
};

class Network {
 public:
  explicit Network(Shape input_shape, std::string input_name = "input");

  // Appends a node; infers its output shape (ShapeError names the node on a mismatch).
  ValueId add(std::string name, LayerOp op, std::vector<ValueId> inputs);
  void set_output(ValueId value);
  // Replaces the layer producing `value` by one with the same inputs and output shape (the
  // importer uses it to merge a bias into the dense layer before it).
  void replace_layer(ValueId value, LayerOp op);

  const Shape& input_shape() const { return input_shape_; }
  const std::string& input_name() const { return input_name_; }
  const std::vector<Node>& nodes() const { return nodes_; }
  const Node& producer(ValueId value) const { return nodes_.at(value - 1); }
  ValueId output() const { return output_; }
  const Shape& shape(ValueId value) const;
  std::int64_t size(ValueId value) const;  // elements per sample
  std::int64_t input_size() const { return size(kInputValue); }
  std::int64_t output_size() const { return size(output_); }
  ValueId value_count() const { return static_cast<ValueId>(nodes_.size()) + 1; }

  // Index of the last node reading each value (output counts as read at the end).
  std::vector<std::int32_t> last_uses() const;

 private:
  Shape input_shape_;
  std::string input_name_;
  std::vector<Node> nodes_;
  ValueId output_ = kInputValue;
};

// Number of trainable parameters (weights, biases, normalisation statistics).
std::int64_t parameter_count(const Network& network);
std::int64_t parameter_count(const LayerOp& op);
// The layer's parameter tensors (weights, biases, normalisation statistics, constants), as views
// into `op`.
std::vector<std::span<const double>> parameter_tensors(const LayerOp& op);

}  // namespace certnn::model
