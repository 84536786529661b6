// certnn weights MODEL --out FILE.png: the first layer's filters (report/first_layer.hpp) drawn
// as images (report/weight_image.hpp), so that one sees which pixels a unit weighs.
#include <charconv>
#include <iostream>

#include "certnn/core/error.hpp"
#include "certnn/report/first_layer.hpp"
#include "certnn/report/weight_image.hpp"
#include "cli_common.hpp"
#include "commands.hpp"

namespace certnn::cli {
namespace {

struct WeightsOptions {
  std::string model;
  std::string out;
  std::string rows;  // "0,3,5-9"; empty: every row
  std::int64_t scale = 4;
  bool json = false;
};

std::int64_t parse_row(std::string_view text, const std::string& list) {
  std::int64_t value = -1;
  const auto result = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || result.ec != std::errc() || result.ptr != text.data() + text.size() || value < 0)
    throw Error("--rows '" + list + "': '" + std::string(text) +
                "' is not a row number (a list like 0,3,5-9)");
  return value;
}

// "0,3,5-9" -> {0, 3, 5, 6, 7, 8, 9}, each checked against the layer's row count.
std::vector<Eigen::Index> parse_rows(const std::string& list, Eigen::Index row_count, const std::string& layer) {
  std::vector<Eigen::Index> rows;
  if (list.empty()) {
    for (Eigen::Index r = 0; r < row_count; ++r) rows.push_back(r);
    return rows;
  }
  std::string_view rest = list;
  while (true) {
    const std::size_t comma = rest.find(',');
    const std::string_view item = rest.substr(0, comma);
    const std::size_t dash = item.find('-');
    const std::int64_t first = parse_row(item.substr(0, dash), list);
    const std::int64_t last = dash == std::string_view::npos ? first : parse_row(item.substr(dash + 1), list);
    if (last < first) throw Error("--rows '" + list + "': the range '" + std::string(item) + "' is empty");
    if (last >= row_count)
      throw Error("--rows '" + list + "': row " + std::to_string(last) + " is out of range (layer '" +
                  layer + "' has rows 0 to " + std::to_string(row_count - 1) + ")");
    for (std::int64_t r = first; r <= last; ++r) rows.push_back(static_cast<Eigen::Index>(r));
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  return rows;
}

void run_weights(const WeightsOptions& options) {
  const model::Network network = load_model(options.model);
  const report::FirstLayerFilters filters = [&] {
    try {
      return report::first_layer_filters(network);
    } catch (const Unsupported& e) {
      throw Unsupported("weights: " + options.model + ": " + e.what());
    }
  }();
  const model::Node& node = *filters.node;
  const Eigen::MatrixXd& weight = filters.rows;
  const report::TileShape tile = filters.tile;
  const std::vector<Eigen::Index> rows = parse_rows(options.rows, weight.rows(), node.name);

  Eigen::MatrixXd selected(static_cast<Eigen::Index>(rows.size()), weight.cols());
  for (std::size_t k = 0; k < rows.size(); ++k) selected.row(static_cast<Eigen::Index>(k)) = weight.row(rows[k]);
  const report::WeightImage drawn = report::render_weight_rows(selected, tile, {.scale = options.scale});
  report::write_png(options.out, drawn.image);

  if (options.json) {
    std::cout << nlohmann::json{{"model", options.model},
                                {"out", options.out},
                                {"layer", node.name},
                                {"rows", rows},
                                {"tile", {tile.height, tile.width}},
                                {"width", drawn.image.width},
                                {"height", drawn.image.height},
                                {"max_abs", drawn.max_abs}}
                     .dump()
              << "\n";
    return;
  }
  std::cout << "wrote " << options.out << " (" << drawn.image.width << " x " << drawn.image.height << " pixels): "
            << rows.size() << (rows.size() == 1 ? " tile" : " tiles") << " of " << tile.height << " x " << tile.width
            << " from " << model::kind_name(node.op) << " '" << node.name << "'; red = +" << format_real(drawn.max_abs) << ", white = 0, blue = -"
            << format_real(drawn.max_abs) << "\n";
}

}  // namespace

Action register_weights(CLI::App& app) {
  auto options = std::make_shared<WeightsOptions>();
  auto* cmd = app.add_subcommand("weights", "Draw the first layer's filters (Dense rows, one-channel Conv kernels) as images (PNG)");
  cmd->add_option("model", options->model, "ONNX model file")->required();
  cmd->add_option("--out", options->out, "PNG file to write")->required();
  cmd->add_option("--rows", options->rows, "Rows to draw, e.g. 0,3,5-9 (default: all)");
  cmd->add_option("--scale", options->scale, "Pixels per weight along each side")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{64}))
      ->capture_default_str();
  cmd->add_flag("--json", options->json, "Print what was drawn as one JSON object");
  return [options] { run_weights(*options); };
}

}  // namespace certnn::cli
