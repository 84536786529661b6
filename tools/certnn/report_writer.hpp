// What `certnn report` and `certnn check --report` share: finding the plot libraries, checking the
// output folder before the work, and measuring and writing a report with progress on stderr.
#pragma once

#include <string>

#include "certnn/data/dataset.hpp"
#include "certnn/model/network.hpp"
#include "certnn/report/report_page.hpp"
#include "certnn/report/stability_report.hpp"

namespace certnn::cli {

// The node_modules folder holding vega, vega-lite and vega-embed: $CERTNN_VEGA_DIR when set, else
// the one scripts/setup fills in the source tree (tools/vega/node_modules).
std::string vega_folder();

// Throws certnn::Error unless folder is an existing folder or can be created in an existing one.
void check_report_folder(const std::string& folder);

struct WrittenReport {
  std::vector<std::string> files;
  double seconds = 0.0;
  bool stopped = false;
};

// Measures (progress on stderr when it is a terminal; Ctrl-C keeps what was finished) and writes
// the report.
WrittenReport write_report_folder(const std::string& model_path, const model::Network& network,
                                  const data::Dataset& test, const report::StabilityReportOptions& options,
                                  const report::VegaScripts& scripts, const std::string& folder);

// "report written to DIR (12.3 s):" and the files, one per line.
void print_written(const WrittenReport& written, const std::string& folder);

}  // namespace certnn::cli
