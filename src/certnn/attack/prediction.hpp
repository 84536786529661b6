// Class predictions of a classifier: the index of the first maximal output, from the float64
// forward pass, and the exact check every success an attack reports passes as well (never a
// loss value).
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <optional>
#include <vector>

#include "certnn/model/forward.hpp"
#include "certnn/model/network.hpp"

namespace certnn::attack {

// outputs: output_size x batch; one class per column (the first of tied maxima).
std::vector<std::int64_t> predicted_classes(const model::Batch<double>& outputs);

// inputs: input_size x batch. Throws ShapeError on a wrong input size.
std::vector<std::int64_t> predict(const model::Network& network, const Eigen::MatrixXd& inputs);

// Whether the exact real-arithmetic outputs y at x reach the goal: interval propagation of the
// point, rounded outward, shows y[j] > y[label] for some j (untargeted), or y[target] > y[j] for
// every j ≠ target (targeted). False where the enclosures overlap (too close to call), so an
// adversarial example is never one by float64 rounding alone.
bool reaches_goal_exactly(const model::Network& network, const Eigen::VectorXd& x, std::int64_t label,
                          const std::optional<std::int64_t>& target);

}  // namespace certnn::attack
