// `certnn report`'s output: one self-contained HTML page (no network request: Vega, Vega-Lite and
// vega-embed inlined, images as data URIs, a Content-Security-Policy that forbids fetching) with
// interactive plots, and beside it the figures' data and the Vega-Lite specs as JSON, from which
// tools/vega/render_svg.mjs draws the same figures as static SVG.
#pragma once

#include <string>
#include <vector>

#include "certnn/report/stability_report.hpp"

namespace certnn::report {

// The three UMD bundles of the npm packages vega, vega-lite and vega-embed.
struct VegaScripts {
  std::string vega, vega_lite, vega_embed;
};

// Reads <node_modules>/vega/build/vega.min.js, vega-lite/build/vega-lite.min.js and
// vega-embed/build/vega-embed.min.js. Throws certnn::Error naming the missing file.
VegaScripts read_vega_scripts(const std::string& node_modules);

// Writes into folder (created when missing), all files or none:
//   index.html   the page;
//   report.json  every number the page shows: the tables, and under "figures" each plot's rows;
//   specs.json   {"<figure>": Vega-Lite spec, ...} with those rows inline;
//   *.png        the pictures, also inlined in the page.
// Returns the files written. Throws certnn::Error when a file cannot be written.
std::vector<std::string> write_report(const StabilityReport& report, const VegaScripts& scripts,
                                      const std::string& folder);

}  // namespace certnn::report
