// Class predictions of a classifier: the index of the first maximal output, from the float64
// forward pass. Every success an attack reports is decided by these, never by a loss value.
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <vector>

#include "certnn/model/forward.hpp"
#include "certnn/model/network.hpp"

namespace certnn::attack {

// outputs: output_size x batch; one class per column (the first of tied maxima).
std::vector<std::int64_t> predicted_classes(const model::Batch<double>& outputs);

// inputs: input_size x batch. Throws ShapeError on a wrong input size.
std::vector<std::int64_t> predict(const model::Network& network, const Eigen::MatrixXd& inputs);

}  // namespace certnn::attack
