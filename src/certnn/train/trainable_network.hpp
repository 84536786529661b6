// A network in training: a model::Network whose Dense and Conv2d nodes read their weights and
// biases from one flat parameter vector (what the optimiser updates) through per-node bindings.
// The trainers work on the network itself: its point loss through grad/'s per-layer gradients on
// current_network, its bound-based losses by walking it onto grad/'s expression graph
// (train/network_function.hpp). The bound nodes' own parameters are only their initial values;
// current_network and to_network write the current ones.
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "certnn/grad/parameter_gradient.hpp"
#include "certnn/model/network.hpp"

namespace certnn::train {

struct ParameterBlock {
  std::string name;
  Eigen::Index rows = 0, cols = 0, offset = 0;
};

// Where a node reads its parameters. The weight is block `weight`, or with `transposed` the
// matrix scale · Vᵀ for V = block `weight` (a stable block's outer layer, tied to its inner one);
// the bias is block `bias`. An unbound parameter is the node's own and stays fixed.
struct NodeBinding {
  std::optional<std::size_t> weight, bias;
  bool transposed = false;
  double scale = 1.0;

  bool bound() const { return weight || bias; }
};

// x ← x − step · Wᵀ relu(W x + b): the nodes W x + b, relu, −step · Wᵀ(·) and an Add.
// Non-expansive in L2 when step · ‖W‖₂² ≤ 2: its Jacobian I − step · Wᵀ D W (D diagonal in
// [0, 1]) is symmetric with eigenvalues in [1 − step ‖W‖₂², 1].
struct StableBlock {
  std::size_t weight = 0;    // the block of W
  double step = 1.0;         // a power of two, so that −step · Wᵀ is exact in any precision
};

// A dense layer whose weight (block `weight`) the trainer keeps at ‖W‖₂ ≤ cap.
struct NormCap {
  std::size_t weight = 0;
  double cap = 1.0;
};

struct TrainableNetwork {
  std::string architecture;                  // the spec or file it came from
  model::Network network{Shape{1, 1}};
  std::int64_t classes = 0;
  std::vector<NodeBinding> bindings;         // one per node of `network`
  std::vector<ParameterBlock> blocks;
  Eigen::VectorXd parameters;                // every block, concatenated
  std::vector<StableBlock> stable_blocks;
  std::vector<NormCap> norm_caps;

  Eigen::Map<const Eigen::MatrixXd> parameter(std::size_t block) const;
  Eigen::Map<Eigen::MatrixXd> parameter(std::size_t block);
  Eigen::Index input_size() const { return network.input_size(); }
};

// The network with every bound parameter written from `parameters`: as they are (the function
// the trainer differentiates), or rounded to float32 as ONNX models are stored, so that the
// exported file holds exactly the function the certificates speak of.
model::Network current_network(const TrainableNetwork& network);
model::Network to_network(const TrainableNetwork& network);

// d loss / d parameters in the layout of `parameters`, from the per-node gradients of
// grad::parameter_gradients on current_network (a tied weight W = scale · Vᵀ adds scale · Gᵀ
// to V's gradient); unbound parameters contribute nothing.
Eigen::VectorXd parameter_vector_gradient(const TrainableNetwork& network,
                                          const std::vector<grad::ParameterGradient>& node_gradients);

}  // namespace certnn::train
