// A linear binary classifier as a 2-class network every certnn command reads: one Dense layer
// with weight rows [−w/2; w/2] and bias [−b/2; b/2], so that y₁ − y₀ = w·x + b = s(x) and the
// predicted class (first maximal output) is 1 iff s(x) > 0. Halving is exact in binary floating
// point (barring underflow to subnormals, which the export checks), so the network's margin is
// exactly the classifier's score function, not a rounded copy of it.
#pragma once

#include "certnn/core/shape.hpp"
#include "certnn/model/network.hpp"
#include "certnn/train/linear_classifier.hpp"

namespace certnn::train {

// sample_shape: the shape of one sample (data::Dataset::sample_shape), with
// element_count(sample_shape) == weight.size(). The network's input shape is [1, sample_shape...];
// a sample of rank other than 1 is flattened by a Reshape to [1, n] before the Dense layer.
// Throws certnn::Error when a parameter is not finite or halving one would round.
model::Network linear_network(const LinearClassifier& classifier, const Shape& sample_shape);

}  // namespace certnn::train
