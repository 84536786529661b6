// Labelled CSV datasets: one sample per row, a label column (the first by default) and the
// features in the other columns, in order. Labels are non-negative integers; values are read as
// numeric CSV (data/csv.hpp), so errors name the file, line and column. Gzip-compressed files
// are read the same way.
#pragma once

#include <cstdint>
#include <istream>
#include <optional>
#include <string>

#include "certnn/core/shape.hpp"
#include "certnn/data/dataset.hpp"

namespace certnn::data {

struct LabelledCsvOptions {
  std::int64_t label_column = 0;      // counting from 0; -1 is the last column
  double feature_scale = 1.0;         // features are divided by this (16 for 8x8 digits in 0..16)
  std::optional<Shape> sample_shape;  // default {features}
  std::optional<std::int64_t> classes;  // default: largest label + 1; when given, labels must be below it
  std::string name;                   // default: the source
};

Dataset read_labelled_csv(const std::string& path, const LabelledCsvOptions& options = {});
Dataset read_labelled_csv(std::istream& in, const std::string& source, const LabelledCsvOptions& options = {});

}  // namespace certnn::data
