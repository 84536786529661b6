#include "certnn/report/first_layer.hpp"

#include "certnn/core/error.hpp"

namespace certnn::report {

FirstLayerFilters first_layer_filters(const model::Network& network) {
  for (const auto& node : network.nodes()) {
    if (std::holds_alternative<model::Reshape>(node.op)) continue;
    if (const auto* dense = std::get_if<model::Dense>(&node.op))
      return {&node, dense->weight, image_shape_of(network.input_shape())};
    if (const auto* conv = std::get_if<model::Conv2d>(&node.op); conv && conv->window.channels == 1)
      return {&node, conv->weight, {conv->window.kernel_h, conv->window.kernel_w}};
    throw Unsupported("the first layer is " + std::string(model::kind_name(node.op)) + " (node '" + node.name +
                      "'); only a first Dense layer (after Reshape/Flatten) or a Conv over one channel is drawn");
  }
  throw Unsupported("the network has no layer to draw");
}

}  // namespace certnn::report
