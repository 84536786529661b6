#include "certnn/data/digits.hpp"

#include <filesystem>

#include "certnn/core/error.hpp"
#include "certnn/data/labelled_csv.hpp"

namespace certnn::data {

Dataset load_digits(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec))
    throw Error("digits: " + path +
                " not found; install it with: apt-get install python3-sklearn (or run scripts/setup)");
  LabelledCsvOptions options;
  options.label_column = -1;
  options.feature_scale = 16;
  options.sample_shape = Shape{1, 8, 8};
  options.classes = 10;
  options.name = "digits";
  Dataset dataset = read_labelled_csv(path, options);
  if (dataset.inputs.maxCoeff() > 1 || dataset.inputs.minCoeff() < 0)
    throw ParseError(path + ": pixel values outside 0..16; not the scikit-learn digits file");
  return dataset;
}

}  // namespace certnn::data
