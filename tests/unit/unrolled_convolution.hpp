// The dense matrix of a 2-D convolution straight from its definition (ONNX cross-correlation,
// zero padding), independent of the kernels under test: a reference for the convolution and
// for the operators built on it.
#pragma once

#include <Eigen/Core>

#include "certnn/model/layers.hpp"

namespace certnn::testing {

inline Eigen::MatrixXd unrolled_convolution(const model::Conv2d& conv) {
  using Eigen::Index;
  const model::Window2d& w = conv.window;
  Eigen::MatrixXd a = Eigen::MatrixXd::Zero(conv.out_channels * w.out_h * w.out_w, w.channels * w.in_h * w.in_w);
  for (Index m = 0; m < conv.out_channels; ++m)
    for (Index oh = 0; oh < w.out_h; ++oh)
      for (Index ow = 0; ow < w.out_w; ++ow)
        for (Index c = 0; c < w.channels; ++c)
          for (Index kh = 0; kh < w.kernel_h; ++kh)
            for (Index kw = 0; kw < w.kernel_w; ++kw) {
              const Index ih = oh * w.stride_h - w.pad_top + kh * w.dilation_h;
              const Index iw = ow * w.stride_w - w.pad_left + kw * w.dilation_w;
              if (ih < 0 || ih >= w.in_h || iw < 0 || iw >= w.in_w) continue;
              a((m * w.out_h + oh) * w.out_w + ow, (c * w.in_h + ih) * w.in_w + iw) +=
                  conv.weight(m, (c * w.kernel_h + kh) * w.kernel_w + kw);
            }
  return a;
}

}  // namespace certnn::testing
