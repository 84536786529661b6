// A labelled dataset in memory: the samples as the columns of one matrix (the layout of
// model::Batch, so a dataset or a slice of it goes straight through a network), one class per
// sample, and the shape of one sample.
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <string>
#include <vector>

#include "certnn/core/shape.hpp"

namespace certnn::data {

struct Dataset {
  std::string name;
  Shape sample_shape;            // e.g. {1, 28, 28}; element_count(sample_shape) == inputs.rows()
  Eigen::MatrixXd inputs;        // elements x samples, values as the model reads them (pixels in [0, 1])
  std::vector<std::int64_t> labels;  // one per sample, in [0, classes)
  std::int64_t classes = 0;

  Eigen::Index size() const { return inputs.cols(); }
};

// Samples per class: classes entries, entry c the number of labels equal to c.
inline std::vector<std::int64_t> class_counts(const Dataset& dataset) {
  std::vector<std::int64_t> counts(static_cast<std::size_t>(dataset.classes), 0);
  for (const std::int64_t label : dataset.labels) ++counts.at(static_cast<std::size_t>(label));
  return counts;
}

}  // namespace certnn::data
