#include "certnn/report/report_page.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "certnn/core/error.hpp"
#include "certnn/core/output_file.hpp"
#include "certnn/core/real_text.hpp"
#include "certnn/core/text_file.hpp"
#include "certnn/report/png.hpp"

namespace certnn::report {
namespace {

using nlohmann::ordered_json;

constexpr std::string_view kSchema = "https://vega.github.io/schema/vega-lite/v6.json";
// Filters drawn at most: a wide first layer would make an unreadable mosaic.
constexpr Eigen::Index kMaxFilters = 64;

ordered_json number(double value) {
  if (!std::isfinite(value)) return nullptr;
  return value;
}
ordered_json number(std::optional<double> value) { return value ? number(*value) : ordered_json(nullptr); }

std::string norm_name(attack::Norm norm) { return norm == attack::Norm::L2 ? "l2" : "linf"; }

std::string html_escape(std::string_view text) {
  std::string out;
  for (const char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

// JSON inside <script type="application/json">: "</" would end the element early.
std::string script_json(const ordered_json& value) {
  std::string text = value.dump();
  for (std::size_t at = text.find("</"); at != std::string::npos; at = text.find("</", at + 3)) text.replace(at, 2, "<\\/");
  return text;
}

std::string base64(std::string_view bytes) {
  static constexpr char kDigits[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  for (std::size_t i = 0; i < bytes.size(); i += 3) {
    const std::size_t n = std::min<std::size_t>(3, bytes.size() - i);
    std::uint32_t chunk = 0;
    for (std::size_t k = 0; k < 3; ++k)
      chunk = (chunk << 8) | (k < n ? static_cast<std::uint8_t>(bytes[i + k]) : 0U);
    for (std::size_t k = 0; k < 4; ++k) out += k <= n ? kDigits[(chunk >> (18 - 6 * k)) & 63U] : '=';
  }
  return out;
}

std::int64_t picture_scale(TileShape tile) { return std::max<std::int64_t>(1, 96 / std::max(tile.height, tile.width)); }

// --- The figures' data: one row per mark, as Vega-Lite reads it. ---

ordered_json width_rows(const StabilityReport& r) {
  ordered_json rows = ordered_json::array();
  for (const auto& curves : r.widths)
    for (const auto& point : curves.points)
      for (const auto& m : point.methods)
        rows.push_back({{"output", curves.output}, {"eps", point.eps}, {"method", m.method},
                        {"width", number(m.mean_max_width)}, {"seconds", m.seconds}});
  return rows;
}

ordered_json accuracy_rows(const StabilityReport& r) {
  ordered_json rows = ordered_json::array();
  for (const auto& p : r.accuracy)
    for (const auto& [measure, value] :
         {std::pair{"clean", p.clean}, std::pair{"pgd", p.pgd}, std::pair{"certified", p.certified}})
      rows.push_back({{"norm", norm_name(p.norm)}, {"eps", p.eps}, {"measure", measure}, {"accuracy", value},
                      {"samples", p.samples}});
  return rows;
}

ordered_json radius_rows(const StabilityReport& r) {
  ordered_json rows = ordered_json::array();
  for (const auto& b : r.radii)
    rows.push_back({{"index", b.index}, {"label", b.label}, {"certified", number(b.certified)},
                    {"attacked", number(b.attacked)},
                    {"adversarial_label", b.adversarial_label ? ordered_json(*b.adversarial_label) : ordered_json(nullptr)}});
  return rows;
}

ordered_json layer_rows(const StabilityReport& r) {
  ordered_json rows = ordered_json::array();
  for (std::size_t k = 0; k < r.layers.size(); ++k) {
    const auto& layer = r.layers[k];
    std::string warning;
    if (layer.condition_number && std::isinf(*layer.condition_number)) {
      warning = "singular";
    } else if (layer.ill_conditioned) {
      warning = "ill-conditioned";
    }
    rows.push_back({{"position", k},
                    {"name", layer.name},
                    {"kind", std::string(layer.kind)},
                    {"spectral_norm", number(layer.estimate)},
                    {"spectral_norm_upper", number(layer.upper)},
                    {"upper_method", std::string(layer.upper_method)},
                    {"condition_number", number(layer.condition_number)},
                    {"warning", warning.empty() ? ordered_json(nullptr) : ordered_json(warning)}});
  }
  return rows;
}

// The inputs whose adversarial examples PGD found closest, nearest first.
std::vector<const RadiusBracket*> closest_inputs(const StabilityReport& r, std::size_t count) {
  std::vector<const RadiusBracket*> found;
  for (const auto& b : r.radii)
    if (b.attacked && b.adversarial) found.push_back(&b);
  std::sort(found.begin(), found.end(), [](auto* a, auto* b) { return *a->attacked < *b->attacked; });
  if (found.size() > count) found.resize(count);
  return found;
}

// --- Vega-Lite specs. ---

ordered_json base_spec(const std::string& title, ordered_json rows) {
  return {{"$schema", kSchema},
          {"title", title},
          {"width", 420},
          {"height", 260},
          {"data", {{"name", "table"}, {"values", std::move(rows)}}}};
}

ordered_json specs(const StabilityReport& r) {
  ordered_json out = ordered_json::object();
  if (!r.widths.empty()) {
    ordered_json s = base_spec("Mean widest output interval against eps", width_rows(r));
    s["width"] = 320;
    s["transform"] = ordered_json::array({{{"filter", "datum.width > 0"}}});
    s["mark"] = {{"type", "line"}, {"point", true}, {"tooltip", true}};
    s["encoding"] = {
        {"x", {{"field", "eps"}, {"type", "quantitative"}, {"scale", {{"type", "log"}}}, {"title", "eps (Linf radius)"}}},
        {"y", {{"field", "width"}, {"type", "quantitative"}, {"scale", {{"type", "log"}}}, {"title", "mean widest interval"}}},
        {"color", {{"field", "method"}, {"type", "nominal"}}},
        {"column", {{"field", "output"}, {"type", "nominal"}, {"sort", {"logits", "softmax"}}, {"title", "output"}}}};
    s["resolve"] = {{"scale", {{"y", "independent"}}}};
    out["widths"] = s;
  }
  if (!r.accuracy.empty()) {
    ordered_json s = base_spec("Clean, PGD and certified accuracy against eps", accuracy_rows(r));
    s["mark"] = {{"type", "line"}, {"point", true}, {"tooltip", true}};
    s["width"] = 300;
    s["height"] = 220;
    s["encoding"] = {
        {"x", {{"field", "eps"}, {"type", "quantitative"}, {"title", "eps"}}},
        {"y", {{"field", "accuracy"}, {"type", "quantitative"}, {"scale", {{"domain", {0, 1}}}}}},
        {"color", {{"field", "measure"}, {"type", "nominal"}, {"sort", {"clean", "pgd", "certified"}}}},
        {"column", {{"field", "norm"}, {"type", "nominal"}, {"sort", {"linf", "l2"}}, {"title", "norm"}}}};
    s["resolve"] = {{"scale", {{"x", "independent"}}}};
    out["accuracy"] = s;
  }
  if (!r.radii.empty()) {
    double top = 0.0;
    for (const auto& b : r.radii) top = std::max({top, b.certified, b.attacked.value_or(0.0)});
    ordered_json s = base_spec("Per input: certified (" + r.method + ") against attacked (PGD) Linf radius",
                               radius_rows(r));
    s["width"] = 320;
    s["height"] = 320;
    s["layer"] = ordered_json::array(
        {{{"data", {{"values", ordered_json::array({{{"r", 0.0}}, {{"r", top}}})}}},
          {"mark", {{"type", "line"}, {"color", "#999"}, {"strokeDash", {4, 4}}}},
          {"encoding", {{"x", {{"field", "r"}, {"type", "quantitative"}}}, {"y", {{"field", "r"}, {"type", "quantitative"}}}}}},
         {{"transform", ordered_json::array({{{"filter", "datum.attacked != null"}}})},
          {"mark", {{"type", "point"}, {"filled", true}, {"tooltip", true}}},
          {"encoding",
           {{"x", {{"field", "certified"}, {"type", "quantitative"}, {"title", "certified radius"}}},
            {"y", {{"field", "attacked"}, {"type", "quantitative"}, {"title", "attacked radius"}}},
            {"color", {{"field", "label"}, {"type", "nominal"}}}}}}});
    out["radii"] = s;

    ordered_json h = base_spec("Distribution of the certified and attacked radii", radius_rows(r));
    h["transform"] = ordered_json::array({{{"fold", {"certified", "attacked"}}, {"as", {"side", "radius"}}},
                                          {{"filter", "datum.radius != null"}}});
    h["mark"] = {{"type", "bar"}, {"opacity", 0.6}, {"tooltip", true}};
    h["encoding"] = {{"x", {{"field", "radius"}, {"type", "quantitative"}, {"bin", {{"maxbins", 20}}}}},
                     {"y", {{"aggregate", "count"}, {"type", "quantitative"}, {"stack", nullptr}}},
                     {"color", {{"field", "side"}, {"type", "nominal"}}}};
    out["radius_histogram"] = h;
  }
  if (!r.layers.empty()) {
    ordered_json s = base_spec("Per layer: spectral norm (Lipschitz constant), estimate and proved upper bound",
                               layer_rows(r));
    s["transform"] = ordered_json::array({{{"fold", {"spectral_norm", "spectral_norm_upper"}}, {"as", {"figure", "value"}}},
                                          {{"filter", "datum.value > 0"}}});
    s["mark"] = {{"type", "bar"}, {"tooltip", true}};
    s["encoding"] = {{"x", {{"field", "name"}, {"type", "nominal"}, {"sort", {{"field", "position"}}}, {"title", "layer"}}},
                     {"xOffset", {{"field", "figure"}, {"type", "nominal"}}},
                     {"y", {{"field", "value"}, {"type", "quantitative"}, {"title", "spectral norm"}}},
                     {"color", {{"field", "figure"}, {"type", "nominal"}}}};
    out["layers"] = s;
  }
  return out;
}

// --- Images. ---

struct Picture {
  std::string file, caption, png;
};

std::vector<Picture> pictures(const StabilityReport& r, ordered_json& listed) {
  std::vector<Picture> out;
  listed = {{"filters", nullptr}, {"closest", ordered_json::array()}};
  if (r.filters) {
    const auto& f = *r.filters;
    const Eigen::Index shown = std::min(f.rows.rows(), kMaxFilters);
    const WeightImage drawn = render_weight_rows(f.rows.topRows(shown), f.tile, {.scale = picture_scale(f.tile)});
    out.push_back({"weights.png",
                   std::to_string(shown) + " of the " + std::to_string(f.rows.rows()) + " filters of " + f.kind + " '" +
                       f.layer + "' (red +" + format_real(drawn.max_abs) + ", white 0, blue -" +
                       format_real(drawn.max_abs) + ")",
                   encode_png(drawn.image)});
    listed["filters"] = {{"file", "weights.png"}, {"layer", f.layer}, {"kind", f.kind}, {"shown", shown},
                         {"count", f.rows.rows()}, {"max_abs", drawn.max_abs}};
  } else {
    listed["filters"] = {{"refused", r.filters_refusal}};
  }
  const std::vector<const RadiusBracket*> closest = closest_inputs(r, 4);
  if (r.image && !closest.empty()) {
    // Grey from the domain's lower end to its upper one; without a domain, over the inputs' range.
    const double lo = r.domain ? r.domain->lower : r.test_inputs.minCoeff();
    const double top = r.domain ? r.domain->upper : r.test_inputs.maxCoeff();
    const double hi = top > lo ? top : lo + 1.0;
    for (const RadiusBracket* b : closest) {
      Eigen::MatrixXd pair(2, r.test_inputs.rows());
      pair.row(0) = r.test_inputs.col(b->index).transpose();
      pair.row(1) = b->adversarial->transpose();
      const std::string file = "closest_" + std::to_string(b->index) + ".png";
      out.push_back({file,
                     "test input " + std::to_string(b->index) + ", label " + std::to_string(b->label) +
                         ": attacked to class " + std::to_string(*b->adversarial_label) + " at Linf distance " +
                         format_real(*b->attacked) + " (certified " + format_real(b->certified) + ")",
                     encode_png(render_input_rows(pair, *r.image, lo, hi, {.scale = picture_scale(*r.image)}))});
      listed["closest"].push_back({{"file", file}, {"index", b->index}, {"label", b->label},
                                   {"adversarial_label", *b->adversarial_label}, {"attacked", *b->attacked},
                                   {"certified", b->certified}});
    }
  }
  return out;
}

ordered_json data_document(const StabilityReport& r, const ordered_json& images) {
  ordered_json refused = ordered_json::array();
  for (const auto& m : r.refused) refused.push_back({{"method", m.method}, {"output", m.output}, {"reason", m.reason}});
  return {{"model",
           {{"path", r.model}, {"input_shape", r.input_shape}, {"outputs", r.outputs}, {"parameters", r.parameters},
            {"layers", r.layer_count}}},
          {"data", r.data},
          {"method", r.method},
          {"width_centres", r.width_centres},
          {"lipschitz", {{"upper", number(r.lipschitz_upper)}, {"lower", number(r.lipschitz_lower)}}},
          {"ill_conditioned_threshold", r.ill_conditioned_threshold},
          {"refused_methods", refused},
          {"figures",
           {{"widths", width_rows(r)}, {"accuracy", accuracy_rows(r)}, {"radii", radius_rows(r)},
            {"layers", layer_rows(r)}}},
          {"images", images},
          {"stopped", r.stopped},
          {"seconds", r.seconds}};
}

std::string cell(const ordered_json& value, const std::string& key) {
  const std::string text = value.is_null() ? "-" : value.is_number() ? format_real(value.get<double>()) : value.get<std::string>();
  return "<td data-key=\"" + key + "\">" + html_escape(text) + "</td>";
}

std::string inline_script(const std::string& code, const std::string& name) {
  std::string lower = code;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  if (lower.find("</script") != std::string::npos)
    throw Error("report: " + name + " holds '</script' and cannot be inlined into the page");
  return "<script>" + code + "</script>\n";
}

constexpr std::string_view kStyle = R"(body{font-family:system-ui,sans-serif;margin:2em auto;max-width:1100px;color:#222}
h1{font-size:1.5em}h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #ddd}
table{border-collapse:collapse;font-size:.9em}td,th{border:1px solid #ccc;padding:.25em .6em;text-align:right}
td:first-child,th:first-child,td:nth-child(2){text-align:left}.note{color:#555;font-size:.9em}
.warning{color:#b00}figure{display:inline-block;margin:.5em 1em .5em 0}figcaption{font-size:.85em;max-width:26em}
img{image-rendering:pixelated}#certnn-errors{color:#b00;white-space:pre-wrap})";

constexpr std::string_view kEmbed = R"(window.certnnViews = {};
window.certnnErrors = [];
window.addEventListener('error', e => window.certnnErrors.push(String(e.message)));
window.certnnRendered = (async () => {
  const specs = JSON.parse(document.getElementById('certnn-specs').textContent);
  for (const [name, spec] of Object.entries(specs)) {
    try {
      const result = await vegaEmbed('#figure-' + name, spec, {actions: false, renderer: 'svg'});
      window.certnnViews[name] = result.view;
    } catch (e) {
      window.certnnErrors.push(name + ': ' + e);
      document.getElementById('certnn-errors').textContent += name + ': ' + e + '\n';
    }
  }
  return Object.keys(window.certnnViews).length;
})();
)";

std::string figure(const ordered_json& all_specs, const std::string& name, const std::string& heading,
                   const std::string& note) {
  if (!all_specs.contains(name)) return "";
  return "<h2>" + heading + "</h2>\n<p class=\"note\">" + note + "</p>\n<div id=\"figure-" + name + "\"></div>\n";
}

}  // namespace

VegaScripts read_vega_scripts(const std::string& node_modules) {
  const auto read = [&](const std::string& relative) {
    const std::filesystem::path path = std::filesystem::path(node_modules) / relative;
    if (!std::filesystem::is_regular_file(path))
      throw Error("report: " + path.string() +
                  " is missing; install the plot libraries with scripts/setup (npm packages vega, vega-lite, "
                  "vega-embed in tools/vega) or point CERTNN_VEGA_DIR at a node_modules folder holding them");
    return read_text_file(path.string());
  };
  return {read("vega/build/vega.min.js"), read("vega-lite/build/vega-lite.min.js"),
          read("vega-embed/build/vega-embed.min.js")};
}

namespace {

std::string page(const StabilityReport& r, const VegaScripts& scripts, const ordered_json& all_specs,
                 const ordered_json& data, const std::vector<Picture>& images) {
  std::string html;
  html += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  // Nothing may be fetched: the page must open offline and leak nothing about the model.
  html += "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; script-src 'unsafe-inline' "
          "'unsafe-eval'; style-src 'unsafe-inline'; img-src data:\">\n";
  html += "<title>certnn report: " + html_escape(r.model) + "</title>\n<style>" + std::string(kStyle) + "</style>\n";
  html += inline_script(scripts.vega, "vega.min.js") + inline_script(scripts.vega_lite, "vega-lite.min.js") +
          inline_script(scripts.vega_embed, "vega-embed.min.js");
  html += "</head>\n<body>\n<h1>Stability report: " + html_escape(r.model) + "</h1>\n";
  html += "<p>Input shape " + html_escape(nlohmann::json(r.input_shape).dump()) + ", " + std::to_string(r.outputs) +
          " outputs, " + std::to_string(r.parameters) + " parameters, " + std::to_string(r.layer_count) +
          " layers. Data: test split of " + html_escape(r.data) + ". Certificates by " + html_escape(r.method) +
          ". Measured in " + format_real(std::round(r.seconds * 10) / 10) + " s.</p>\n";
  if (r.stopped) html += "<p class=\"warning\">Stopped early: the figures hold what was finished.</p>\n";
  html += "<div id=\"certnn-errors\"></div>\n";

  html += "<h2>Lipschitz bounds</h2>\n<table id=\"lipschitz\"><tr><th>global L2 Lipschitz constant</th><th>value</th></tr>";
  html += "<tr><td>upper bound (proved)</td>" + cell(data["lipschitz"]["upper"], "upper") + "</tr>";
  html += "<tr><td>lower bound (sampled and ascended)</td>" + cell(data["lipschitz"]["lower"], "lower") + "</tr></table>\n";
  html += "<h2>Layers</h2>\n<p class=\"note\">Spectral norm: the layer's L2 Lipschitz constant, estimated and bounded "
          "above rigorously; condition numbers at or above " + format_real(r.ill_conditioned_threshold) +
          " are flagged.</p>\n<table id=\"layers\"><tr><th>#</th><th>layer</th><th>kind</th><th>spectral norm</th>"
          "<th>proved upper bound</th><th>how</th><th>condition number</th><th>warning</th></tr>\n";
  for (const auto& row : data["figures"]["layers"]) {
    html += "<tr>" + cell(row["position"], "position") + cell(row["name"], "name") + cell(row["kind"], "kind") +
            cell(row["spectral_norm"], "spectral_norm") + cell(row["spectral_norm_upper"], "spectral_norm_upper") +
            cell(row["upper_method"], "upper_method") + cell(row["condition_number"], "condition_number") +
            cell(row["warning"], "warning") + "</tr>\n";
  }
  html += "</table>\n";
  html += figure(all_specs, "layers", "Spectral norms per layer",
                 "The gap between the two bars of a layer is what the proof gives away.");
  std::string refused;
  for (const auto& m : r.refused)
    refused += "<br>" + html_escape(m.method) + " on the " + m.output + ": " + html_escape(m.reason);
  html += figure(all_specs, "widths", "Bound width against eps",
                 "Per method, the mean over " + std::to_string(r.width_centres) +
                     " test inputs of the widest output interval over the Linf ball, of the logits and of the softmax "
                     "appended to them; "
                     "'sample' is an empirical lower bound, the others are sound." + refused);
  html += figure(all_specs, "accuracy", "Accuracy under attack and certified accuracy",
                 "Clean accuracy, accuracy under PGD, and the share of samples proved robust (Linf: " +
                     html_escape(r.method) + "; L2: the global Lipschitz bound). certified <= pgd <= clean.");
  html += figure(all_specs, "radii", "Certified against attacked radius",
                 "Each point is a test input: the radius " + html_escape(r.method) +
                     " proves robust (x) and the distance of the closest adversarial example PGD found (y). "
                     "The true robustness radius lies between; every point sits above the diagonal.");
  html += figure(all_specs, "radius_histogram", "Radius distribution", "Histogram of both sides of the brackets.");
  html += "<h2>Pictures</h2>\n";
  if (!data["images"]["filters"].contains("file"))
    html += "<p class=\"note\">First layer not drawn: " +
            html_escape(data["images"]["filters"].value("refused", std::string())) + "</p>\n";
  for (const auto& p : images)
    html += "<figure><img alt=\"" + html_escape(p.caption) + "\" src=\"data:image/png;base64," + base64(p.png) +
            "\"><figcaption>" + html_escape(p.caption) + "</figcaption></figure>\n";
  if (r.image) html += "<p class=\"note\">Closest adversarial examples: clean input (left) and attacked (right).</p>\n";
  html += "<script type=\"application/json\" id=\"certnn-data\">" + script_json(data) + "</script>\n";
  html += "<script type=\"application/json\" id=\"certnn-specs\">" + script_json(all_specs) + "</script>\n";
  html += "<script>" + std::string(kEmbed) + "</script>\n</body>\n</html>\n";
  return html;
}

}  // namespace

std::vector<std::string> write_report(const StabilityReport& report, const VegaScripts& scripts,
                                      const std::string& folder) {
  std::error_code error;
  std::filesystem::create_directories(folder, error);
  if (error || !std::filesystem::is_directory(folder))
    throw Error("report: cannot create the folder " + folder + (error ? ": " + error.message() : ""));
  ordered_json images;
  const std::vector<Picture> drawn = pictures(report, images);
  const ordered_json all_specs = specs(report);
  const ordered_json data = data_document(report, images);
  const auto in = [&](const std::string& name) { return (std::filesystem::path(folder) / name).string(); };
  std::vector<std::pair<std::string, std::string>> files = {
      {in("index.html"), page(report, scripts, all_specs, data, drawn)},
      {in("report.json"), data.dump(1) + "\n"},
      {in("specs.json"), all_specs.dump(1) + "\n"}};
  for (const auto& p : drawn) files.emplace_back(in(p.file), p.png);
  write_files_atomically(files);
  std::vector<std::string> written;
  for (const auto& [path, bytes] : files) written.push_back(path);
  return written;
}

}  // namespace certnn::report
