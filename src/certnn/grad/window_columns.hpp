// The receptive fields of a [C,H,W] sample as the columns of a matrix (rows (c, kh, kw), columns
// (oh, ow), as the forward convolution lays them out) and the adjoint map that adds such columns
// back onto the sample; the gradients of a convolution are products with these matrices.
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <vector>

#include "certnn/model/layers.hpp"
#include "certnn/model/window.hpp"

namespace certnn::grad {

// columns (C * kernel_h * kernel_w) x (out_h * out_w) := the taps of `sample`; padded taps are 0.
inline void unfold_windows(const double* sample, const model::Window2d& w, Eigen::MatrixXd& columns) {
  columns.setZero(w.channels * w.kernel_h * w.kernel_w, w.out_h * w.out_w);
  model::for_each_tap(w, [&](auto c, auto kh, auto kw, auto oh, auto ow, auto in_index) {
    columns((c * w.kernel_h + kh) * w.kernel_w + kw, oh * w.out_w + ow) = sample[in_index];
  });
}

// sample += the transpose of unfolding applied to columns: every tap adds its entry to the input
// element it read (padded taps read nothing and receive nothing).
inline void fold_windows(const Eigen::MatrixXd& columns, const model::Window2d& w, double* sample) {
  model::for_each_tap(w, [&](auto c, auto kh, auto kw, auto oh, auto ow, auto in_index) {
    sample[in_index] += columns((c * w.kernel_h + kh) * w.kernel_w + kw, oh * w.out_w + ow);
  });
}

}  // namespace certnn::grad

namespace certnn::grad {

// For the columns of one sample (C·kernel_h·kernel_w × out_h·out_w) in column-major order, the
// flattened input index each entry reads, −1 for a padded tap: the gather table that unfolds a
// whole batch without revisiting the window geometry per sample.
inline std::vector<std::int64_t> window_gather_table(const model::Window2d& w) {
  const std::int64_t rows = w.channels * w.kernel_h * w.kernel_w;
  std::vector<std::int64_t> table(static_cast<std::size_t>(rows * w.out_h * w.out_w), -1);
  model::for_each_tap(w, [&](auto c, auto kh, auto kw, auto oh, auto ow, auto in_index) {
    table[static_cast<std::size_t>((oh * w.out_w + ow) * rows + (c * w.kernel_h + kh) * w.kernel_w + kw)] = in_index;
  });
  return table;
}

// The columns of every sample side by side: samples (C·H·W × batch) → (C·kh·kw × positions·batch),
// sample s in columns [s·positions, (s + 1)·positions).
inline Eigen::MatrixXd unfold_batch(const Eigen::MatrixXd& samples, const model::Window2d& w) {
  const std::vector<std::int64_t> table = window_gather_table(w);
  const Eigen::Index rows = w.channels * w.kernel_h * w.kernel_w, positions = w.out_h * w.out_w;
  Eigen::MatrixXd columns(rows, positions * samples.cols());
  for (Eigen::Index s = 0; s < samples.cols(); ++s) {
    const double* source = samples.col(s).data();
    double* target = columns.data() + s * rows * positions;
    for (std::size_t i = 0; i < table.size(); ++i) target[i] = table[i] >= 0 ? source[table[i]] : 0.0;
  }
  return columns;
}

// The adjoint of unfold_batch: every entry is added back onto the input element it read.
inline Eigen::MatrixXd fold_batch(const Eigen::MatrixXd& columns, const model::Window2d& w, Eigen::Index batch) {
  const std::vector<std::int64_t> table = window_gather_table(w);
  const Eigen::Index rows = w.channels * w.kernel_h * w.kernel_w, positions = w.out_h * w.out_w;
  Eigen::MatrixXd samples = Eigen::MatrixXd::Zero(w.channels * w.in_h * w.in_w, batch);
  for (Eigen::Index s = 0; s < batch; ++s) {
    double* target = samples.col(s).data();
    const double* source = columns.data() + s * rows * positions;
    for (std::size_t i = 0; i < table.size(); ++i)
      if (table[i] >= 0) target[table[i]] += source[i];
  }
  return samples;
}

// Channel-major per-sample values (channels·positions × batch) ↔ the product layout of a batched
// convolution (channels × positions·batch).
inline Eigen::MatrixXd samples_to_positions(const Eigen::MatrixXd& samples, Eigen::Index channels) {
  const Eigen::Index positions = samples.rows() / channels;
  Eigen::MatrixXd out(channels, positions * samples.cols());
  for (Eigen::Index s = 0; s < samples.cols(); ++s)
    out.middleCols(s * positions, positions) =
        Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(
            samples.col(s).data(), channels, positions);
  return out;
}

inline Eigen::MatrixXd positions_to_samples(const Eigen::MatrixXd& product, Eigen::Index batch) {
  const Eigen::Index channels = product.rows(), positions = product.cols() / batch;
  Eigen::MatrixXd samples(channels * positions, batch);
  for (Eigen::Index s = 0; s < batch; ++s)
    Eigen::Map<Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(samples.col(s).data(), channels,
                                                                                        positions) =
        product.middleCols(s * positions, positions);
  return samples;
}

}  // namespace certnn::grad
