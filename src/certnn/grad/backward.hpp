// Reverse-mode differentiation of a network: the cotangent of its output, dL/dy (output_size x
// batch, one column per sample), carried back through the recorded values of a forward pass
// (grad/tape.hpp) to the input and to every trainable parameter. Kinks as in grad/layer_vjp.hpp.
#pragma once

#include <vector>

#include "certnn/grad/parameter_gradient.hpp"
#include "certnn/grad/tape.hpp"
#include "certnn/model/forward.hpp"
#include "certnn/model/network.hpp"

namespace certnn::grad {

struct Gradients {
  model::Batch<double> input;                  // dL/dx per column, input_size x batch
  std::vector<ParameterGradient> parameters;   // one per node (network.nodes() order), summed over
                                               // the batch; empty where the kind has no parameters
};

// dL/dx for each column, given dL/dy. The tape must come from record(network, ...); throws
// ShapeError when the cotangent's size does not match the network's output and the tape's batch.
model::Batch<double> input_gradient(const model::Network& network, const Tape& tape,
                                    const model::Batch<double>& output_cotangent);

// dL/dθ summed over the batch, for every node (zeros for parameters the output does not depend
// on). Throws as input_gradient.
std::vector<ParameterGradient> parameter_gradients(const model::Network& network, const Tape& tape,
                                                   const model::Batch<double>& output_cotangent);

// Both from one backward sweep.
Gradients gradients(const model::Network& network, const Tape& tape, const model::Batch<double>& output_cotangent);

}  // namespace certnn::grad
