#include "certnn/data/labelled_csv.hpp"

#include <cmath>
#include <sstream>

#include "certnn/core/error.hpp"
#include "certnn/core/text_file.hpp"
#include "certnn/data/csv.hpp"

namespace certnn::data {

Dataset read_labelled_csv(std::istream& in, const std::string& source, const LabelledCsvOptions& options) {
  const CsvTable table = read_csv_table(in, source);
  const Eigen::Index columns = table.values.cols(), rows = table.values.rows();
  if (columns < 2) throw ParseError(source + ": a labelled CSV file needs a label column and at least one feature");
  const Eigen::Index label_column = options.label_column < 0 ? columns + options.label_column : options.label_column;
  if (label_column < 0 || label_column >= columns)
    throw Error(source + ": label column " + std::to_string(options.label_column) + " is outside the " +
                std::to_string(columns) + " columns");
  if (!(options.feature_scale > 0) || !std::isfinite(options.feature_scale))
    throw Error(source + ": the feature scale must be a positive number");

  Dataset dataset;
  dataset.name = options.name.empty() ? source : options.name;
  const std::int64_t features = columns - 1;
  dataset.sample_shape = options.sample_shape.value_or(Shape{features});
  if (element_count(dataset.sample_shape) != features)
    throw ShapeError(source + ": sample shape " + to_string(dataset.sample_shape) + " does not hold the " +
                     std::to_string(features) + " features of a row");

  dataset.inputs.resize(features, rows);
  dataset.labels.resize(static_cast<std::size_t>(rows));
  std::int64_t largest = -1;
  for (Eigen::Index r = 0; r < rows; ++r) {
    const double label = table.values(r, label_column);
    const std::string where = source + ":" + std::to_string(table.line_numbers[static_cast<std::size_t>(r)]) + ":" +
                              std::to_string(label_column + 1);
    if (label < 0 || label != std::floor(label) || label >= static_cast<double>(kMaxTensorElements))
      throw ParseError(where + ": label " + std::to_string(label) + " is not a non-negative integer");
    const auto value = static_cast<std::int64_t>(label);
    if (options.classes && value >= *options.classes)
      throw ParseError(where + ": label " + std::to_string(value) + " is not below the " +
                       std::to_string(*options.classes) + " classes");
    dataset.labels[static_cast<std::size_t>(r)] = value;
    largest = std::max(largest, value);
    Eigen::Index feature = 0;
    for (Eigen::Index c = 0; c < columns; ++c)
      if (c != label_column) dataset.inputs(feature++, r) = table.values(r, c) / options.feature_scale;
  }
  dataset.classes = options.classes.value_or(largest + 1);
  return dataset;
}

Dataset read_labelled_csv(const std::string& path, const LabelledCsvOptions& options) {
  std::istringstream in(read_text_file(path));
  return read_labelled_csv(in, path, options);
}

}  // namespace certnn::data
