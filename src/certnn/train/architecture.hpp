// The networks `certnn train` builds from a compact spec, as trainable networks
// (trainable_network.hpp): a model::Network with its parameters bound to one flat vector.
//
//   mlp:WxD        D hidden dense layers of width W with ReLU, then a dense output layer
//   cnn-small      the three CNNs of Gowal et al. (2018), used by IBP and CROWN-IBP:
//   cnn-medium       small  conv 16 4×4/2, conv 32 4×4/1, dense 100
//   cnn-large        medium conv 32 3×3/1, conv 32 4×4/2, conv 64 3×3/1, conv 64 4×4/2, dense 512, 512
//                    large  conv 64 3×3/1, 64 3×3/1, 128 3×3/2, 128 3×3/1, 128 3×3/1 (same padding), dense 512
//                  (valid padding unless stated, ReLU after every hidden layer, a dense output layer)
//   stable:WxD     a dense lift to width W, D non-expansive residual blocks x ← x − h Wᵀ relu(W x + b)
//                  (h ‖W‖₂² ≤ 2 enforced by the trainer), a dense output layer; the lift is kept
//                  at ‖A‖₂ ≤ 1, so the network's L2 Lipschitz constant is at most the output's norm
//   residual:WxD   the same shape with unconstrained blocks x ← x + V relu(W x + b): the baseline the
//                  stable networks are measured against
#pragma once

#include <cstdint>
#include <string>

#include "certnn/core/shape.hpp"
#include "certnn/train/trainable_network.hpp"

namespace certnn::train {

// Builds the architecture for samples of `sample_shape` (e.g. {1, 28, 28}) and `classes` outputs,
// initialised as PyTorch initialises Linear and Conv2d (weights and biases uniform in
// ±1/√fan_in), deterministically from the seed. Throws certnn::Error for an unknown or malformed
// spec (naming the valid ones) and for a convolutional spec on samples too small for it.
TrainableNetwork build_architecture(const std::string& spec, const Shape& sample_shape, std::int64_t classes,
                                    std::uint64_t seed);

// Whether `spec` names one of the architectures above (for option checking before data loads).
bool is_network_architecture(const std::string& spec);

}  // namespace certnn::train
