#include "certnn/stability/lipschitz_upper.hpp"

#include <algorithm>
#include <optional>
#include <string>
#include <variant>

#include "certnn/core/error.hpp"
#include "certnn/core/rounding.hpp"
#include "certnn/model/kind_dispatch.hpp"
#include "certnn/stability/linear_operator.hpp"
#include "certnn/stability/spectral_norm.hpp"

namespace certnn::stability {
namespace {

using namespace certnn::model;
namespace r = certnn::rounding;

// How a node's Lipschitz bound follows from its inputs': a ± b moves by at most what a and b
// move together; a one-input layer by its own constant (the layer figure) times its input's.
// Every kind is named, so a new two-input kind cannot be taken for a sum unnoticed.
enum class Composition { SumOfInputs, ScaledInput };

struct CompositionOf {
  Composition operator()(const AddTensors&) const { return Composition::SumOfInputs; }
  Composition operator()(const SubTensors&) const { return Composition::SumOfInputs; }
  Composition operator()(const Dense&) const { return Composition::ScaledInput; }
  Composition operator()(const Conv2d&) const { return Composition::ScaledInput; }
  Composition operator()(const Relu&) const { return Composition::ScaledInput; }
  Composition operator()(const LeakyRelu&) const { return Composition::ScaledInput; }
  Composition operator()(const Sigmoid&) const { return Composition::ScaledInput; }
  Composition operator()(const Tanh&) const { return Composition::ScaledInput; }
  Composition operator()(const Softmax&) const { return Composition::ScaledInput; }
  Composition operator()(const Reshape&) const { return Composition::ScaledInput; }
  Composition operator()(const BatchNorm&) const { return Composition::ScaledInput; }
  Composition operator()(const AddConstant&) const { return Composition::ScaledInput; }
  Composition operator()(const SubConstant&) const { return Composition::ScaledInput; }
  Composition operator()(const MulConstant&) const { return Composition::ScaledInput; }
  Composition operator()(const DivConstant&) const { return Composition::ScaledInput; }
  Composition operator()(const AveragePool&) const { return Composition::ScaledInput; }
  Composition operator()(const MaxPool&) const { return Composition::ScaledInput; }
  Composition operator()(const Pad&) const { return Composition::ScaledInput; }
};

}  // namespace

std::optional<LinearOperator> linear_operator_of(const LayerOp& op) {
  if (const auto* dense = std::get_if<Dense>(&op)) return dense_operator(dense->weight);
  if (const auto* conv = std::get_if<Conv2d>(&op)) return convolution_operator(*conv);
  return std::nullopt;
}

std::optional<double> derivative_ceiling(const LayerOp& op) {
  if (std::holds_alternative<Relu>(op) || std::holds_alternative<Tanh>(op)) return 1.0;
  if (std::holds_alternative<Sigmoid>(op)) return 0.25;
  if (const auto* leaky = std::get_if<LeakyRelu>(&op); leaky && leaky->alpha >= 0.0 && leaky->alpha <= 1.0) return 1.0;
  return std::nullopt;
}

LipschitzUpper lipschitz_upper(const Network& network, const std::vector<LayerStability>& layers,
                               const StabilityOptions& options) {
  const auto& nodes = network.nodes();
  if (layers.size() != nodes.size())
    throw Error("lipschitz: " + std::to_string(layers.size()) + " layer figures for " + std::to_string(nodes.size()) +
                " nodes");
  LipschitzUpper out;
  out.value.assign(static_cast<std::size_t>(network.value_count()), 0.0);
  out.value[kInputValue] = 1.0;
  for (std::size_t k = 0; k < nodes.size(); ++k) {
    const Node& node = nodes[k];
    double bound = 0.0;
    if (visit_layer(node.op, CompositionOf{}) == Composition::SumOfInputs) {
      bound = r::add_up(out.value[node.inputs[0]], out.value[node.inputs[1]]);
    } else {
      bound = r::mul_up(layers[k].upper, out.value[node.inputs[0]]);
    }
    // Linear (this node) ← activation ← linear: bound through c ‖|B||A|‖₂.
    const ValueId activation_value = node.inputs[0];
    if (node.inputs.size() == 1 && activation_value != kInputValue) {
      const Node& activation = network.producer(activation_value);
      const ValueId first_value = activation.inputs[0];
      const auto ceiling = derivative_ceiling(activation.op);
      if (ceiling && first_value != kInputValue) {
        const Node& first = network.producer(first_value);
        const auto outer = linear_operator_of(node.op), inner = linear_operator_of(first.op);
        if (outer && inner) {
          const double pair = collatz_upper(compose(absolute(*outer), absolute(*inner), *ceiling),
                                            options.spectral.collatz_iterations);
          const double chained = r::mul_up(pair, out.value[first.inputs[0]]);
          if (chained < bound) {
            bound = chained;
            ++out.tightened;
          }
        }
      }
    }
    out.value[k + 1] = bound;
  }
  out.output = out.value[network.output()];
  return out;
}

}  // namespace certnn::stability
