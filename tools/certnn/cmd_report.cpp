// certnn report MODEL --data NAME|FILE --out DIR [--eps LIST] [--l2-eps LIST] [--methods LIST]
// [--method M] [--quick] ...: the stability report (report/stability_report.hpp), one offline HTML
// page with interactive plots and the figures' data as JSON beside it (report/report_page.hpp).
#include <charconv>
#include <iostream>
#include <sstream>

#include "certnn/bounds/method.hpp"
#include "certnn/core/error.hpp"
#include "certnn/data/datasets.hpp"
#include "cli_common.hpp"
#include "commands.hpp"
#include "domain_option.hpp"
#include "report_writer.hpp"

namespace certnn::cli {
namespace {

struct ReportCommandOptions {
  std::string model, data, out, eps, l2_eps, methods, method = "crown", domain = "0,1";
  std::optional<std::int64_t> limit, radius_inputs;
  double test_fraction = 0.2;
  std::uint64_t seed = 0;
  bool quick = false, json = false;
};

std::vector<double> parse_eps_list(const std::string& text, const std::string& option) {
  std::vector<double> values;
  std::istringstream in(text);
  for (std::string item; std::getline(in, item, ',');) {
    double value = 0;
    const auto r = std::from_chars(item.data(), item.data() + item.size(), value);
    if (item.empty() || r.ec != std::errc() || r.ptr != item.data() + item.size() || !std::isfinite(value) || value < 0)
      throw Error(option + " '" + text + "': '" + item + "' is not a radius >= 0");
    values.push_back(value);
  }
  if (values.empty()) throw Error(option + " names no radius");
  std::sort(values.begin(), values.end());
  values.erase(std::unique(values.begin(), values.end()), values.end());
  return values;
}

void run_report(const ReportCommandOptions& o) {
  report::StabilityReportOptions options = report::default_report_options(o.quick);
  options.method = o.method;
  options.seed = o.seed;
  options.domain = parse_domain(o.domain);
  if (o.limit) options.samples = *o.limit;
  if (o.radius_inputs) options.radius_inputs = *o.radius_inputs;
  if (!o.eps.empty()) {
    options.linf_eps = parse_eps_list(o.eps, "--eps");
    options.width_eps.clear();
    for (const double e : options.linf_eps)
      if (e > 0) options.width_eps.push_back(e);
  }
  if (!o.l2_eps.empty()) options.l2_eps = parse_eps_list(o.l2_eps, "--l2-eps");
  if (!o.methods.empty()) {
    options.width_methods.clear();
    std::istringstream in(o.methods);
    for (std::string name; std::getline(in, name, ',');) {
      bounds::method_info(name);  // unknown names are refused before any work
      options.width_methods.push_back(name);
    }
  }
  bounds::make_sound_method(o.method, "report");
  check_report_folder(o.out);
  const report::VegaScripts scripts = report::read_vega_scripts(vega_folder());
  const model::Network network = load_model(o.model);
  const data::Split split = data::load_split(o.data, o.test_fraction, o.seed);
  const WrittenReport written = write_report_folder(o.model, network, split.test, options, scripts, o.out);
  if (o.json) {
    std::cout << nlohmann::json{{"out", o.out}, {"files", written.files}, {"seconds", written.seconds},
                                {"stopped", written.stopped}}
                     .dump()
              << "\n";
  } else {
    print_written(written, o.out);
  }
}

}  // namespace

Action register_report(CLI::App& app) {
  auto o = std::make_shared<ReportCommandOptions>();
  auto* cmd = app.add_subcommand("report", "Stability report: one offline HTML page of interactive plots, data as JSON");
  cmd->footer(
      "Sections: bound width against eps per method (softmax appended); clean, PGD and certified accuracy against "
      "eps (Linf by --method, L2 by the global Lipschitz bound); per test input the certified and attacked radius; "
      "per layer spectral norms and condition numbers, global Lipschitz bounds; the first layer's filters and the "
      "closest adversarial examples for a one-channel image model. DIR gets index.html, report.json (every number "
      "shown), specs.json (the Vega-Lite specs; tools/vega/render_svg.mjs draws them as SVG) and the PNG images.");
  cmd->add_option("model", o->model, "ONNX model file")->required();
  cmd->add_option("--data", o->data, "Dataset: fashion-mnist, digits, mnist, mnist01, or a labelled CSV file")->required();
  cmd->add_option("--out", o->out, "Folder to write the report into (created when missing)")->required();
  cmd->add_option("--eps", o->eps, "Linf radii of the accuracy curve and of the width sweep, e.g. 0,0.01,0.05,0.1");
  cmd->add_option("--l2-eps", o->l2_eps, "L2 radii of the accuracy curve");
  cmd->add_option("--methods", o->methods, "Bound methods of the width sweep (default: all six)");
  cmd->add_option("--method", o->method, "Sound method that certifies accuracy and radii")->capture_default_str();
  cmd->add_option("--limit", o->limit, "Test samples of the accuracy curves")->check(positive_number);
  cmd->add_option("--radius-inputs", o->radius_inputs, "Test inputs of the radius brackets")->check(positive_number);
  cmd->add_option("--domain", o->domain, "Input domain LO,HI the balls are clipped to, or none")->capture_default_str();
  cmd->add_option("--test-fraction", o->test_fraction, "Share held out for testing (datasets without a test set)")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  cmd->add_option("--seed", o->seed, "Seed of the split, PGD and sampling")->capture_default_str();
  cmd->add_flag("--quick", o->quick, "Fewer radii, samples and inputs: a rough report in well under a minute");
  cmd->add_flag("--json", o->json, "Print {\"out\",\"files\",\"seconds\",\"stopped\"}");
  return [o] { run_report(*o); };
}

}  // namespace certnn::cli
