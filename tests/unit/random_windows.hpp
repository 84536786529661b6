// Random 2-D window geometries for the randomised layer tests (forward pass, gradients): every
// stride, dilation and pad drawn independently within limits, always fitting the input.
#pragma once

#include <cstdint>
#include <random>

#include "certnn/core/error.hpp"
#include "certnn/model/layers.hpp"
#include "certnn/model/shape_inference.hpp"

namespace certnn::testing {

inline std::int64_t uniform_window_int(std::mt19937& random, std::int64_t low, std::int64_t high) {
  return std::uniform_int_distribution<std::int64_t>(low, high)(random);
}

// Largest kernel side, stride, dilation and pad drawn.
struct WindowLimits {
  std::int64_t kernel = 4, stride = 3, dilation = 3, pad = 2;
};

// True when every window of `w` has at least one tap inside the input (pooling over padding
// alone has no meaning: a maximum of nothing, a mean of no elements).
inline bool every_window_reaches_the_input(const model::Window2d& w) {
  const auto axis_ok = [](std::int64_t out, std::int64_t stride, std::int64_t pad, std::int64_t kernel,
                          std::int64_t dilation, std::int64_t size) {
    for (std::int64_t o = 0; o < out; ++o) {
      bool reached = false;
      for (std::int64_t k = 0; k < kernel; ++k) {
        const std::int64_t position = o * stride - pad + k * dilation;
        reached = reached || (position >= 0 && position < size);
      }
      if (!reached) return false;
    }
    return true;
  };
  return axis_ok(w.out_h, w.stride_h, w.pad_top, w.kernel_h, w.dilation_h, w.in_h) &&
         axis_ok(w.out_w, w.stride_w, w.pad_left, w.kernel_w, w.dilation_w, w.in_w);
}

// A random window geometry over [channels, height, width] that fits (and, for pooling, reaches
// the input from every window), with independent strides, dilations and pads on each side.
inline model::Window2d random_window(std::mt19937& random, std::int64_t channels, std::int64_t height,
                                     std::int64_t width, bool for_pooling, WindowLimits limits = {}) {
  for (int attempt = 0; attempt < 1000; ++attempt) {
    model::Window2d w;
    w.channels = channels;
    w.in_h = height;
    w.in_w = width;
    w.kernel_h = uniform_window_int(random, 1, limits.kernel);
    w.kernel_w = uniform_window_int(random, 1, limits.kernel);
    w.stride_h = uniform_window_int(random, 1, limits.stride);
    w.stride_w = uniform_window_int(random, 1, limits.stride);
    w.dilation_h = uniform_window_int(random, 1, limits.dilation);
    w.dilation_w = uniform_window_int(random, 1, limits.dilation);
    w.pad_top = uniform_window_int(random, 0, limits.pad);
    w.pad_bottom = uniform_window_int(random, 0, limits.pad);
    w.pad_left = uniform_window_int(random, 0, limits.pad);
    w.pad_right = uniform_window_int(random, 0, limits.pad);
    try {
      model::complete_window(w);
    } catch (const ShapeError&) {
      continue;
    }
    if (!for_pooling || every_window_reaches_the_input(w)) return w;
  }
  model::Window2d w;  // 1x1, always fits
  w.channels = channels;
  w.in_h = height;
  w.in_w = width;
  model::complete_window(w);
  return w;
}

}  // namespace certnn::testing
