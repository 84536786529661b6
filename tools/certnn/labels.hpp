// The --label option of the commands that compare predictions with true classes (attack,
// radius): one class for every input row ("7"), a file with one class per row (a text or
// one-column CSV file, one integer per line, an optional header line), or "pred" for the model's
// own float64 prediction on each row.
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <string>
#include <vector>

#include "certnn/model/network.hpp"

namespace certnn::cli {

// rows: one input per row (rows x input_size, as data::read_csv returns them). Returns one class
// per row, each in [0, output_size). Throws certnn::Error with a one-line message for a class
// out of range, a file line that is not one integer (naming file and line), a label count that
// differs from the row count, or a spec that is neither a number, pred, nor a readable file.
std::vector<std::int64_t> resolve_labels(const std::string& spec, const model::Network& network,
                                         const Eigen::MatrixXd& rows);

}  // namespace certnn::cli
