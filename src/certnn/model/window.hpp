// Iteration over the taps of 2-D sliding windows (convolution unfolding, pooling), shared by the
// forward pass and the bound methods so both read exactly the same input positions.
#pragma once

#include <cstdint>

#include "certnn/model/layers.hpp"

namespace certnn::model {

// Visits every in-bounds tap of every window: visit(c, kh, kw, oh, ow, input_index), where
// input_index is the flattened [C,H,W] position the tap reads (padded taps are skipped).
template <class Visit>
void for_each_tap(const Window2d& w, Visit&& visit) {
  for (std::int64_t c = 0; c < w.channels; ++c)
    for (std::int64_t kh = 0; kh < w.kernel_h; ++kh)
      for (std::int64_t kw = 0; kw < w.kernel_w; ++kw)
        for (std::int64_t oh = 0; oh < w.out_h; ++oh) {
          const std::int64_t ih = oh * w.stride_h - w.pad_top + kh * w.dilation_h;
          if (ih < 0 || ih >= w.in_h) continue;
          for (std::int64_t ow = 0; ow < w.out_w; ++ow) {
            const std::int64_t iw = ow * w.stride_w - w.pad_left + kw * w.dilation_w;
            if (iw < 0 || iw >= w.in_w) continue;
            visit(c, kh, kw, oh, ow, (c * w.in_h + ih) * w.in_w + iw);
          }
        }
}

// Visits (output index, input index) for every in-bounds element of every pooling window.
template <class Visit>
void for_each_window(const Window2d& w, Visit&& visit) {
  for_each_tap(w, [&](auto c, auto, auto, auto oh, auto ow, auto in_index) {
    visit((c * w.out_h + oh) * w.out_w + ow, in_index);
  });
}

}  // namespace certnn::model
