// ONNX export (model::Network -> ModelProto, opset 13): a model that re-imports to the same
// function. Parameters are written as float32 when every one of them is exactly a float32,
// otherwise as float64, so export never rounds.
#pragma once

#include <string>

#include "certnn/model/network.hpp"

namespace certnn::onnx {

std::string export_model_bytes(const model::Network& network);
void export_model(const model::Network& network, const std::string& path);

}  // namespace certnn::onnx
