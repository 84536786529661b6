// The region a linear bound holds over: an input box, enclosures of every network value over it
// (the pre-activation boxes decide the activations' relaxations), and the sign constraints of
// ReLU splits made by branch-and-bound.
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <vector>

#include "certnn/bounds/box.hpp"
#include "certnn/bounds/method.hpp"
#include "certnn/model/network.hpp"

namespace certnn::bounds {

// Sign constraints on the pre-activation of ReLU-like nodes, from branch-and-bound splits:
// +1 the sub-problem only holds inputs with z ≥ 0, −1 only z ≤ 0, 0 no constraint.
using SplitSigns = Eigen::VectorXi;

// The region the bounds hold over, and enclosures of every network value over it.
struct Region {
  Box input;
  std::vector<Box> values;          // index = ValueId; values[0] is the input box
  std::vector<SplitSigns> splits;   // index = node; empty where the node has no splits
  Inference inference = Inference::Exact;
  // Float32 inference: per node, the radius an engine's value may stray from the exact layer
  // function of its operands (bounds/inference_error.hpp); empty for Exact.
  std::vector<Eigen::VectorXd> engine_error;
  bool empty = false;  // a split made the region empty: every bound over it holds vacuously
};

// The activations back-substitution replaces by two bounding lines: ReLU, LeakyReLU, sigmoid, tanh.
bool is_relaxed_activation(const model::LayerOp& op);

// Region over an input box: IBP enclosures of every value, then the pre-activation boxes of the
// activation layers tightened in order by back-substitution (only the neurons whose IBP box
// crosses a ReLU's kink, and every neuron of smooth activations). Split signs clip the boxes.
// `enclosing`, when given, is a region over a superset of the input (with a subset of the splits),
// a parent sub-problem's: its enclosures narrow the new ones from the start, so neurons it proved
// stable are not refined again and no bound comes out looser than the parent's.
Region crown_region(const model::Network& network, const Box& input, Inference inference,
                    std::vector<SplitSigns> splits = {}, const Region* enclosing = nullptr);

// Restricts the region to inputs whose pre-activation `neuron` of ReLU-like `node` has the sign
// `sign` (+1: z ≥ 0, −1: z ≤ 0), clipping its box; marks the region empty when the box vanishes.
void split_region(Region& region, const model::Network& network, std::int32_t node, Eigen::Index neuron, int sign);

}  // namespace certnn::bounds
