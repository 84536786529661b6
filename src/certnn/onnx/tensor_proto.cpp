#include <onnx/onnx_pb.h>

#include <cmath>
#include <cstring>

#include "certnn/core/error.hpp"
#include "certnn/onnx/constant.hpp"

namespace certnn::onnx {

Constant Constant::real_tensor(Shape shape, std::vector<double> values) {
  Constant c;
  c.shape = std::move(shape);
  c.reals = std::move(values);
  return c;
}

Constant Constant::int_tensor(Shape shape, std::vector<std::int64_t> values) {
  Constant c;
  c.shape = std::move(shape);
  c.is_integer = true;
  c.ints = std::move(values);
  return c;
}

namespace {

template <class Stored, class Out>
std::vector<Out> decode_raw(const std::string& raw, std::int64_t count, const std::string& where) {
  if (static_cast<std::int64_t>(raw.size()) != count * static_cast<std::int64_t>(sizeof(Stored)))
    throw ParseError(where + ": raw data holds " + std::to_string(raw.size()) + " bytes, expected " +
                     std::to_string(count * sizeof(Stored)));
  std::vector<Out> out(count);
  for (std::int64_t i = 0; i < count; ++i) {
    Stored value;
    std::memcpy(&value, raw.data() + i * sizeof(Stored), sizeof(Stored));
    out[i] = static_cast<Out>(value);
  }
  return out;
}

template <class Field, class Out>
std::vector<Out> decode_field(const Field& field, std::int64_t count, const std::string& where) {
  if (field.size() != count)
    throw ParseError(where + ": holds " + std::to_string(field.size()) + " values, its shape needs " +
                     std::to_string(count));
  return std::vector<Out>(field.begin(), field.end());
}

}  // namespace

Constant decode_tensor(const ::onnx::TensorProto& proto, const std::string& where) {
  using P = ::onnx::TensorProto;
  if (proto.data_location() == P::EXTERNAL || proto.external_data_size() > 0)
    throw Unsupported(where + ": tensors with external data are not supported");
  Shape shape(proto.dims().begin(), proto.dims().end());
  const std::int64_t count = element_count(shape);
  const bool raw = proto.has_raw_data();
  const std::string& bytes = proto.raw_data();
  switch (proto.data_type()) {
    case P::FLOAT: {
      auto values = raw ? decode_raw<float, double>(bytes, count, where)
                        : decode_field<decltype(proto.float_data()), double>(proto.float_data(), count, where);
      return Constant::real_tensor(std::move(shape), std::move(values));
    }
    case P::DOUBLE: {
      auto values = raw ? decode_raw<double, double>(bytes, count, where)
                        : decode_field<decltype(proto.double_data()), double>(proto.double_data(), count, where);
      return Constant::real_tensor(std::move(shape), std::move(values));
    }
    case P::INT64: {
      auto values = raw ? decode_raw<std::int64_t, std::int64_t>(bytes, count, where)
                        : decode_field<decltype(proto.int64_data()), std::int64_t>(proto.int64_data(), count, where);
      return Constant::int_tensor(std::move(shape), std::move(values));
    }
    case P::INT32:
    case P::INT16:
    case P::INT8:
    case P::UINT16:
    case P::UINT8:
    case P::BOOL: {
      if (!raw)
        return Constant::int_tensor(
            shape, decode_field<decltype(proto.int32_data()), std::int64_t>(proto.int32_data(), count, where));
      std::vector<std::int64_t> values;
      switch (proto.data_type()) {
        case P::INT32: values = decode_raw<std::int32_t, std::int64_t>(bytes, count, where); break;
        case P::INT16: values = decode_raw<std::int16_t, std::int64_t>(bytes, count, where); break;
        case P::INT8: values = decode_raw<std::int8_t, std::int64_t>(bytes, count, where); break;
        case P::UINT16: values = decode_raw<std::uint16_t, std::int64_t>(bytes, count, where); break;
        default: values = decode_raw<std::uint8_t, std::int64_t>(bytes, count, where); break;
      }
      return Constant::int_tensor(std::move(shape), std::move(values));
    }
    case P::UINT32: {
      auto values = raw ? decode_raw<std::uint32_t, std::int64_t>(bytes, count, where)
                        : decode_field<decltype(proto.uint64_data()), std::int64_t>(proto.uint64_data(), count, where);
      return Constant::int_tensor(std::move(shape), std::move(values));
    }
    default:
      throw Unsupported(where + ": tensor element type " + std::to_string(proto.data_type()) +
                        " is not supported (float, double and integer types are)");
  }
}

std::vector<std::int64_t> as_ints(const Constant& c, const std::string& where) {
  if (c.is_integer) return c.ints;
  std::vector<std::int64_t> out;
  for (double v : c.reals) {
    if (!(std::abs(v) < 9.2e18) || v != std::floor(v))
      throw ParseError(where + ": expected integers, found " + std::to_string(v));
    out.push_back(static_cast<std::int64_t>(v));
  }
  return out;
}

Shape broadcast_shapes(const Shape& a, const Shape& b) {
  Shape out(std::max(a.size(), b.size()), 1);
  for (std::size_t i = 0; i < out.size(); ++i) {
    const std::int64_t da = i < out.size() - a.size() ? 1 : a[i - (out.size() - a.size())];
    const std::int64_t db = i < out.size() - b.size() ? 1 : b[i - (out.size() - b.size())];
    if (da != db && da != 1 && db != 1)
      throw ShapeError("shapes " + to_string(a) + " and " + to_string(b) + " do not broadcast");
    out[i] = da == 1 ? db : da;
  }
  return out;
}

std::int64_t broadcast_source_index(const Shape& from, const Shape& to, std::int64_t to_index) {
  std::int64_t source = 0, stride = 1;
  const std::size_t offset = to.size() - from.size();
  for (std::size_t d = to.size(); d-- > 0;) {
    const std::int64_t coordinate = to_index % to[d];
    to_index /= to[d];
    if (d >= offset) {
      const std::int64_t dim = from[d - offset];
      if (dim != 1) source += coordinate * stride;
      stride *= dim;
    }
  }
  return source;
}

}  // namespace certnn::onnx
