// certnn eval MODEL --input X.csv: the network's outputs, one row per input row.
#include <iostream>

#include "certnn/data/csv.hpp"
#include "certnn/model/forward.hpp"
#include "cli_common.hpp"
#include "commands.hpp"

namespace certnn::cli {
namespace {

struct EvalOptions {
  std::string model;
  std::string input;
  std::string precision = "float64";
  bool json = false;
};

template <class T>
Eigen::MatrixXd evaluate(const model::Network& network, const Eigen::MatrixXd& rows) {
  const model::Batch<T> columns = rows.transpose().cast<T>();
  return model::forward<T>(network, columns).template cast<double>().transpose();
}

void run_eval(const EvalOptions& options) {
  const model::Network network = load_model(options.model);
  const Eigen::MatrixXd rows = data::read_csv(options.input, network.input_size());
  const Eigen::MatrixXd outputs = options.precision == "float32" ? evaluate<float>(network, rows)
                                                                 : evaluate<double>(network, rows);
  if (options.json) {
    nlohmann::json out = nlohmann::json::array();
    for (Eigen::Index r = 0; r < outputs.rows(); ++r) {
      nlohmann::json row = nlohmann::json::array();
      for (Eigen::Index c = 0; c < outputs.cols(); ++c) row.push_back(outputs(r, c));
      out.push_back(row);
    }
    std::cout << nlohmann::json{{"outputs", out}}.dump() << "\n";
    return;
  }
  for (Eigen::Index r = 0; r < outputs.rows(); ++r) {
    for (Eigen::Index c = 0; c < outputs.cols(); ++c)
      std::cout << (c ? "," : "") << format_real(outputs(r, c));
    std::cout << "\n";
  }
}

}  // namespace

Action register_eval(CLI::App& app) {
  auto options = std::make_shared<EvalOptions>();
  auto* cmd = app.add_subcommand("eval", "Evaluate a model on the rows of a CSV file");
  cmd->add_option("model", options->model, "ONNX model file")->required();
  cmd->add_option("--input", options->input, "CSV file, one flattened input per row")->required();
  cmd->add_option("--precision", options->precision, "Arithmetic of the evaluation")
      ->check(CLI::IsMember({"float64", "float32"}));
  cmd->add_flag("--json", options->json, "Print {\"outputs\": [[...], ...]}");
  return [options] { run_eval(*options); };
}

}  // namespace certnn::cli
