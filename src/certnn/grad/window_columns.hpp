// The receptive fields of a [C,H,W] sample as the columns of a matrix (rows (c, kh, kw), columns
// (oh, ow), as the forward convolution lays them out) and the adjoint map that adds such columns
// back onto the sample; the gradients of a convolution are products with these matrices.
#pragma once

#include <Eigen/Core>

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
