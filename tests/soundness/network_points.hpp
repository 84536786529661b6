// Shared by the network-level soundness tests (method matrix, deep networks): random layers and
// input boxes, the points at which a network is re-evaluated in MPFR (box vertices, random points,
// and points found by a projected finite-difference ascent on each output with float64 forward
// passes), and the check that every sound method's box holds the MPFR enclosure at each point.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "certnn/bounds/method.hpp"
#include "certnn/core/error.hpp"
#include "certnn/model/forward.hpp"
#include "certnn/model/network.hpp"
#include "certnn/model/shape_inference.hpp"
#include "mpfr_reference.hpp"
#include "random_doubles.hpp"

namespace certnn::soundness {

// ---- Random layers and boxes ------------------------------------------------------------------

// W uniform in [−scale, scale]·(1/√n_in), b uniform in [−bias, bias]; one layer in eight has
// small-integer weights (exact products: the tight cases where an unsound rounding shows).
inline model::Dense random_dense(Rng& rng, Eigen::Index n_in, Eigen::Index n_out, double scale = 1.0,
                                 double bias = 0.5) {
  model::Dense d{Eigen::MatrixXd(n_out, n_in), Eigen::VectorXd(n_out)};
  const bool integers = chance(rng, 0.125);
  const double s = scale / std::sqrt(static_cast<double>(n_in));
  for (Eigen::Index k = 0; k < d.weight.size(); ++k)
    d.weight(k) = integers ? static_cast<double>(uniform_int(rng, -3, 3)) : uniform(rng, -s, s);
  for (Eigen::Index i = 0; i < n_out; ++i) d.bias[i] = integers ? 0.5 * static_cast<double>(uniform_int(rng, -2, 2))
                                                                 : uniform(rng, -bias, bias);
  return d;
}

// A box around a random centre in [−1, 1]^n: radius log-uniform in [2^-20, 2], or per coordinate
// degenerate (lower = upper) with probability `degenerate`; at most `max_free` coordinates free
// when max_free >= 0. One box in eight is a single point: there a sound method's bounds are tight
// to a few roundings, and a rounding in the wrong direction shows.
inline bounds::Box random_box(Rng& rng, Eigen::Index n, double degenerate = 0.15, int max_free = -1,
                              double max_log2_radius = 1.0) {
  bounds::Box box{Eigen::VectorXd(n), Eigen::VectorXd(n)};
  if (chance(rng, 0.125)) degenerate = 1.0;
  const double log2_radius = uniform(rng, -20.0, max_log2_radius);
  std::vector<Eigen::Index> order(static_cast<std::size_t>(n));
  for (Eigen::Index i = 0; i < n; ++i) order[i] = i;
  std::shuffle(order.begin(), order.end(), rng);
  int free = 0;
  for (Eigen::Index i : order) {
    const double c = chance(rng, 0.1) ? 0.0 : uniform(rng, -1.0, 1.0);
    const bool fixed = chance(rng, degenerate) || (max_free >= 0 && free >= max_free);
    const double r = fixed ? 0.0 : std::exp2(log2_radius + uniform(rng, -1.0, 1.0));
    free += !fixed;
    box.lower[i] = c - r;
    box.upper[i] = c + r;
  }
  return box;
}

// A window over [C, H, W] with random kernel, stride, dilation and padding that fits its input;
// `pooling` keeps every window partly inside the input (padding below the kernel span).
inline model::Window2d random_window(Rng& rng, std::int64_t channels, std::int64_t in_h, std::int64_t in_w,
                                     bool pooling) {
  for (;;) {
    model::Window2d w;
    w.channels = channels;
    w.in_h = in_h;
    w.in_w = in_w;
    w.kernel_h = uniform_int(rng, 1, 3);
    w.kernel_w = uniform_int(rng, 1, 3);
    w.stride_h = uniform_int(rng, 1, 2);
    w.stride_w = uniform_int(rng, 1, 2);
    w.dilation_h = chance(rng, 0.2) ? 2 : 1;
    w.dilation_w = chance(rng, 0.2) ? 2 : 1;
    const std::int64_t max_pad_h = pooling ? w.kernel_h - 1 : w.kernel_h, max_pad_w = pooling ? w.kernel_w - 1 : w.kernel_w;
    w.pad_top = uniform_int(rng, 0, max_pad_h);
    w.pad_bottom = uniform_int(rng, 0, max_pad_h);
    w.pad_left = uniform_int(rng, 0, max_pad_w);
    w.pad_right = uniform_int(rng, 0, max_pad_w);
    try {
      model::complete_window(w);
      // Shape inference refuses pooling windows made only of padding.
      if (pooling) model::infer_output_shape(model::MaxPool{w}, {{1, channels, in_h, in_w}});
    } catch (const ShapeError&) {
      continue;
    }
    return w;
  }
}

inline model::Conv2d random_conv(Rng& rng, const model::Window2d& window, std::int64_t out_channels,
                                 double scale = 1.0) {
  model::Conv2d c{window, out_channels, Eigen::MatrixXd(out_channels, window.channels * window.kernel_h * window.kernel_w),
                  Eigen::VectorXd(out_channels)};
  const double s = scale / std::sqrt(static_cast<double>(c.weight.cols()));
  for (Eigen::Index k = 0; k < c.weight.size(); ++k) c.weight(k) = uniform(rng, -s, s);
  for (Eigen::Index k = 0; k < c.bias.size(); ++k) c.bias[k] = uniform(rng, -0.5, 0.5);
  return c;
}

// ---- Points ------------------------------------------------------------------------------------

inline std::vector<Eigen::Index> free_coordinates(const bounds::Box& box) {
  std::vector<Eigen::Index> free;
  for (Eigen::Index i = 0; i < box.size(); ++i)
    if (box.lower[i] < box.upper[i]) free.push_back(i);
  return free;
}

// Every vertex of the box when it has at most 2^max_free of them, else none.
inline std::vector<Eigen::VectorXd> box_vertices(const bounds::Box& box, int max_free = 10) {
  const std::vector<Eigen::Index> free = free_coordinates(box);
  std::vector<Eigen::VectorXd> vertices;
  if (free.size() > static_cast<std::size_t>(max_free)) return vertices;
  for (std::uint64_t corner = 0; corner < (std::uint64_t{1} << free.size()); ++corner) {
    Eigen::VectorXd v = box.lower;
    for (std::size_t k = 0; k < free.size(); ++k)
      if ((corner >> k) & 1) v[free[k]] = box.upper[free[k]];
    vertices.push_back(std::move(v));
  }
  return vertices;
}

// Uniform in the box; one coordinate in four on a face.
inline Eigen::VectorXd random_point_in(Rng& rng, const bounds::Box& box) {
  Eigen::VectorXd x(box.size());
  for (Eigen::Index i = 0; i < box.size(); ++i) {
    const double u = uniform(rng, 0.0, 1.0);
    x[i] = u < 0.125 ? box.lower[i] : u < 0.25 ? box.upper[i] : box.lower[i] + uniform(rng, 0.0, 1.0) * (box.upper[i] - box.lower[i]);
    x[i] = std::clamp(x[i], box.lower[i], box.upper[i]);
  }
  return x;
}

struct AscentOptions {
  int steps = 12;
  int starts = 1;          // random starting points per objective (the best one is climbed)
  int max_outputs = 16;    // outputs climbed (a random subset beyond this)
};

// Projected finite-difference ascent of s·y_i (s = ±1) over the box for each output i, in float64
// forward passes (the search need not be exact: the points it finds are re-evaluated in MPFR). A
// step moves every free coordinate by η·width in the direction of its difference quotient (the
// L∞ steepest ascent), η shrinking geometrically; a last step snaps each coordinate to the face
// its quotient points to. Returns the best point of each climb.
inline std::vector<Eigen::VectorXd> ascent_points(const model::Network& network, const bounds::Box& box, Rng& rng,
                                                  const AscentOptions& options = {}) {
  using model::Batch;
  const std::vector<Eigen::Index> free = free_coordinates(box);
  const Eigen::Index n_free = static_cast<Eigen::Index>(free.size());
  std::vector<Eigen::Index> outputs;
  for (Eigen::Index i = 0; i < network.output_size(); ++i) outputs.push_back(i);
  if (outputs.size() > static_cast<std::size_t>(options.max_outputs)) {
    std::shuffle(outputs.begin(), outputs.end(), rng);
    outputs.resize(static_cast<std::size_t>(options.max_outputs));
  }
  std::vector<Eigen::VectorXd> found;
  if (n_free == 0) return found;
  Batch<double> batch(box.size(), n_free + 1);
  for (Eigen::Index output : outputs)
    for (double sign : {1.0, -1.0}) {
      Batch<double> starts(box.size(), options.starts);
      for (int s = 0; s < options.starts; ++s) starts.col(s) = random_point_in(rng, box);
      const Batch<double> start_values = model::forward<double>(network, starts);
      Eigen::Index best_start = 0;
      for (int s = 1; s < options.starts; ++s)
        if (sign * start_values(output, s) > sign * start_values(output, best_start)) best_start = s;
      Eigen::VectorXd x = starts.col(best_start), best = x;
      double best_value = sign * start_values(output, best_start), eta = 0.5;
      Eigen::VectorXd quotient(n_free);
      for (int step = 0; step <= options.steps; ++step) {
        // Column 0: x; column k + 1: x moved by h along free coordinate k (inward at a face).
        std::vector<double> h(static_cast<std::size_t>(n_free));
        batch.col(0) = x;
        for (Eigen::Index k = 0; k < n_free; ++k) {
          const Eigen::Index j = free[k];
          const double width = box.upper[j] - box.lower[j];
          h[k] = std::max(width * 0x1p-20, std::abs(x[j]) * 0x1p-30 + 0x1p-60);
          if (x[j] + h[k] > box.upper[j]) h[k] = -h[k];
          batch.col(k + 1) = x;
          batch(j, k + 1) = x[j] + h[k];
        }
        const Batch<double> values = model::forward<double>(network, batch);
        if (sign * values(output, 0) > best_value) {
          best_value = sign * values(output, 0);
          best = x;
        }
        for (Eigen::Index k = 0; k < n_free; ++k) quotient[k] = (values(output, k + 1) - values(output, 0)) / h[k];
        const bool last = step == options.steps;
        for (Eigen::Index k = 0; k < n_free; ++k) {
          const Eigen::Index j = free[k];
          const double direction = sign * quotient[k];
          if (!(direction != 0.0)) continue;  // flat or NaN: stay
          if (last) {
            x[j] = direction > 0 ? box.upper[j] : box.lower[j];
          } else {
            x[j] += (direction > 0 ? 1.0 : -1.0) * eta * (box.upper[j] - box.lower[j]);
            x[j] = std::clamp(x[j], box.lower[j], box.upper[j]);
          }
        }
        eta *= 0.7;
      }
      const Batch<double> snapped = model::forward<double>(network, x);
      if (sign * snapped(output, 0) > best_value) best = x;
      found.push_back(std::move(best));
    }
  return found;
}

// ---- Methods and checks ------------------------------------------------------------------------

// One registered method's answer on one network and box.
struct MethodOutcome {
  std::string method;
  enum class Status { Bounds, Refused, Error } status = Status::Error;
  bounds::Result result;
  std::string message;  // the Unsupported or other error message
};

// check() then propagate(); Unsupported is a refusal, any other exception an error.
inline MethodOutcome run_method(const bounds::Method& method, const model::Network& network, const bounds::Box& box,
                                const bounds::Options& options = {}) {
  MethodOutcome outcome;
  outcome.method = std::string(method.name());
  try {
    method.check(network);
    outcome.result = method.propagate(network, box, options);
    outcome.status = MethodOutcome::Status::Bounds;
  } catch (const Unsupported& e) {
    outcome.status = MethodOutcome::Status::Refused;
    outcome.message = e.what();
  } catch (const std::exception& e) {
    outcome.status = MethodOutcome::Status::Error;
    outcome.message = e.what();
  }
  return outcome;
}

inline std::string describe_point(const Eigen::VectorXd& x) {
  std::ostringstream s;
  s << "x = (";
  for (Eigen::Index i = 0; i < x.size() && i < 12; ++i) s << (i ? ", " : "") << hex(x[i]);
  if (x.size() > 12) s << ", ...";
  s << ")";
  return s.str();
}

// The first output of `values` outside [lower, upper] (compared exactly), or −1.
inline Eigen::Index first_escape(const bounds::Box& bounds, const Values& values) {
  if (bounds.size() != static_cast<Eigen::Index>(values.size())) return 0;
  for (Eigen::Index i = 0; i < bounds.size(); ++i)
    if (!encloses(bounds.lower[i], bounds.upper[i], values[static_cast<std::size_t>(i)])) return i;
  return -1;
}

}  // namespace certnn::soundness
