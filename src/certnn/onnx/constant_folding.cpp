#include "certnn/onnx/constant_folding.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <set>

#include "certnn/core/error.hpp"
#include "certnn/onnx/node_attributes.hpp"
#include "certnn/onnx/shape_ops.hpp"

namespace certnn::onnx {
namespace {

const Constant& required(const std::vector<const Constant*>& inputs, std::size_t i,
                         const std::string& where) {
  if (i >= inputs.size() || inputs[i] == nullptr)
    throw ShapeError(where + ": missing input " + std::to_string(i));
  return *inputs[i];
}

// Copies elements at the given flat indices, keeping the element type.
// Folding may create data the file does not hold (ConstantOfShape, broadcasting); a few bytes of
// shape could otherwise ask for gigabytes. A folded result may hold at most this many elements,
// or as many as its inputs together when they are larger.
constexpr std::int64_t kMaxGeneratedElements = std::int64_t{1} << 20;

std::int64_t generated_element_count(const Shape& shape, std::int64_t input_elements, const std::string& where) {
  const std::int64_t n = element_count(shape);
  if (n > std::max(kMaxGeneratedElements, input_elements))
    throw Unsupported(where + ": a constant of shape " + to_string(shape) + " (" + std::to_string(n) +
                      " elements) is larger than certnn builds from constants (" +
                      std::to_string(kMaxGeneratedElements) + ")");
  return n;
}

Constant select(const Constant& c, Shape shape, const std::vector<std::int64_t>& indices) {
  if (c.is_integer) {
    std::vector<std::int64_t> out;
    out.reserve(indices.size());
    for (auto i : indices) out.push_back(c.ints[i]);
    return Constant::int_tensor(std::move(shape), std::move(out));
  }
  std::vector<double> out;
  out.reserve(indices.size());
  for (auto i : indices) out.push_back(c.reals[i]);
  return Constant::real_tensor(std::move(shape), std::move(out));
}

std::vector<std::int64_t> iota(std::int64_t n) {
  std::vector<std::int64_t> v(n);
  std::iota(v.begin(), v.end(), 0);
  return v;
}

// Row-major strides of a shape.
std::vector<std::int64_t> strides_of(const Shape& shape) {
  std::vector<std::int64_t> strides(shape.size(), 1);
  for (std::size_t d = shape.size(); d-- > 1;) strides[d - 1] = strides[d] * shape[d];
  return strides;
}

// Exact float64 arithmetic or an error: the folded constant must equal the real result.
double exact_real(char op, double a, double b, const std::string& where) {
  double r = 0;
  bool exact = false;
  switch (op) {
    case '+': {
      r = a + b;
      const double bb = r - a;  // TwoSum: the rounding error of a + b is exactly representable
      exact = ((a - (r - bb)) + (b - bb)) == 0.0;
      break;
    }
    case '-': return exact_real('+', a, -b, where);
    case '*': r = a * b; exact = std::fma(a, b, -r) == 0.0; break;
    case '/':
      if (b == 0.0) throw Unsupported(where + ": division by zero in a constant");
      r = a / b;
      exact = std::fma(r, b, -a) == 0.0;
      break;
  }
  if (!std::isfinite(r) || !exact)
    throw Unsupported(where + ": folding this constant arithmetic would round; certnn keeps the "
                      "network's function exact");
  return r;
}

std::int64_t exact_int(char op, std::int64_t a, std::int64_t b, const std::string& where) {
  std::int64_t r = 0;
  bool overflow = false;
  switch (op) {
    case '+': overflow = __builtin_add_overflow(a, b, &r); break;
    case '-': overflow = __builtin_sub_overflow(a, b, &r); break;
    case '*': overflow = __builtin_mul_overflow(a, b, &r); break;
    case '/':
      if (b == 0) throw Unsupported(where + ": integer division by zero in a constant");
      // The one quotient outside the int64 range; C++ division traps on it.
      if (a == std::numeric_limits<std::int64_t>::min() && b == -1) {
        overflow = true;
        break;
      }
      r = a / b;
      if (r * b != a && ((a < 0) != (b < 0))) --r;  // floor division, as numpy and ONNX runtimes do
      break;
  }
  if (overflow) throw Unsupported(where + ": integer overflow in a constant");
  return r;
}

Constant binary(char op, const Constant& a, const Constant& b, const std::string& where) {
  const Shape shape = broadcast_shapes(a.shape, b.shape);
  const std::int64_t n = generated_element_count(shape, a.size() + b.size(), where);
  const bool integer = a.is_integer && b.is_integer;
  Constant out = integer ? Constant::int_tensor(shape, std::vector<std::int64_t>(n))
                         : Constant::real_tensor(shape, std::vector<double>(n));
  for (std::int64_t i = 0; i < n; ++i) {
    const auto ia = broadcast_source_index(a.shape, shape, i);
    const auto ib = broadcast_source_index(b.shape, shape, i);
    if (integer) {
      out.ints[i] = exact_int(op, a.ints[ia], b.ints[ib], where);
    } else {
      out.reals[i] = exact_real(op, a.real(ia), b.real(ib), where);
    }
  }
  return out;
}

Constant transpose(const Constant& c, std::vector<std::int64_t> perm) {
  perm = transpose_permutation(c.shape, std::move(perm));
  Shape out_shape;
  for (auto p : perm) out_shape.push_back(c.shape[p]);
  const auto in_strides = strides_of(c.shape);
  const std::int64_t n = element_count(out_shape);
  std::vector<std::int64_t> sources(n);
  for (std::int64_t i = 0; i < n; ++i) {
    std::int64_t rest = i, source = 0;
    for (std::size_t d = out_shape.size(); d-- > 0;) {
      source += (rest % out_shape[d]) * in_strides[perm[d]];
      rest /= out_shape[d];
    }
    sources[i] = source;
  }
  return select(c, std::move(out_shape), sources);
}

Constant gather(const Constant& data, const Constant& indices_tensor, std::int64_t axis,
                const std::string& where) {
  const auto rank = static_cast<std::int64_t>(data.shape.size());
  axis = normalize_axis(axis, rank);
  auto indices = as_ints(indices_tensor, where);
  for (auto& i : indices) {
    if (i < 0) i += data.shape[axis];
    if (i < 0 || i >= data.shape[axis]) throw ShapeError(where + ": gather index out of range");
  }
  Shape out_shape(data.shape.begin(), data.shape.begin() + axis);
  out_shape.insert(out_shape.end(), indices_tensor.shape.begin(), indices_tensor.shape.end());
  out_shape.insert(out_shape.end(), data.shape.begin() + axis + 1, data.shape.end());
  const Shape outer(data.shape.begin(), data.shape.begin() + axis);
  const Shape inner(data.shape.begin() + axis + 1, data.shape.end());
  const std::int64_t outer_n = element_count(outer), inner_n = element_count(inner);
  std::vector<std::int64_t> sources;
  for (std::int64_t o = 0; o < outer_n; ++o)
    for (auto i : indices)
      for (std::int64_t k = 0; k < inner_n; ++k)
        sources.push_back((o * data.shape[axis] + i) * inner_n + k);
  return select(data, std::move(out_shape), sources);
}

Constant concat(const std::vector<const Constant*>& parts, std::int64_t axis,
                const std::string& where) {
  if (parts.empty()) throw ShapeError(where + ": concat of nothing");
  const Shape& first = parts[0]->shape;
  axis = normalize_axis(axis, static_cast<std::int64_t>(first.size()));
  Shape out_shape = first;
  out_shape[axis] = 0;
  bool integer = true;
  for (const Constant* p : parts) {
    if (p->shape.size() != first.size()) throw ShapeError(where + ": concat of different ranks");
    for (std::size_t d = 0; d < first.size(); ++d)
      if (static_cast<std::int64_t>(d) != axis && p->shape[d] != first[d])
        throw ShapeError(where + ": concat shapes disagree");
    out_shape[axis] += p->shape[axis];
    integer = integer && p->is_integer;
  }
  const Shape outer(first.begin(), first.begin() + axis);
  const Shape inner(first.begin() + axis + 1, first.end());
  const std::int64_t outer_n = element_count(outer), inner_n = element_count(inner);
  Constant out = integer ? Constant::int_tensor(out_shape, {}) : Constant::real_tensor(out_shape, {});
  for (std::int64_t o = 0; o < outer_n; ++o)
    for (const Constant* p : parts) {
      const std::int64_t block = p->shape[axis] * inner_n;
      for (std::int64_t k = 0; k < block; ++k) {
        if (integer) {
          out.ints.push_back(p->ints[o * block + k]);
        } else {
          out.reals.push_back(p->real(o * block + k));
        }
      }
    }
  return out;
}

Constant slice(const Constant& data, std::vector<std::int64_t> starts, std::vector<std::int64_t> ends,
               std::vector<std::int64_t> axes, std::vector<std::int64_t> steps,
               const std::string& where) {
  const auto rank = static_cast<std::int64_t>(data.shape.size());
  if (axes.empty()) axes = iota(static_cast<std::int64_t>(starts.size()));
  if (steps.empty()) steps.assign(starts.size(), 1);
  if (ends.size() != starts.size() || axes.size() != starts.size() || steps.size() != starts.size())
    throw ShapeError(where + ": slice inputs have different lengths");
  // Per axis: the selected coordinates.
  std::vector<std::vector<std::int64_t>> picks(rank);
  for (std::int64_t d = 0; d < rank; ++d) picks[d] = iota(data.shape[d]);
  for (std::size_t k = 0; k < starts.size(); ++k) {
    const std::int64_t axis = normalize_axis(axes[k], rank), dim = data.shape[axis];
    const std::int64_t step = steps[k];
    if (step == 0) throw ShapeError(where + ": slice step 0");
    // ONNX Slice: negative indices count from the end, then clamp to the valid range for the
    // step's direction ([0, dim] forward, [-1, dim - 1] backward).
    auto resolve = [&](std::int64_t v, bool is_start) {
      if (v < 0) v = v < -dim ? -dim - 1 : v + dim;
      if (step > 0) return std::clamp<std::int64_t>(v, 0, dim);
      return std::clamp<std::int64_t>(v, is_start ? 0 : -1, dim - 1);
    };
    const std::int64_t start = resolve(starts[k], true), end = resolve(ends[k], false);
    picks[axis].clear();
    for (std::int64_t i = start; step > 0 ? i < end : i > end; i += step) picks[axis].push_back(i);
  }
  Shape out_shape;
  for (auto& p : picks) out_shape.push_back(static_cast<std::int64_t>(p.size()));
  const auto strides = strides_of(data.shape);
  const std::int64_t n = element_count(out_shape);
  std::vector<std::int64_t> sources(n);
  for (std::int64_t i = 0; i < n; ++i) {
    std::int64_t rest = i, source = 0;
    for (std::size_t d = out_shape.size(); d-- > 0;) {
      source += picks[d][rest % out_shape[d]] * strides[d];
      rest /= out_shape[d];
    }
    sources[i] = source;
  }
  return select(data, std::move(out_shape), sources);
}

Constant cast(const Constant& c, std::int64_t to, const std::string& where) {
  using P = ::onnx::TensorProto;
  switch (to) {
    case P::FLOAT:
    case P::DOUBLE: {
      std::vector<double> values;
      for (std::int64_t i = 0; i < c.size(); ++i) {
        const double v = c.real(i);
        if (to == P::FLOAT && static_cast<double>(static_cast<float>(v)) != v && std::isfinite(v))
          throw Unsupported(where + ": casting this constant to float would round");
        values.push_back(v);
      }
      return Constant::real_tensor(c.shape, std::move(values));
    }
    case P::INT64:
    case P::INT32:
      return Constant::int_tensor(c.shape, as_ints(c, where));
    default:
      throw Unsupported(where + ": Cast to element type " + std::to_string(to) + " is not supported");
  }
}

Constant constant_node(const NodeAttributes& attrs, const std::string& where) {
  if (const auto* a = attrs.find("value")) return decode_tensor(a->t(), where);
  if (const auto* a = attrs.find("value_float")) return Constant::real_tensor({}, {a->f()});
  if (const auto* a = attrs.find("value_floats"))
    return Constant::real_tensor({a->floats_size()}, {a->floats().begin(), a->floats().end()});
  if (const auto* a = attrs.find("value_int")) return Constant::int_tensor({}, {a->i()});
  if (const auto* a = attrs.find("value_ints"))
    return Constant::int_tensor({a->ints_size()}, {a->ints().begin(), a->ints().end()});
  throw Unsupported(where + ": Constant node without a numeric value");
}

std::vector<std::int64_t> optional_ints(const std::vector<const Constant*>& inputs, std::size_t i,
                                        const std::string& where) {
  if (i >= inputs.size() || inputs[i] == nullptr) return {};
  return as_ints(*inputs[i], where);
}

const std::set<std::string>& foldable_ops() {
  static const std::set<std::string> ops = {
      "Constant", "Identity", "Cast",     "Shape",   "Gather",    "Unsqueeze", "Squeeze",
      "Concat",   "Reshape",  "Flatten",  "Transpose", "Add",     "Sub",       "Mul",
      "Div",      "Neg",      "ConstantOfShape", "Slice", "Dropout", "Abs",   "Sqrt",      "Reciprocal"};
  return ops;
}

}  // namespace

bool can_fold(const std::string& op_type) { return foldable_ops().count(op_type) > 0; }

std::vector<std::string> foldable_operators() { return {foldable_ops().begin(), foldable_ops().end()}; }

std::vector<Constant> fold_constant_node(const ::onnx::NodeProto& node,
                                         const std::vector<const Constant*>& inputs, int opset,
                                         const std::string& where) {
  const NodeAttributes attrs(node, where);
  const std::string& op = node.op_type();
  auto in = [&](std::size_t i) -> const Constant& { return required(inputs, i, where); };

  if (op == "Constant") return {constant_node(attrs, where)};
  if (op == "Identity" || op == "Dropout") return {in(0)};
  if (op == "Cast") return {cast(in(0), attrs.integer("to", 0), where)};
  if (op == "Shape") {
    const auto rank = static_cast<std::int64_t>(in(0).shape.size());
    std::int64_t start = attrs.integer("start", 0), end = attrs.integer("end", rank);
    if (start < 0) start += rank;
    if (end < 0) end += rank;
    start = std::clamp<std::int64_t>(start, 0, rank);
    end = std::clamp<std::int64_t>(end, start, rank);
    return {Constant::int_tensor({end - start}, {in(0).shape.begin() + start, in(0).shape.begin() + end})};
  }
  if (op == "Gather") return {gather(in(0), in(1), attrs.integer("axis", 0), where)};
  if (op == "Unsqueeze" || op == "Squeeze") {
    const auto axes = opset >= 13 ? optional_ints(inputs, 1, where) : attrs.integers("axes");
    Constant out = in(0);
    out.shape = op == "Unsqueeze" ? unsqueeze_shape(out.shape, axes) : squeeze_shape(out.shape, axes);
    return {out};
  }
  if (op == "Concat") {
    std::vector<const Constant*> parts;
    for (std::size_t i = 0; i < inputs.size(); ++i) parts.push_back(&in(i));
    return {concat(parts, attrs.integer("axis", 0), where)};
  }
  if (op == "Reshape") {
    Constant out = in(0);
    out.shape = reshape_shape(out.shape, as_ints(in(1), where), attrs.integer("allowzero", 0) != 0);
    return {out};
  }
  if (op == "Flatten") {
    Constant out = in(0);
    out.shape = flatten_shape(out.shape, attrs.integer("axis", 1));
    return {out};
  }
  if (op == "Transpose") return {transpose(in(0), attrs.integers("perm"))};
  if (op == "Add") return {binary('+', in(0), in(1), where)};
  if (op == "Sub") return {binary('-', in(0), in(1), where)};
  if (op == "Mul") return {binary('*', in(0), in(1), where)};
  if (op == "Div") return {binary('/', in(0), in(1), where)};
  if (op == "Neg") return {binary('*', in(0), Constant::int_tensor({}, {-1}), where)};
  if (op == "Reciprocal") return {binary('/', Constant::real_tensor({}, {1.0}), in(0), where)};
  if (op == "Abs") {
    Constant out = in(0);
    for (auto& v : out.ints) v = v < 0 ? -v : v;
    for (auto& v : out.reals) v = std::abs(v);
    return {out};
  }
  if (op == "Sqrt") {
    Constant out = Constant::real_tensor(in(0).shape, {});
    for (std::int64_t i = 0; i < in(0).size(); ++i) {
      const double a = in(0).real(i), r = std::sqrt(a);
      if (!(a >= 0.0) || std::fma(r, r, -a) != 0.0)
        throw Unsupported(where + ": folding this square root would round; certnn keeps the network's function exact");
      out.reals.push_back(r);
    }
    return {out};
  }
  if (op == "ConstantOfShape") {
    const Shape shape = as_ints(in(0), where);
    const std::int64_t n = generated_element_count(shape, 0, where);
    if (const auto* a = attrs.find("value")) {
      const Constant value = decode_tensor(a->t(), where);
      if (value.size() != 1) throw ShapeError(where + ": ConstantOfShape value must hold one element");
      return {select(value, shape, std::vector<std::int64_t>(n, 0))};
    }
    return {Constant::real_tensor(shape, std::vector<double>(n, 0.0))};
  }
  if (op == "Slice") {
    if (opset < 10)
      return {slice(in(0), attrs.integers("starts"), attrs.integers("ends"), attrs.integers("axes"),
                    {}, where)};
    return {slice(in(0), as_ints(in(1), where), as_ints(in(2), where),
                  optional_ints(inputs, 3, where), optional_ints(inputs, 4, where), where)};
  }
  throw Unsupported(where + " is not supported on constant inputs");
}

}  // namespace certnn::onnx
