// Typed access to an ONNX node's attributes, with defaults and errors that name the node.
#pragma once

#include <onnx/onnx_pb.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "certnn/core/error.hpp"

namespace certnn::onnx {

class NodeAttributes {
 public:
  NodeAttributes(const ::onnx::NodeProto& node, std::string where)
      : node_(node), where_(std::move(where)) {}

  bool has(const std::string& name) const { return find(name) != nullptr; }

  std::int64_t integer(const std::string& name, std::int64_t fallback) const {
    const auto* a = find(name);
    return a ? a->i() : fallback;
  }
  // A finite float attribute (alpha, epsilon, a pad value): NaN or infinity makes every bound
  // through the layer meaningless, so it is refused.
  double real(const std::string& name, double fallback) const {
    const auto* a = find(name);
    if (a == nullptr) return fallback;
    const auto value = static_cast<double>(a->f());
    if (!std::isfinite(value)) throw ParseError(where_ + ": attribute '" + name + "' is " + std::to_string(value));
    return value;
  }
  std::vector<std::int64_t> integers(const std::string& name,
                                     std::vector<std::int64_t> fallback = {}) const {
    const auto* a = find(name);
    return a ? std::vector<std::int64_t>(a->ints().begin(), a->ints().end()) : fallback;
  }
  std::string text(const std::string& name, std::string fallback = {}) const {
    const auto* a = find(name);
    return a ? a->s() : fallback;
  }
  const ::onnx::AttributeProto* find(const std::string& name) const {
    for (const auto& a : node_.attribute())
      if (a.name() == name) return &a;
    return nullptr;
  }
  const std::string& where() const { return where_; }

 private:
  const ::onnx::NodeProto& node_;
  std::string where_;
};

}  // namespace certnn::onnx
