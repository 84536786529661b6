#include "certnn/core/shape.hpp"

#include "certnn/core/error.hpp"

namespace certnn {

std::int64_t element_count(const Shape& shape) {
  std::int64_t count = 1;
  for (std::int64_t dim : shape) {
    if (dim < 0) throw ShapeError("shape " + to_string(shape) + " has a negative dimension");
    if (dim != 0 && count > kMaxTensorElements / dim)
      throw ShapeError("shape " + to_string(shape) + " is too large");
    count *= dim;
  }
  return count;
}

std::string to_string(const Shape& shape) {
  std::string text = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (i > 0) text += ',';
    text += std::to_string(shape[i]);
  }
  return text + "]";
}

}  // namespace certnn
