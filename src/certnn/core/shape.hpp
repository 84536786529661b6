// Tensor shapes: dimension lists as ONNX writes them, with overflow-checked element counts.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace certnn {

using Shape = std::vector<std::int64_t>;

// Largest tensor certnn accepts (elements); guards allocations driven by file contents.
inline constexpr std::int64_t kMaxTensorElements = std::int64_t{1} << 28;

// Product of the dimensions; throws ShapeError on a negative dimension or above kMaxTensorElements.
std::int64_t element_count(const Shape& shape);

// "[1,3,32,32]"
std::string to_string(const Shape& shape);

}  // namespace certnn
