#include "report_writer.hpp"

#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "certnn/core/error.hpp"
#include "interruption.hpp"
#include "progress.hpp"

namespace certnn::cli {

std::string vega_folder() {
  if (const char* folder = std::getenv("CERTNN_VEGA_DIR"); folder && *folder) return folder;
  return CERTNN_VEGA_DIR;
}

void check_report_folder(const std::string& folder) {
  namespace fs = std::filesystem;
  const fs::path path(folder);
  if (fs::exists(path)) {
    if (!fs::is_directory(path)) throw Error("report: " + folder + " exists and is not a folder");
    return;
  }
  const fs::path parent = path.has_parent_path() ? path.parent_path() : fs::path(".");
  if (!fs::is_directory(parent)) throw Error("report: cannot create " + folder + ": " + parent.string() + " is not a folder");
}

WrittenReport write_report_folder(const std::string& model_path, const model::Network& network,
                                  const data::Dataset& test, const report::StabilityReportOptions& options,
                                  const report::VegaScripts& scripts, const std::string& folder) {
  const StopOnSignal stop;
  ProgressLine line;
  report::StabilityReportOptions settings = options;
  settings.stop = stop.flag();
  settings.progress = [&](const std::string& what) { line.update([&] { return "report: " + what; }); };
  const report::StabilityReport measured = report::measure_stability_report(network, model_path, test, settings);
  line.clear();
  if (measured.stopped) StopOnSignal::report("the report holds the figures finished so far");
  return {report::write_report(measured, scripts, folder), measured.seconds, measured.stopped};
}

void print_written(const WrittenReport& written, const std::string& folder) {
  std::cout << "report written to " << folder << " (" << format_duration(written.seconds) << "):\n";
  for (const auto& file : written.files) std::cout << "  " << file << "\n";
}

}  // namespace certnn::cli
