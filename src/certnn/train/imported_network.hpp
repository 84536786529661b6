// A network read from ONNX (exported by PyTorch, say, or by certnn itself) as a trainable
// network, so that `certnn train --init MODEL.onnx` trains it further in any mode.
#pragma once

#include <string>

#include "certnn/model/network.hpp"
#include "certnn/train/trainable_network.hpp"

namespace certnn::train {

// `network` with the weight and bias of every Dense (Gemm, MatMul) and Conv node bound as
// parameter blocks named after the node, its weights the starting values; the parameters of
// other kinds (BatchNorm) stay as they are. The point-loss modes differentiate every kind; for
// the bound-based ones (`bound_based`) the nodes must be of the kinds of network_function.hpp,
// the output dense. Throws certnn::Error naming the first node that does not fit, or when
// nothing is trainable. `source` names the model in messages and becomes the architecture.
TrainableNetwork trainable_network(const model::Network& network, const std::string& source, bool bound_based);

// Throws certnn::Error unless samples of `sample_size` elements with labels below `classes`
// fit the network's input and outputs.
void check_network_fits_data(const TrainableNetwork& network, Eigen::Index sample_size, std::int64_t classes);

}  // namespace certnn::train
