#include "certnn/grad/backward.hpp"

#include <algorithm>
#include <string>

#include "certnn/core/error.hpp"
#include "certnn/grad/layer_vjp.hpp"

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

// Walks the nodes in reverse topological order; cotangents[v] accumulates dL/d(value v) over every
// reader of v and is complete when the node producing v is reached. An empty matrix stands for a
// zero cotangent (a value the output does not depend on).
Gradients sweep(const Network& network, const Tape& tape, const Batch<double>& output_cotangent, Wanted wanted) {
  check_cotangent(network, tape, output_cotangent);
  const bool want_input = wanted != Wanted::Parameters, want_parameters = wanted != Wanted::Input;
  const auto& nodes = network.nodes();
  std::vector<Batch<double>> cotangents(nodes.size() + 1);
  cotangents[network.output()] = output_cotangent;
  Gradients result;
  if (want_parameters) result.parameters.resize(nodes.size());

  std::vector<const Batch<double>*> operands;
  for (std::size_t k = nodes.size(); k-- > 0;) {
    const Node& node = nodes[k];
    Batch<double>& g = cotangents[k + 1];
    operands.clear();
    for (ValueId v : node.inputs) operands.push_back(&tape.value(v));
    if (g.size() == 0) {
      if (want_parameters)
        result.parameters[k] = parameter_gradient(
            node, operands, Batch<double>::Zero(network.size(static_cast<ValueId>(k + 1)), tape.batch_size()));
      continue;
    }
    if (want_parameters) result.parameters[k] = parameter_gradient(node, operands, g);
    // A node that reads only the network input needs no pull-back unless dL/dx was asked for.
    const bool needed = want_input || std::any_of(node.inputs.begin(), node.inputs.end(),
                                                  [](ValueId v) { return v != kInputValue; });
    if (needed) {
      const Batch<double>& output = tape.value(static_cast<ValueId>(k + 1));
      std::vector<Batch<double>> pulled = input_vjp(node, operands, output, g, network);
      for (std::size_t i = 0; i < node.inputs.size(); ++i) {
        Batch<double>& target = cotangents[node.inputs[i]];
        if (target.size() == 0) {
          target = std::move(pulled[i]);
        } else {
          target += pulled[i];
        }
      }
    }
    g = Batch<double>();  // complete and used: free it
  }
  if (want_input) {
    result.input = std::move(cotangents[kInputValue]);
    if (result.input.size() == 0) result.input = Batch<double>::Zero(network.input_size(), tape.batch_size());
  }
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
