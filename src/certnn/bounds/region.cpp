#include "certnn/bounds/region.hpp"

#include <algorithm>

#include "certnn/bounds/back_substitution.hpp"
#include "certnn/bounds/ibp.hpp"
#include "certnn/bounds/inference_error.hpp"

namespace certnn::bounds {

using namespace certnn::model;
using Eigen::Index;
using Eigen::MatrixXd;
using Eigen::VectorXd;

bool is_relaxed_activation(const LayerOp& op) {
  return std::holds_alternative<Relu>(op) || std::holds_alternative<LeakyRelu>(op) ||
         std::holds_alternative<Sigmoid>(op) || std::holds_alternative<Tanh>(op);
}

void split_region(Region& region, const Network& network, std::int32_t node, Index neuron, int sign) {
  const std::size_t k = static_cast<std::size_t>(node);
  if (region.splits.size() < network.nodes().size()) region.splits.resize(network.nodes().size());
  const ValueId in = network.nodes()[k].inputs[0];
  if (region.splits[k].size() == 0) region.splits[k] = SplitSigns::Zero(network.size(in));
  region.splits[k][neuron] = sign;
  Box& z = region.values[in];
  if (sign > 0) z.lower[neuron] = std::max(z.lower[neuron], 0.0);
  if (sign < 0) z.upper[neuron] = std::min(z.upper[neuron], 0.0);
  if (z.lower[neuron] > z.upper[neuron]) region.empty = true;
}

Region crown_region(const Network& network, const Box& input, Inference inference, std::vector<SplitSigns> splits,
                    const Region* enclosing) {
  const auto& nodes = network.nodes();
  Region region;
  region.inference = inference;
  region.values = IbpMethod().propagate_all(network, input, inference, enclosing ? &enclosing->values : nullptr);
  region.input = input;
  region.splits = std::move(splits);
  region.splits.resize(nodes.size());
  if (inference == Inference::Float32) {
    region.engine_error.resize(nodes.size());
    for (std::size_t k = 0; k < nodes.size(); ++k) {
      std::vector<const Box*> operands;
      for (ValueId v : nodes[k].inputs) operands.push_back(&region.values[v]);
      region.engine_error[k] = float32_layer_error(network, nodes[k], operands, region.values[k + 1]);
    }
  }
  const auto clip_to_splits = [&](std::size_t k) {
    const SplitSigns& s = region.splits[k];
    Box& z = region.values[nodes[k].inputs[0]];
    for (Index i = 0; i < s.size(); ++i) {
      if (s[i] > 0) z.lower[i] = std::max(z.lower[i], 0.0);
      if (s[i] < 0) z.upper[i] = std::min(z.upper[i], 0.0);
      if (z.lower[i] > z.upper[i]) region.empty = true;
    }
  };
  for (std::size_t k = 0; k < nodes.size() && !region.empty; ++k) {
    if (!is_relaxed_activation(nodes[k].op)) continue;
    const ValueId in = nodes[k].inputs[0];
    clip_to_splits(k);
    if (region.empty) break;
    Box& z = region.values[in];
    const bool smooth = std::holds_alternative<Sigmoid>(nodes[k].op) || std::holds_alternative<Tanh>(nodes[k].op);
    std::vector<Index> refine;
    for (Index i = 0; i < z.size(); ++i)
      if (smooth || (z.lower[i] < 0.0 && z.upper[i] > 0.0)) refine.push_back(i);
    if (!refine.empty() && in != kInputValue) {
      const Index count = static_cast<Index>(refine.size());
      MatrixXd objectives = MatrixXd::Zero(z.size(), 2 * count);
      for (Index j = 0; j < count; ++j) {
        objectives(refine[j], j) = 1.0;
        objectives(refine[j], count + j) = -1.0;
      }
      const VectorXd lower = back_substitute(network, region, in, objectives).lower;
      for (Index j = 0; j < count; ++j) {
        const Index i = refine[j];
        z.lower[i] = std::max(z.lower[i], lower[j]);
        z.upper[i] = std::min(z.upper[i], -lower[count + j]);
      }
      clip_to_splits(k);
      if (region.empty) break;
    }
    // The boxes after the refined value up to the next activation's input, recomputed from it and
    // intersected with the old ones (that activation's turn recomputes the rest).
    for (std::size_t later = k; later < nodes.size() && (later == k || !is_relaxed_activation(nodes[later].op)); ++later) {
      std::vector<const Box*> operands;
      for (ValueId v : nodes[later].inputs) operands.push_back(&region.values[v]);
      const Box fresh = ibp_layer(network, nodes[later], operands, inference);
      intersect(region.values[later + 1], fresh);
    }
  }
  return region;
}

}  // namespace certnn::bounds
