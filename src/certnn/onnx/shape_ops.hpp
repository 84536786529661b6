// ONNX shape-changing operators evaluated on shapes (shared by constant folding and the import
// of variable tensors): Reshape, Flatten, Squeeze, Unsqueeze, Transpose.
#pragma once

#include <cstdint>
#include <vector>

#include "certnn/core/shape.hpp"

namespace certnn::onnx {

// Reshape's target: 0 copies the input dimension (unless allow_zero), one -1 is inferred.
Shape reshape_shape(const Shape& in, const std::vector<std::int64_t>& target, bool allow_zero);
Shape flatten_shape(const Shape& in, std::int64_t axis);
// Empty axes squeezes every dimension of size 1.
Shape squeeze_shape(const Shape& in, std::vector<std::int64_t> axes);
Shape unsqueeze_shape(const Shape& in, std::vector<std::int64_t> axes);
// Normalises a possibly negative axis against a rank; throws ShapeError when out of range.
std::int64_t normalize_axis(std::int64_t axis, std::int64_t rank);
// Default permutation (reversed axes) when perm is empty; validates a given one.
std::vector<std::int64_t> transpose_permutation(const Shape& in, std::vector<std::int64_t> perm);

}  // namespace certnn::onnx
