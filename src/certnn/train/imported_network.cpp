#include "certnn/train/imported_network.hpp"

#include <variant>

#include "certnn/core/error.hpp"
#include "certnn/model/kind_dispatch.hpp"

namespace certnn::train {
namespace {

using namespace certnn::model;

using UntrainableKinds = KindList<LeakyRelu, Sigmoid, Tanh, Softmax, BatchNorm, AddTensors, SubTensors, AddConstant,
                                  SubConstant, MulConstant, DivConstant, AveragePool, MaxPool, Pad>;

// Appends a node's parameters and layer; Reshape adds nothing (layers read the flat sample).
struct ImportStep {
  TrainableNetwork& target;
  const Node& node;

  std::size_t block(const std::string& suffix, const Eigen::MatrixXd& value) {
    const Eigen::Index offset = target.parameters.size();
    target.blocks.push_back(ParameterBlock{node.name + suffix, value.rows(), value.cols(), offset});
    target.parameters.conservativeResize(offset + value.size());
    target.parameters.segment(offset, value.size()) = Eigen::Map<const Eigen::VectorXd>(value.data(), value.size());
    return target.blocks.size() - 1;
  }

  void operator()(const Dense& d) {
    const std::size_t weight = block(".weight", d.weight);
    target.layers.push_back(DenseLayer{weight, block(".bias", d.bias)});
  }
  void operator()(const Conv2d& c) {
    const std::size_t weight = block(".weight", c.weight);
    target.layers.push_back(ConvLayer{c.window, weight, block(".bias", c.bias)});
  }
  void operator()(const Relu&) { target.layers.push_back(ReluLayer{}); }
  void operator()(const Reshape&) {}
};

}  // namespace

TrainableNetwork trainable_network(const Network& network, const std::string& source) {
  TrainableNetwork result;
  result.architecture = source;
  result.input_shape = network.input_shape();
  result.classes = network.output_size();
  const auto& nodes = network.nodes();
  for (std::size_t k = 0; k < nodes.size(); ++k) {
    const Node& node = nodes[k];
    if (node.inputs.size() != 1 || node.inputs[0] != static_cast<ValueId>(k))
      throw Error("train --init: node '" + node.name + "' of " + source +
                  " does not read the node before it; only chains of layers are trained");
    visit_layer<UntrainableKinds>(node.op, ImportStep{result, node}, [&](std::string_view kind) {
      throw Error("train --init: node '" + node.name + "' of " + source + " is a " + std::string(kind) +
                  ", which the trainers do not differentiate; trainable kinds: Gemm/MatMul, Conv, Relu, "
                  "Reshape/Flatten");
    });
  }
  if (network.output() != static_cast<ValueId>(nodes.size()))
    throw Error("train --init: the output of " + source + " is not its last node");
  if (result.parameters.size() == 0) throw Error("train --init: " + source + " has no parameters to train");
  return result;
}

void check_network_fits_data(const TrainableNetwork& network, Eigen::Index sample_size, std::int64_t classes) {
  if (network.input_size() != sample_size)
    throw Error("train --init: " + network.architecture + " takes " + std::to_string(network.input_size()) +
                " inputs, the data's samples have " + std::to_string(sample_size));
  if (classes > network.classes)
    throw Error("train --init: the data has " + std::to_string(classes) + " classes, " + network.architecture +
                " has " + std::to_string(network.classes) + " outputs");
}

}  // namespace certnn::train
