// The walks over a network's nodes that every pass shares, for any kind of value (a batch of
// points, a box, an affine form, a cotangent, an enclosure of a Jacobian): forward in
// topological order, gathering each node's operands and releasing values no later node reads;
// backward from the output, summing what each node pulls back onto its inputs.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "certnn/model/network.hpp"

namespace certnn::model {

enum class KeepValues {
  All,   // every value stays (a tape, the boxes a later bound reads)
  Live,  // a value is released once no later node reads it; the output stays
};

// values[v] for every value v: values[0] is `input` (kept only with KeepValues::All), values[k + 1]
// = step(k, node k, operands), the operands pointing at the node's input values in order. A
// released value is reset to Value{}.
template <class Value, class Step>
std::vector<Value> walk_forward(const Network& network, const Value& input, KeepValues keep, Step&& step) {
  const auto& nodes = network.nodes();
  std::vector<Value> values(static_cast<std::size_t>(network.value_count()));
  if (keep == KeepValues::All) values[kInputValue] = input;
  const std::vector<std::int32_t> last_use =
      keep == KeepValues::Live ? network.last_uses() : std::vector<std::int32_t>();
  std::vector<const Value*> operands;
  for (std::size_t k = 0; k < nodes.size(); ++k) {
    operands.clear();
    for (ValueId v : nodes[k].inputs) operands.push_back(v == kInputValue ? &input : &values[v]);
    values[k + 1] = step(k, nodes[k], operands);
    if (keep == KeepValues::Live) {
      const auto step_index = static_cast<std::int32_t>(k);
      for (ValueId v : nodes[k].inputs)
        if (v != kInputValue && v != network.output() && last_use[v] <= step_index) values[v] = Value{};
      // A value no node reads (and not the output) is not kept either.
      const auto produced = static_cast<ValueId>(k + 1);
      if (produced != network.output() && last_use[produced] < step_index) values[produced] = Value{};
    }
  }
  return values;
}

// The reverse sweep: pending[v] starts empty except pending[output] = at_output. For k from the
// last node down, a node whose pending output is not empty (has(value)) is pulled back:
// pull(k, node k, pending output) returns one value per input, added by add(target, pulled)
// onto pending[input] (an empty target takes the pulled value as it is, an empty pulled value
// adds nothing); the node's entry is then released. Nodes the output does not depend on are skipped. Returns pending[0], the
// value at the network input (empty when the output does not depend on it).
template <class Value, class Has, class Pull, class Add>
Value walk_backward(const Network& network, Value at_output, Has&& has, Pull&& pull, Add&& add) {
  const auto& nodes = network.nodes();
  std::vector<Value> pending(static_cast<std::size_t>(network.value_count()));
  pending[network.output()] = std::move(at_output);
  for (std::size_t k = nodes.size(); k-- > 0;) {
    Value& out = pending[k + 1];
    if (!has(out)) continue;
    std::vector<Value> pulled = pull(k, nodes[k], out);
    for (std::size_t i = 0; i < nodes[k].inputs.size(); ++i) {
      if (!has(pulled[i])) continue;
      Value& target = pending[nodes[k].inputs[i]];
      if (has(target)) {
        add(target, pulled[i]);
      } else {
        target = std::move(pulled[i]);
      }
    }
    out = Value{};
  }
  return std::move(pending[kInputValue]);
}

}  // namespace certnn::model
