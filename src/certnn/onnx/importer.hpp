// ONNX import (ModelProto -> model::Network) for the operators PyTorch and VNN-COMP models use,
// opsets 7-18. Constant sub-graphs are evaluated at load; every unsupported node is listed in one
// error before anything else is done. Malformed files give a certnn::Error naming the file.
#pragma once

#include <string>

#include "certnn/model/network.hpp"

namespace certnn::onnx {

model::Network import_model(const std::string& path);

// `source` names the bytes in messages (normally the file path).
model::Network import_model_bytes(const std::string& bytes, const std::string& source);

}  // namespace certnn::onnx
