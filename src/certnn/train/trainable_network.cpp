#include "certnn/train/trainable_network.hpp"

#include <variant>

#include "certnn/core/error.hpp"

namespace certnn::train {
namespace {

enum class Precision { Double, Float };

Eigen::MatrixXd value_of(const TrainableNetwork& network, std::size_t block, Precision precision) {
  if (precision == Precision::Double) return network.parameter(block);
  return network.parameter(block).unaryExpr([](double v) { return static_cast<double>(static_cast<float>(v)); });
}

// The node's layer with its bound parameters replaced by the current values.
template <class Layer>
Layer with_parameters(Layer layer, const NodeBinding& binding, const TrainableNetwork& network, Precision precision) {
  if (binding.weight) {
    const Eigen::MatrixXd block = value_of(network, *binding.weight, precision);
    layer.weight = binding.transposed ? Eigen::MatrixXd(binding.scale * block.transpose()) : block;
  }
  if (binding.bias) layer.bias = value_of(network, *binding.bias, precision).col(0);
  return layer;
}

model::Network with_current_parameters(const TrainableNetwork& network, Precision precision) {
  model::Network result = network.network;
  const auto& nodes = network.network.nodes();
  for (std::size_t k = 0; k < nodes.size(); ++k) {
    const NodeBinding& binding = network.bindings.at(k);
    if (!binding.bound()) continue;
    const auto value = static_cast<model::ValueId>(k + 1);
    if (const auto* dense = std::get_if<model::Dense>(&nodes[k].op)) {
      result.replace_layer(value, with_parameters(*dense, binding, network, precision));
    } else if (const auto* conv = std::get_if<model::Conv2d>(&nodes[k].op)) {
      result.replace_layer(value, with_parameters(*conv, binding, network, precision));
    } else {
      throw Error("training: node '" + nodes[k].name + "' has parameter bindings but no weight or bias");
    }
  }
  return result;
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

model::Network current_network(const TrainableNetwork& network) {
  return with_current_parameters(network, Precision::Double);
}

model::Network to_network(const TrainableNetwork& network) { return with_current_parameters(network, Precision::Float); }

Eigen::VectorXd parameter_vector_gradient(const TrainableNetwork& network,
                                          const std::vector<grad::ParameterGradient>& node_gradients) {
  Eigen::VectorXd gradient = Eigen::VectorXd::Zero(network.parameters.size());
  const auto block_of = [&](std::size_t block) {
    const ParameterBlock& b = network.blocks.at(block);
    return Eigen::Map<Eigen::MatrixXd>(gradient.data() + b.offset, b.rows, b.cols);
  };
  for (std::size_t k = 0; k < network.bindings.size(); ++k) {
    const NodeBinding& binding = network.bindings[k];
    const grad::ParameterGradient& g = node_gradients.at(k);
    if (binding.weight) {
      if (binding.transposed) {
        block_of(*binding.weight) += binding.scale * g.weight.transpose();
      } else {
        block_of(*binding.weight) += g.weight;
      }
    }
    if (binding.bias) block_of(*binding.bias).col(0) += g.bias;
  }
  return gradient;
}

}  // namespace certnn::train
