// Projected gradient descent on the inputs (Madry et al., 2018, "Towards Deep Learning Models
// Resistant to Adversarial Attacks", §2): from a random point of each input's threat region,
// steps x ← Π(x + α_t · d), with d = sign(∇ₓL) for L∞ and ∇ₓL / ‖∇ₓL‖₂ for L2, L the loss of
// Options::loss and Π the projection onto the region (threat_region.hpp).
//
// Batched: all inputs are the columns of one batch, and every step is one forward pass
// (grad::record) and one backward pass (grad::input_gradient) for all of them. With
// stop_at_success, inputs leave the batch as soon as one of their iterates succeeds, and later
// restarts only run the inputs not yet broken.
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <span>
#include <vector>

#include "certnn/attack/options.hpp"
#include "certnn/model/network.hpp"

namespace certnn::attack {

// inputs: input_size x batch, one input per column, inside options.domain; labels: one per
// column, in [0, output_size). Returns one Outcome per column (options.hpp), re-evaluated and
// inside its threat region. Deterministic for a given options.seed.
//
// Throws certnn::Error for invalid options (check_options), a label out of range or a wrong
// label count, an input outside the domain or not finite; ShapeError for a wrong input size.
std::vector<Outcome> pgd(const model::Network& network, const Eigen::MatrixXd& inputs,
                         std::span<const std::int64_t> labels, const Options& options);

}  // namespace certnn::attack
