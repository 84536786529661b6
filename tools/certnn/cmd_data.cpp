// certnn data NAME|FILE: a dataset's split sizes, classes, sample shape and where it comes from,
// as `train` and `evaluate` will load it; --export writes one part of the split as CSV, the
// points other commands (bounds, eval, attack) take as --input.
#include <iostream>
#include <optional>
#include <sstream>

#include "certnn/core/error.hpp"
#include "certnn/core/output_file.hpp"
#include "certnn/data/datasets.hpp"
#include "cli_common.hpp"
#include "commands.hpp"

namespace certnn::cli {
namespace {

struct DataOptions {
  std::string name;
  double test_fraction = data::kDefaultTestFraction;
  std::uint64_t seed = 0;
  bool json = false;
  std::string export_part, out;
  std::optional<std::int64_t> limit;
  bool labels = false;
};

// One sample per row, full precision; with labels, the label first (the labelled CSV format).
void export_samples(const data::Dataset& dataset, const DataOptions& options) {
  std::ostringstream out;
  out.precision(17);
  const Eigen::Index count = std::min<Eigen::Index>(dataset.size(), options.limit.value_or(dataset.size()));
  for (Eigen::Index s = 0; s < count; ++s) {
    if (options.labels) out << dataset.labels[static_cast<std::size_t>(s)] << ",";
    for (Eigen::Index i = 0; i < dataset.inputs.rows(); ++i) out << (i ? "," : "") << dataset.inputs(i, s);
    out << "\n";
  }
  write_file_atomically(options.out, out.str());
  std::cerr << "wrote " << count << " " << options.export_part << " samples of " << options.name << " to "
            << options.out << "\n";
}

void run_data(const DataOptions& options) {
  if (!options.export_part.empty()) {
    if (options.out.empty()) throw certnn::Error("--export needs --out FILE");
    check_writable(options.out);
  }
  const data::Split split = data::load_split(options.name, options.test_fraction, options.seed);
  if (!options.export_part.empty()) {
    export_samples(options.export_part == "train" ? split.train : split.test, options);
    return;
  }
  const std::string source = data::dataset_source(options.name);
  if (options.json) {
    const nlohmann::json out = {{"name", options.name},
                                {"source", source},
                                {"train", split.train.size()},
                                {"test", split.test.size()},
                                {"classes", split.train.classes},
                                {"sample_shape", shape_json(split.train.sample_shape)},
                                {"train_class_counts", data::class_counts(split.train)},
                                {"test_class_counts", data::class_counts(split.test)}};
    std::cout << out.dump(2) << "\n";
    return;
  }
  std::cout << "dataset       " << options.name << "\n"
            << "source        " << source << "\n"
            << "train         " << split.train.size() << "\n"
            << "test          " << split.test.size() << "\n"
            << "classes       " << split.train.classes << "\n"
            << "sample shape  " << to_string(split.train.sample_shape) << "\n";
}

}  // namespace

Action register_data(CLI::App& app) {
  auto options = std::make_shared<DataOptions>();
  auto* cmd = app.add_subcommand("data", "Show a dataset's split sizes, classes, sample shape and source");
  cmd->add_option("name", options->name, "fashion-mnist, digits, mnist, mnist01 or a labelled CSV file")->required();
  cmd->add_option("--test-fraction", options->test_fraction,
                  "Share of samples held out where the dataset has no official test set (default 0.2)");
  cmd->add_option("--seed", options->seed, "Seed of the train/test shuffle (default 0)");
  cmd->add_flag("--json", options->json, "Machine-readable output");
  auto* export_part =
      cmd->add_option("--export", options->export_part, "Write the train or test part as CSV (one sample per row) to --out")
          ->check(CLI::IsMember({"train", "test"}));
  cmd->add_option("--out", options->out, "With --export: the CSV file to write")->needs(export_part);
  cmd->add_option("--limit", options->limit, "With --export: only the first K samples")
      ->check(positive_number)
      ->needs(export_part);
  cmd->add_flag("--labels", options->labels, "With --export: the label first in each row (the labelled CSV format)")
      ->needs(export_part);
  return [options] { run_data(*options); };
}

}  // namespace certnn::cli
