#include "certnn/train/trainable_network.hpp"

#include <variant>

#include "certnn/core/error.hpp"

namespace certnn::train {
namespace {

Eigen::MatrixXd rounded_to_float(const Eigen::MatrixXd& m) {
  return m.unaryExpr([](double v) { return static_cast<double>(static_cast<float>(v)); });
}

// The node's layer with its bound parameters replaced by the current float32-rounded values.
template <class Layer>
Layer with_parameters(Layer layer, const NodeBinding& binding, const TrainableNetwork& network) {
  if (binding.weight) {
    const Eigen::MatrixXd block = rounded_to_float(network.parameter(*binding.weight));
    layer.weight = binding.transposed ? Eigen::MatrixXd(binding.scale * block.transpose()) : block;
  }
  if (binding.bias) layer.bias = rounded_to_float(network.parameter(*binding.bias)).col(0);
  return layer;
}

}  // namespace

Eigen::Map<const Eigen::MatrixXd> TrainableNetwork::parameter(std::size_t block) const {
  const ParameterBlock& b = blocks.at(block);
  return {parameters.data() + b.offset, b.rows, b.cols};
}

Eigen::Map<Eigen::MatrixXd> TrainableNetwork::parameter(std::size_t block) {
  const ParameterBlock& b = blocks.at(block);
  return {parameters.data() + b.offset, b.rows, b.cols};
}

model::Network to_network(const TrainableNetwork& network) {
  model::Network result = network.network;
  const auto& nodes = network.network.nodes();
  for (std::size_t k = 0; k < nodes.size(); ++k) {
    const NodeBinding& binding = network.bindings.at(k);
    if (!binding.bound()) continue;
    const auto value = static_cast<model::ValueId>(k + 1);
    if (const auto* dense = std::get_if<model::Dense>(&nodes[k].op)) {
      result.replace_layer(value, with_parameters(*dense, binding, network));
    } else if (const auto* conv = std::get_if<model::Conv2d>(&nodes[k].op)) {
      result.replace_layer(value, with_parameters(*conv, binding, network));
    } else {
      throw Error("training: node '" + nodes[k].name + "' has parameter bindings but no parameters");
    }
  }
  return result;
}

}  // namespace certnn::train
