// Constant tensors met while importing: initializers, Constant nodes and the results of constant
// sub-graphs (shape arithmetic, weight transposes). Real tensors keep float64 values (every
// float32 is exact in float64); integer tensors keep int64.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "certnn/core/shape.hpp"

namespace onnx {
class TensorProto;
}

namespace certnn::onnx {

struct Constant {
  Shape shape;
  bool is_integer = false;
  std::vector<double> reals;         // when !is_integer
  std::vector<std::int64_t> ints;    // when is_integer

  std::int64_t size() const { return is_integer ? std::ssize(ints) : std::ssize(reals); }
  double real(std::int64_t i) const { return is_integer ? static_cast<double>(ints[i]) : reals[i]; }

  static Constant real_tensor(Shape shape, std::vector<double> values);
  static Constant int_tensor(Shape shape, std::vector<std::int64_t> values);
};

// Decodes a TensorProto (float, double, float16 excluded; int8..int64, uint8..uint32, bool).
// `where` names the tensor in messages. Throws ParseError/Unsupported.
Constant decode_tensor(const ::onnx::TensorProto& proto, const std::string& where);

// Values of a constant as int64 (shape and axis inputs); throws if any is not integral.
std::vector<std::int64_t> as_ints(const Constant& c, const std::string& where);

// numpy-style broadcast of two shapes; throws ShapeError when incompatible.
Shape broadcast_shapes(const Shape& a, const Shape& b);

// Element index in `from` (shape) read by flat index `to_index` of the broadcast shape `to`.
std::int64_t broadcast_source_index(const Shape& from, const Shape& to, std::int64_t to_index);

}  // namespace certnn::onnx
