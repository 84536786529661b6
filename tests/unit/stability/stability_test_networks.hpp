// The networks the stability tests run on: the PyTorch reference models, the digits example and
// the VNN-COMP mnist_fc networks of benchmarks/.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "certnn/model/network.hpp"
#include "certnn/onnx/importer.hpp"

namespace certnn::stability::testing {

// A forward pass in float64 is exact to about this, relatively: a difference quotient or a
// Jacobian norm may exceed the exact Lipschitz constant by rounding only.
inline constexpr double kForwardSlack = 1e-9;

struct NamedNetwork {
  std::string name;
  model::Network network;
};

inline model::Network torch_network(const std::string& name) {
  return onnx::import_model((std::filesystem::path(CERTNN_SOURCE_DIR) / "tests/data/torch" / (name + ".onnx")).string());
}

// The torch models without Softmax, digits_mlp, and the three mnist_fc networks.
inline std::vector<NamedNetwork> test_networks(bool with_mnist = true) {
  std::vector<NamedNetwork> out;
  for (const std::string name : {"mlp_relu", "mlp_sigmoid", "mlp_tanh", "cnn", "cnn_bn_pool_pad", "residual_mlp"})
    out.push_back({name, torch_network(name)});
  out.push_back({"digits_mlp", onnx::import_model((std::filesystem::path(CERTNN_SOURCE_DIR) / "examples/digits_mlp.onnx").string())});
  if (with_mnist)
    for (const std::string name : {"mnist-net_256x2", "mnist-net_256x4", "mnist-net_256x6"}) {
      const auto path = std::filesystem::path(CERTNN_BENCHMARKS_DIR) / "mnist_fc/onnx" / (name + ".onnx");
      out.push_back({name, onnx::import_model(path.string())});
    }
  return out;
}

}  // namespace certnn::stability::testing
