// The seed paper's tightness experiment: softmax appended to the logits, then for each ε the mean
// over a set of centres of the widest output interval over the L∞ ball, per bound method. How
// fast that width grows with ε tells interval arithmetic from the methods that keep correlations.
#pragma once

#include <Eigen/Dense>
#include <atomic>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "certnn/bounds/box.hpp"
#include "certnn/bounds/method.hpp"
#include "certnn/model/network.hpp"

namespace certnn::bounds {

// count values from lo to hi, evenly spaced on a log scale (lo alone when count is 1). Throws
// certnn::Error unless 0 < lo <= hi, hi finite and count >= 1.
std::vector<double> log_spaced(double lo, double hi, int count);

// The network with a Softmax over its output appended, unless its last layer already is one.
model::Network with_softmax_output(model::Network network);

struct MethodWidth {
  std::string method;
  double mean_max_width = 0.0;  // mean over the centres of the widest output interval
  double seconds = 0.0;         // mean time of one bound
};

struct WidthSweepPoint {
  double eps = 0.0;
  std::vector<MethodWidth> methods;  // in the order of the methods given
};

struct WidthSweepOptions {
  Options bounds;
  std::optional<Domain> domain = Domain{0.0, 1.0};  // the balls are clipped to it
  // Raised by the caller: the sweep stops before the next bound and returns the whole points done.
  const std::atomic<bool>* stop = nullptr;
  // Called before each bound (eps index, method, centre index); runs on the sweep's time.
  std::function<void(std::size_t, const Method&, Eigen::Index)> progress;
  // Called with each point once all its methods are done.
  std::function<void(const WidthSweepPoint&)> point_done;
};

// centres: one input per row. The methods must accept the network (Method::check). Returns one
// point per ε finished, in order.
std::vector<WidthSweepPoint> width_sweep(const model::Network& network, const std::vector<const Method*>& methods,
                                         const Eigen::MatrixXd& centres, const std::vector<double>& eps,
                                         const WidthSweepOptions& options);

}  // namespace certnn::bounds
