// certnn data NAME|FILE: a dataset's split sizes, classes, sample shape and where it comes from,
// as `train` and `evaluate` will load it.
#include <iostream>

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
};

void run_data(const DataOptions& options) {
  const data::Split split = data::load_split(options.name, options.test_fraction, options.seed);
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
  return [options] { run_data(*options); };
}

}  // namespace certnn::cli
