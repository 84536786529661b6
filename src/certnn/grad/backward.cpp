#include "certnn/grad/backward.hpp"

#include <algorithm>
#include <string>

#include "certnn/core/error.hpp"
#include "certnn/grad/layer_vjp.hpp"
#include "certnn/model/network_walk.hpp"

namespace certnn::grad {
namespace {

using namespace certnn::model;

enum class Wanted { Input, Parameters, Both };

void check_cotangent(const Network& network, const Tape& tape, const Batch<double>& cotangent) {
  if (tape.values.size() != static_cast<std::size_t>(network.value_count()))
    throw ShapeError("gradient: the tape holds " + std::to_string(tape.values.size()) +
                     " values, the network has " + std::to_string(network.value_count()));
  if (cotangent.rows() != network.output_size() || cotangent.cols() != tape.batch_size())
    throw ShapeError("gradient: output cotangent is " + std::to_string(cotangent.rows()) + " x " +
                     std::to_string(cotangent.cols()) + ", the network's output batch is " +
                     std::to_string(network.output_size()) + " x " + std::to_string(tape.batch_size()));
}

// Sums dL/d(value v) over every reader of v, from the output down (model/network_walk.hpp); a
// node the output does not depend on gets a zero parameter gradient.
Gradients sweep(const Network& network, const Tape& tape, const Batch<double>& output_cotangent, Wanted wanted) {
  check_cotangent(network, tape, output_cotangent);
  const bool want_input = wanted != Wanted::Parameters, want_parameters = wanted != Wanted::Input;
  const auto& nodes = network.nodes();
  Gradients result;
  std::vector<bool> reached(nodes.size(), false);
  if (want_parameters) result.parameters.resize(nodes.size());
  const auto operands_of = [&](const Node& node) {
    std::vector<const Batch<double>*> operands;
    for (ValueId v : node.inputs) operands.push_back(&tape.value(v));
    return operands;
  };
  Batch<double> input = walk_backward(
      network, output_cotangent, [](const Batch<double>& g) { return g.size() > 0; },
      [&](std::size_t k, const Node& node, const Batch<double>& g) {
        const std::vector<const Batch<double>*> operands = operands_of(node);
        reached[k] = true;
        if (want_parameters) result.parameters[k] = parameter_gradient(node, operands, g);
        // A node that reads only the network input needs no pull-back unless dL/dx was asked for.
        const bool needed = want_input || std::any_of(node.inputs.begin(), node.inputs.end(),
                                                      [](ValueId v) { return v != kInputValue; });
        if (!needed) return std::vector<Batch<double>>(node.inputs.size());  // empty: nothing to add
        return input_vjp(node, operands, tape.value(static_cast<ValueId>(k + 1)), g, network);
      },
      [](Batch<double>& target, const Batch<double>& pulled) { target += pulled; });
  if (want_parameters)
    for (std::size_t k = 0; k < nodes.size(); ++k)
      if (!reached[k])
        result.parameters[k] = parameter_gradient(
            nodes[k], operands_of(nodes[k]),
            Batch<double>::Zero(network.size(static_cast<ValueId>(k + 1)), tape.batch_size()));
  if (want_input) result.input = input.size() > 0 ? std::move(input) : Batch<double>::Zero(network.input_size(), tape.batch_size());
  return result;
}

}  // namespace

Batch<double> input_gradient(const Network& network, const Tape& tape, const Batch<double>& output_cotangent) {
  return sweep(network, tape, output_cotangent, Wanted::Input).input;
}

std::vector<ParameterGradient> parameter_gradients(const Network& network, const Tape& tape,
                                                   const Batch<double>& output_cotangent) {
  return sweep(network, tape, output_cotangent, Wanted::Parameters).parameters;
}

Gradients gradients(const Network& network, const Tape& tape, const Batch<double>& output_cotangent) {
  return sweep(network, tape, output_cotangent, Wanted::Both);
}

}  // namespace certnn::grad
