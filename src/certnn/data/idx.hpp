// IDX files, the format of MNIST and Fashion-MNIST: a big-endian header (magic 0x000008NN with NN
// the number of dimensions, then one uint32 per dimension) followed by the uint8 values. Files
// may be gzip-compressed or plain; both are read the same way.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "certnn/core/shape.hpp"
#include "certnn/data/dataset.hpp"

namespace certnn::data {

// The unsigned-byte arrays IDX files hold: dimensions and values in row-major order.
struct IdxArray {
  Shape dims;
  std::vector<std::uint8_t> values;  // element_count(dims) of them
};

// Reads an IDX file of unsigned bytes with `expected_rank` dimensions (3 for images, 1 for
// labels). Throws ParseError naming the file on a bad magic number, a wrong dimension count,
// more data or less data than the header declares, or dimensions above kMaxTensorElements.
IdxArray read_idx(const std::string& path, std::int64_t expected_rank);

// Writes `array` as an IDX file, gzip-compressed when `compress` is true.
void write_idx(const std::string& path, const IdxArray& array, bool compress);

// An image file (N x rows x cols) and its label file (N) as a Dataset: pixels divided by 255,
// sample shape {1, rows, cols}, labels checked against `classes`.
Dataset read_idx_dataset(const std::string& images_path, const std::string& labels_path, const std::string& name,
                         std::int64_t classes);

}  // namespace certnn::data
