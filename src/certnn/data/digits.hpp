// The scikit-learn digits set (1,797 handwritten digits, 8x8 pixels in 0..16), as Debian's
// python3-sklearn ships it: digits.csv.gz, one row of 64 pixels then the label per image.
#pragma once

#include <string>

#include "certnn/data/dataset.hpp"

namespace certnn::data {

inline constexpr const char* kDigitsPath = "/usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz";

// Pixels divided by 16 (into [0, 1]), sample shape {1, 8, 8}, 10 classes. A missing file is an
// error that names the package to install.
Dataset load_digits(const std::string& path = kDigitsPath);

}  // namespace certnn::data
