// certnn methods [--matrix] [--json]: the bound methods of the registry (bounds/method.hpp), the
// layer kinds of the network IR, the ONNX operators the importer accepts, and the method x kind
// support matrix the README shows (checked against the MPFR soundness matrix by the tests).
#include <algorithm>
#include <iomanip>
#include <iostream>

#include "certnn/bounds/method.hpp"
#include "certnn/model/layers.hpp"
#include "certnn/onnx/importer.hpp"
#include "cli_common.hpp"
#include "commands.hpp"

namespace certnn::cli {
namespace {

struct MethodsOptions {
  bool matrix = false, json = false;
};

// "sound": the method encloses the kind (the soundness matrix checks it against MPFR);
// "estimate": an empirical inner bound; "refused": check() refuses the kind by name.
std::string cell(const bounds::MethodInfo& info, const std::vector<std::string_view>& refused, std::string_view kind) {
  if (std::find(refused.begin(), refused.end(), kind) != refused.end()) return "refused";
  return info.sound ? "sound" : "estimate";
}

void run_methods(const MethodsOptions& o) {
  const auto& registry = bounds::method_registry();
  std::vector<std::vector<std::string_view>> refused;
  for (const bounds::MethodInfo& info : registry) refused.push_back(info.make()->refused_kinds());
  const std::vector<std::string_view> kinds = model::all_kind_names();

  if (o.json) {
    nlohmann::ordered_json methods = nlohmann::ordered_json::array();
    for (std::size_t m = 0; m < registry.size(); ++m)
      methods.push_back({{"name", registry[m].name},
                         {"sound", registry[m].sound},
                         {"summary", registry[m].summary},
                         {"refused_kinds", refused[m]}});
    nlohmann::ordered_json matrix = nlohmann::ordered_json::object();
    for (const std::string_view kind : kinds)
      for (std::size_t m = 0; m < registry.size(); ++m)
        matrix[std::string(kind)][std::string(registry[m].name)] = cell(registry[m], refused[m], kind);
    std::cout << nlohmann::ordered_json{{"methods", methods},
                                        {"layer_kinds", kinds},
                                        {"onnx_operators", onnx::supported_operators()},
                                        {"matrix", matrix}}
                     .dump()
              << "\n";
    return;
  }
  if (o.matrix) {  // a Markdown table, as the README holds it
    std::cout << "| kind |";
    for (const auto& info : registry) std::cout << " " << info.name << " |";
    std::cout << "\n| --- |";
    for (std::size_t m = 0; m < registry.size(); ++m) std::cout << " --- |";
    std::cout << "\n";
    for (const std::string_view kind : kinds) {
      std::cout << "| " << kind << " |";
      for (std::size_t m = 0; m < registry.size(); ++m) std::cout << " " << cell(registry[m], refused[m], kind) << " |";
      std::cout << "\n";
    }
    return;
  }
  std::cout << std::left << std::setw(13) << "method" << std::setw(7) << "sound" << std::setw(16) << "refuses"
            << "what it computes\n";
  for (std::size_t m = 0; m < registry.size(); ++m) {
    std::string refuses;
    for (const std::string_view kind : refused[m]) refuses += (refuses.empty() ? "" : ",") + std::string(kind);
    std::cout << std::setw(13) << registry[m].name << std::setw(7) << (registry[m].sound ? "yes" : "no")
              << std::setw(16) << (refuses.empty() ? "-" : refuses) << registry[m].summary << "\n";
  }
  const auto print_list = [](const std::string& title, const auto& names) {
    std::cout << "\n" << title << ":";
    for (const auto& name : names) std::cout << " " << name;
    std::cout << "\n";
  };
  print_list("layer kinds", kinds);
  print_list("ONNX operators", onnx::supported_operators());
}

}  // namespace

Action register_methods(CLI::App& app) {
  auto o = std::make_shared<MethodsOptions>();
  auto* cmd = app.add_subcommand("methods", "List the bound methods, layer kinds and ONNX operators, or the support matrix");
  cmd->add_flag("--matrix", o->matrix, "Print the method x layer-kind support matrix as a Markdown table");
  cmd->add_flag("--json", o->json,
                "Print {\"methods\":[{\"name\",\"sound\",\"summary\",\"refused_kinds\"}],\"layer_kinds\","
                "\"onnx_operators\",\"matrix\":{kind:{method:cell}}}");
  return [o] { run_methods(*o); };
}

}  // namespace certnn::cli
