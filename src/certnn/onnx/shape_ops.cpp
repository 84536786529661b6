#include "certnn/onnx/shape_ops.hpp"

#include <algorithm>

#include "certnn/core/error.hpp"

namespace certnn::onnx {

std::int64_t normalize_axis(std::int64_t axis, std::int64_t rank) {
  const std::int64_t normalized = axis < 0 ? axis + rank : axis;
  if (normalized < 0 || normalized >= rank)
    throw ShapeError("axis " + std::to_string(axis) + " is out of range for rank " +
                     std::to_string(rank));
  return normalized;
}

Shape reshape_shape(const Shape& in, const std::vector<std::int64_t>& target, bool allow_zero) {
  Shape out(target.begin(), target.end());
  std::int64_t inferred = -1, known = 1;
  for (std::size_t d = 0; d < out.size(); ++d) {
    if (out[d] == 0 && !allow_zero) {
      if (d >= in.size()) throw ShapeError("reshape copies dimension " + std::to_string(d) + " of " + to_string(in));
      out[d] = in[d];
    }
    if (out[d] == -1) {
      if (inferred >= 0) throw ShapeError("reshape target " + to_string(target) + " has two -1");
      inferred = static_cast<std::int64_t>(d);
    } else if (out[d] < 0) {
      throw ShapeError("reshape target " + to_string(target) + " has a negative dimension");
    } else {
      // Checked before multiplying: a product past the element limit would overflow int64.
      if (out[d] != 0 && known > kMaxTensorElements / out[d])
        throw ShapeError("reshape target " + to_string(target) + " has more than " + std::to_string(kMaxTensorElements) +
                         " elements");
      known *= out[d];
    }
  }
  const std::int64_t total = element_count(in);
  if (inferred >= 0) {
    if (known == 0 || total % known != 0)
      throw ShapeError("cannot reshape " + to_string(in) + " to " + to_string(target));
    out[inferred] = total / known;
  }
  if (element_count(out) != total)
    throw ShapeError("cannot reshape " + to_string(in) + " to " + to_string(target));
  return out;
}

Shape flatten_shape(const Shape& in, std::int64_t axis) {
  const auto rank = static_cast<std::int64_t>(in.size());
  if (axis < 0) axis += rank;
  if (axis < 0 || axis > rank) throw ShapeError("flatten axis out of range for " + to_string(in));
  const Shape head(in.begin(), in.begin() + axis), tail(in.begin() + axis, in.end());
  return {element_count(head), element_count(tail)};
}

Shape squeeze_shape(const Shape& in, std::vector<std::int64_t> axes) {
  const auto rank = static_cast<std::int64_t>(in.size());
  for (auto& a : axes) a = normalize_axis(a, rank);
  Shape out;
  for (std::int64_t d = 0; d < rank; ++d) {
    const bool listed = std::find(axes.begin(), axes.end(), d) != axes.end();
    if (listed && in[d] != 1)
      throw ShapeError("cannot squeeze dimension " + std::to_string(d) + " of " + to_string(in));
    if (listed || (axes.empty() && in[d] == 1)) continue;
    out.push_back(in[d]);
  }
  return out;
}

Shape unsqueeze_shape(const Shape& in, std::vector<std::int64_t> axes) {
  const auto rank = static_cast<std::int64_t>(in.size() + axes.size());
  for (auto& a : axes) a = normalize_axis(a, rank);
  std::sort(axes.begin(), axes.end());
  if (std::adjacent_find(axes.begin(), axes.end()) != axes.end())
    throw ShapeError("unsqueeze axes repeat");
  Shape out;
  std::size_t next = 0;
  for (std::int64_t d = 0; d < rank; ++d) {
    if (std::binary_search(axes.begin(), axes.end(), d)) {
      out.push_back(1);
    } else {
      out.push_back(in[next++]);
    }
  }
  return out;
}

std::vector<std::int64_t> transpose_permutation(const Shape& in, std::vector<std::int64_t> perm) {
  const auto rank = static_cast<std::int64_t>(in.size());
  if (perm.empty())
    for (std::int64_t d = rank; d-- > 0;) perm.push_back(d);
  if (static_cast<std::int64_t>(perm.size()) != rank)
    throw ShapeError("transpose permutation does not match rank " + std::to_string(rank));
  std::vector<bool> seen(rank, false);
  for (auto& p : perm) {
    p = normalize_axis(p, rank);
    if (seen[p]) throw ShapeError("transpose permutation repeats an axis");
    seen[p] = true;
  }
  return perm;
}

}  // namespace certnn::onnx
