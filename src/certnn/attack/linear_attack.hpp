// The exact attack on a linear classifier y = W x + b. The label's margin against class j,
// (w_label − w_j)·x + b_label − b_j, is linear, so its minimum over a box is reached
// coordinate-wise at the end the sign of (w_label − w_j)_i points away from (for an L∞ ball
// around x₀ without domain: x₀ − eps · sign(w_label − w_j), the binary case's −y·eps·sign(w)),
// and over an L2 ball at x₀ − eps · (w_label − w_j) / ‖w_label − w_j‖₂. The worst margin over the
// region is the smallest of these pairwise minima. The reference PGD and FGSM are tested against.
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <optional>

#include "certnn/attack/options.hpp"
#include "certnn/bounds/box.hpp"
#include "certnn/model/layers.hpp"
#include "certnn/model/network.hpp"

namespace certnn::attack {

struct LinearWorstCase {
  Eigen::VectorXd point;       // a point of the threat region attaining the worst margin
  double margin = 0.0;         // y[label] − max_{j≠label} y[j] at point, by the float64 forward pass
  std::int64_t runner_up = 0;  // the class j whose pairwise margin is the smallest
};

// The Dense layer of a network that computes y = W x + b: exactly one Dense node, any Reshape
// nodes around it (they keep the element order). Throws Unsupported naming the first other
// layer ("linear attack: layer Relu (node 'relu0') is not linear"), or when there is no Dense.
const model::Dense& linear_layer(const model::Network& network);

// input: input_size, inside the domain; label in [0, output_size), output_size ≥ 2. The region
// is the L∞ ball ∩ domain, or the L2 ball without domain (a domain there has no closed form:
// Unsupported). Throws as linear_layer and ThreatRegion, and Error for a label out of range.
LinearWorstCase linear_worst_case(const model::Network& network, const Eigen::VectorXd& input, std::int64_t label,
                                  double eps, Norm norm, std::optional<bounds::Domain> domain = std::nullopt);

}  // namespace certnn::attack
