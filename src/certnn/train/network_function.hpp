// A trainable network's function written on an expression graph (expression.hpp), for the
// trainers' losses: its logits at points, and the interval bound propagation (IBP) of Gowal et
// al. (2018) through it, with the specification folded into the last layer.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "certnn/train/architecture.hpp"
#include "certnn/train/expression.hpp"

namespace certnn::train {

// One graph variable per parameter block, holding the network's current values; or constants,
// for evaluation without gradients.
std::vector<Var> bind_parameters(Graph& graph, const TrainableNetwork& network);
std::vector<Var> bind_constants(Graph& graph, const TrainableNetwork& network);

// Logits (classes × batch) at the columns of `inputs` (input_size × batch).
Var logits(Graph& graph, const TrainableNetwork& network, std::span<const Var> parameters, Var inputs);

// An interval as centre and radius (radius ≥ 0), rows × batch.
struct IntervalVar {
  Var centre, radius;
};

// IBP of every layer but the last from the boxes [lower, upper] (input_size × batch each). With
// relu_inputs, the interval entering each ReLU is appended in forward order (the ReLU layers and
// the one inside each stable or residual block): the intermediate bounds CROWN-IBP relaxes.
IntervalVar penultimate_interval(Graph& graph, const TrainableNetwork& network, std::span<const Var> parameters,
                                 const Matrix& lower, const Matrix& upper,
                                 std::vector<IntervalVar>* relu_inputs = nullptr);

// Upper bounds of y_j − y_label over each column's box (classes × batch, 0 in the label's row),
// by IBP with the last dense layer and the label difference merged (Graph::label_difference_upper).
// Cross-entropy of these as logits is the robust loss of IBP training.
Var worst_case_differences(Graph& graph, const TrainableNetwork& network, std::span<const Var> parameters,
                           const Matrix& lower, const Matrix& upper, std::span<const std::int64_t> labels);

// The same upper bounds by CROWN-IBP (Zhang et al., 2020): IBP's intermediate bounds, then the
// specification's linear bound carried back to the input through every layer (ReLU: the chord
// above, slope 1 or 0 below by which side of 0 holds more of the interval), maximised over the
// box. Exact for networks without ReLUs; usually far tighter than IBP on untrained networks.
Var crown_ibp_differences(Graph& graph, const TrainableNetwork& network, std::span<const Var> parameters,
                          const Matrix& lower, const Matrix& upper, std::span<const std::int64_t> labels);

}  // namespace certnn::train
