// A network read from ONNX (exported by PyTorch, say, or by certnn itself) as trainable layers,
// so that `certnn train --init MODEL.onnx` trains it further in any mode.
#pragma once

#include <string>

#include "certnn/model/network.hpp"
#include "certnn/train/architecture.hpp"

namespace certnn::train {

// The layers of `network`, its weights as the starting parameters. The network must be a chain
// (each node reads the value the node before it made) of the kinds the trainers differentiate:
// Dense (Gemm, MatMul), Conv, Relu, and Reshape (Flatten), which leaves the data as it lies.
// Throws certnn::Error naming the first node that is of another kind or off the chain; `source`
// names the model in messages and becomes the TrainableNetwork's architecture.
TrainableNetwork trainable_network(const model::Network& network, const std::string& source);

// Throws certnn::Error unless samples of `sample_size` elements with labels below `classes`
// fit the network's input and outputs.
void check_network_fits_data(const TrainableNetwork& network, Eigen::Index sample_size, std::int64_t classes);

}  // namespace certnn::train
