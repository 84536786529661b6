// certnn info MODEL: layers, shapes and parameter count.
#include <iomanip>
#include <iostream>

#include "certnn/model/network.hpp"
#include "cli_common.hpp"
#include "commands.hpp"

namespace certnn::cli {
namespace {

struct InfoOptions {
  std::string model;
  bool json = false;
};

std::string value_label(const model::Network& network, model::ValueId v) {
  return v == model::kInputValue ? network.input_name() : network.producer(v).name;
}

void run_info(const InfoOptions& options) {
  const model::Network network = load_model(options.model);
  if (options.json) {
    nlohmann::json layers = nlohmann::json::array();
    for (const auto& node : network.nodes()) {
      nlohmann::json inputs = nlohmann::json::array();
      for (auto v : node.inputs) inputs.push_back(value_label(network, v));
      layers.push_back({{"name", node.name},
                        {"kind", std::string(model::kind_name(node.op))},
                        {"inputs", inputs},
                        {"shape", shape_json(node.output_shape)},
                        {"parameters", model::parameter_count(node.op)}});
    }
    nlohmann::json out = {{"model", options.model},
                          {"input", {{"name", network.input_name()}, {"shape", shape_json(network.input_shape())}}},
                          {"output", {{"shape", shape_json(network.shape(network.output()))}}},
                          {"parameters", model::parameter_count(network)},
                          {"layers", layers}};
    std::cout << out.dump(2) << "\n";
    return;
  }
  std::cout << "model       " << options.model << "\n"
            << "input       " << network.input_name() << " " << to_string(network.input_shape()) << "\n"
            << "output      " << to_string(network.shape(network.output())) << "\n"
            << "parameters  " << model::parameter_count(network) << "\n"
            << "layers      " << network.nodes().size() << "\n\n";
  std::cout << std::left << std::setw(5) << "#" << std::setw(28) << "name" << std::setw(20) << "kind"
            << std::setw(18) << "shape" << "parameters\n";
  for (std::size_t k = 0; k < network.nodes().size(); ++k) {
    const auto& node = network.nodes()[k];
    std::cout << std::left << std::setw(5) << k << std::setw(28) << node.name << std::setw(20)
              << model::kind_name(node.op) << std::setw(18) << to_string(node.output_shape)
              << model::parameter_count(node.op) << "\n";
  }
}

}  // namespace

Action register_info(CLI::App& app) {
  auto options = std::make_shared<InfoOptions>();
  auto* cmd = app.add_subcommand("info", "Show a model's layers, shapes and parameter count");
  cmd->add_option("model", options->model, "ONNX model file")->required();
  cmd->add_flag("--json", options->json, "Machine-readable output");
  return [options] { run_info(*options); };
}

}  // namespace certnn::cli
