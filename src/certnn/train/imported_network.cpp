#include "certnn/train/imported_network.hpp"

#include <variant>

#include "certnn/core/error.hpp"
#include "certnn/train/network_function.hpp"

namespace certnn::train {
namespace {

std::size_t add_block(TrainableNetwork& target, const std::string& name, const Eigen::MatrixXd& value) {
  const Eigen::Index offset = target.parameters.size();
  target.blocks.push_back(ParameterBlock{name, value.rows(), value.cols(), offset});
  target.parameters.conservativeResize(offset + value.size());
  target.parameters.segment(offset, value.size()) = value.reshaped();
  return target.blocks.size() - 1;
}

}  // namespace

TrainableNetwork trainable_network(const model::Network& network, const std::string& source, bool bound_based) {
  if (bound_based) check_bound_trainable(network, "train --init: " + source);
  TrainableNetwork result;
  result.architecture = source;
  result.network = network;
  result.classes = network.output_size();
  for (const model::Node& node : network.nodes()) {
    NodeBinding binding;
    std::visit(
        [&](const auto& layer) {
          if constexpr (requires { layer.weight; }) {
            binding.weight = add_block(result, node.name + ".weight", layer.weight);
            binding.bias = add_block(result, node.name + ".bias", layer.bias);
          }
        },
        node.op);
    result.bindings.push_back(binding);
  }
  if (result.parameters.size() == 0)
    throw Error("train --init: " + source + " has no dense or convolutional layer to train");
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
