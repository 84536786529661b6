// The networks `certnn train` builds from a compact spec, held as trainable layers over one flat
// parameter vector (what the optimiser updates), and exported as a model::Network.
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

#include <Eigen/Core>
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "certnn/core/shape.hpp"
#include "certnn/model/network.hpp"

namespace certnn::train {

// Indices into TrainableNetwork::blocks.
struct DenseLayer {
  std::size_t weight, bias;  // n_out × n_in, n_out × 1
  double norm_cap = 0.0;     // > 0: the trainer keeps ‖W‖₂ ≤ norm_cap
};
struct ConvLayer {
  model::Window2d window;
  std::size_t weight, bias;  // out_channels × (C·kh·kw), out_channels × 1
};
struct ReluLayer {};
// x ← x − step · Wᵀ relu(W x + b). Non-expansive in L2 when step · ‖W‖₂² ≤ 2: its Jacobian
// I − step · Wᵀ D W (D diagonal in [0, 1]) is symmetric with eigenvalues in [1 − step ‖W‖₂², 1].
struct StableBlock {
  std::size_t weight, bias;  // width × width, width × 1
  double step = 1.0;         // a power of two, so that −step · Wᵀ is exact in any precision
};
// x ← x + V relu(W x + b).
struct ResidualBlock {
  std::size_t inner_weight, inner_bias, outer_weight;
};
using TrainableLayer = std::variant<DenseLayer, ConvLayer, ReluLayer, StableBlock, ResidualBlock>;

struct ParameterBlock {
  std::string name;
  Eigen::Index rows = 0, cols = 0, offset = 0;
};

struct TrainableNetwork {
  std::string architecture;           // the spec it was built from
  Shape input_shape;                  // with the batch axis, e.g. {1, 1, 28, 28}
  std::int64_t classes = 0;
  std::vector<TrainableLayer> layers;
  std::vector<ParameterBlock> blocks;
  Eigen::VectorXd parameters;         // every block, concatenated

  Eigen::Map<const Eigen::MatrixXd> parameter(std::size_t block) const;
  Eigen::Map<Eigen::MatrixXd> parameter(std::size_t block);
  Eigen::Index input_size() const;
};

// Builds the architecture for samples of `sample_shape` (e.g. {1, 28, 28}) and `classes` outputs,
// initialised as PyTorch initialises Linear and Conv2d (weights and biases uniform in
// ±1/√fan_in), deterministically from the seed. Throws certnn::Error for an unknown or malformed
// spec (naming the valid ones) and for a convolutional spec on samples too small for it.
TrainableNetwork build_architecture(const std::string& spec, const Shape& sample_shape, std::int64_t classes,
                                    std::uint64_t seed);

// Whether `spec` names one of the architectures above (for option checking before data loads).
bool is_network_architecture(const std::string& spec);

// The network with every parameter rounded to float32, as ONNX models are stored; the exported
// file then holds exactly the function the certificates speak of.
model::Network to_network(const TrainableNetwork& network);

}  // namespace certnn::train
