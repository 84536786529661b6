// certnn info MODEL: layers, shapes and parameter count, and the training summary when the JSON
// log `certnn train` writes beside a model (MODEL.json for MODEL.onnx) is there.
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <optional>

#include "certnn/model/network.hpp"
#include "certnn/onnx/importer.hpp"
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

struct TrainingLog {
  std::string path;
  nlohmann::json log;
};

// The training log beside the model, or none when there is no readable log of `certnn train`.
std::optional<TrainingLog> training_log(const std::string& model_path) {
  std::filesystem::path path(model_path);
  path.replace_extension(".json");
  std::ifstream in(path);
  if (!in) return std::nullopt;
  nlohmann::json log = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (!log.is_object() || !log.contains("options") || !log.contains("epochs")) return std::nullopt;
  return TrainingLog{path.string(), std::move(log)};
}

// Everything but the per-epoch records.
nlohmann::json training_summary(const TrainingLog& training) {
  nlohmann::json summary = training.log;
  summary.erase("epochs");
  summary["log"] = training.path;
  return summary;
}

void print_training(const TrainingLog& training) {
  const nlohmann::json& log = training.log;
  const nlohmann::json& o = log["options"];
  std::cout << "\ntrained     " << o.value("arch", "?") << ", " << o.value("mode", "?");
  if (o.value("mode", "") != "standard") std::cout << " at eps " << o.value("eps", 0.0);
  std::cout << ", " << log.value("epochs_run", 0) << " epochs on " << o.value("data", "?") << " (log " << training.path
            << ")\n";
  if (log.contains("train_accuracy") && log["train_accuracy"].is_number())
    std::cout << "accuracy    train " << log["train_accuracy"].get<double>();
  if (log.contains("test_accuracy") && log["test_accuracy"].is_number())
    std::cout << ", test " << log["test_accuracy"].get<double>();
  std::cout << "\n";
  if (log.contains("stability")) {
    const nlohmann::json& stability = log["stability"];
    std::cout << "Lipschitz   <= " << stability.value("lipschitz_upper", 0.0) << " (L2, certified at training)";
    if (stability.contains("non_expansive"))
      std::cout << "; stable blocks " << (stability["non_expansive"].get<bool>() ? "proved" : "not proved")
                << " non-expansive";
    std::cout << "\n";
  }
}

void run_info(const InfoOptions& options) {
  // A model with NaN or infinite parameters is refused by every other command; info opens it and
  // names the damaged tensors.
  std::vector<std::string> non_finite;
  const model::Network network = onnx::import_model(options.model, {.non_finite_tensors = &non_finite});
  const std::optional<TrainingLog> log = training_log(options.model);
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
    if (log) out["training"] = training_summary(*log);
    out["non_finite_tensors"] = non_finite;
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
  if (log) print_training(*log);
  if (!non_finite.empty()) {
    std::cout << "\nnon-finite parameters (every other command refuses this model):\n";
    for (const std::string& tensor : non_finite) std::cout << "  " << tensor << "\n";
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
