// ONNX import (ModelProto -> model::Network) for the operators PyTorch and VNN-COMP models use,
// opsets 7-18. Constant sub-graphs are evaluated at load; every unsupported node is listed in one
// error before anything else is done. Malformed files give a certnn::Error naming the file.
#pragma once

#include <string>
#include <vector>

#include "certnn/model/network.hpp"

namespace certnn::onnx {

struct ImportOptions {
  // Parameters holding NaN or infinite values are refused (one error naming every such
  // initializer or layer); when this is set they are listed here instead, for inspecting a
  // damaged model.
  std::vector<std::string>* non_finite_tensors = nullptr;
};

model::Network import_model(const std::string& path, const ImportOptions& options = {});

// The ONNX operators (default domain) the importer accepts: as layers on the network's values, and
// on constant inputs, where they are evaluated at load. Sorted, each once.
std::vector<std::string> supported_operators();

// `source` names the bytes in messages (normally the file path).
model::Network import_model_bytes(const std::string& bytes, const std::string& source,
                                  const ImportOptions& options = {});

}  // namespace certnn::onnx
