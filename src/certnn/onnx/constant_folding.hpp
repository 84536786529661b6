// Evaluates ONNX nodes whose inputs are all constants (constant sub-graphs: shape arithmetic, pad
// computations, weight transposes), so the network IR only holds layers on the network input.
// Real arithmetic is folded only where float64 gives the exact result, so the IR stays the exact
// ONNX function.
#pragma once

#include <onnx/onnx_pb.h>

#include <string>
#include <vector>

#include "certnn/onnx/constant.hpp"

namespace certnn::onnx {

// True for the operators fold_constant_node can evaluate.
bool can_fold(const std::string& op_type);
// Every operator can_fold accepts, sorted.
std::vector<std::string> foldable_operators();

// Outputs of a node with constant inputs (absent optional inputs are nullptr).
// Throws ShapeError/Unsupported naming `where` when the node cannot be evaluated exactly.
std::vector<Constant> fold_constant_node(const ::onnx::NodeProto& node,
                                         const std::vector<const Constant*>& inputs, int opset,
                                         const std::string& where);

}  // namespace certnn::onnx
