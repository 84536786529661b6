#include "certnn/stability/lipschitz_lower.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <string>

#include "certnn/core/error.hpp"
#include "certnn/grad/backward.hpp"
#include "certnn/grad/tape.hpp"
#include "certnn/stability/jacobian.hpp"

namespace certnn::stability {
namespace {

using Eigen::Index;
using Eigen::MatrixXd;
using Eigen::VectorXd;

// Pairs closer than this (relative to the points' size) would make the quotient mostly rounding.
constexpr double kSmallestSeparation = 1e-6;
// The first y is x + h v with h this fraction of the region's width (or of 1 for a point).
constexpr double kFirstStep = 1e-3;

// The quotients of pairs (columns of x and y) and their gradients with respect to x and y.
struct Quotients {
  VectorXd q;              // ‖f(x) − f(y)‖² / ‖x − y‖²
  MatrixXd grad_x, grad_y;
};

// With d = f(x) − f(y), r = x − y: ∂q/∂x = 2 (J(x)ᵀd − q r) / ‖r‖², ∂q/∂y = 2 (−J(y)ᵀd + q r) / ‖r‖²;
// one backward sweep over the batch [x y] with cotangents [d, −d] gives J(x)ᵀd and −J(y)ᵀd.
Quotients quotients(const model::Network& network, const MatrixXd& x, const MatrixXd& y) {
  const Index pairs = x.cols();
  MatrixXd both(x.rows(), 2 * pairs);
  both << x, y;
  const grad::Tape tape = grad::record(network, both);
  const MatrixXd& f = tape.value(network.output());
  const MatrixXd d = f.leftCols(pairs) - f.rightCols(pairs);
  MatrixXd cotangent(d.rows(), 2 * pairs);
  cotangent << d, -d;
  const MatrixXd g = grad::input_gradient(network, tape, cotangent);
  Quotients out{VectorXd(pairs), MatrixXd(x.rows(), pairs), MatrixXd(x.rows(), pairs)};
  for (Index t = 0; t < pairs; ++t) {
    const VectorXd r = x.col(t) - y.col(t);
    const double r2 = r.squaredNorm();
    const double q = r2 > 0 ? d.col(t).squaredNorm() / r2 : 0.0;
    out.q[t] = std::isfinite(q) ? q : 0.0;
    out.grad_x.col(t) = 2.0 * (g.col(t) - q * r) / r2;
    out.grad_y.col(t) = 2.0 * (g.col(pairs + t) + q * r) / r2;
  }
  return out;
}

MatrixXd sample_points(const std::vector<bounds::Box>& regions, std::int64_t count, std::mt19937_64& random) {
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  const Index n = regions.front().size();
  MatrixXd points(n, count);
  for (Index s = 0; s < count; ++s) {
    const bounds::Box& box = regions[static_cast<std::size_t>(s) % regions.size()];
    for (Index i = 0; i < n; ++i) points(i, s) = box.lower[i] + unit(random) * (box.upper[i] - box.lower[i]);
  }
  return points;
}

}  // namespace

LipschitzLower lipschitz_lower(const model::Network& network, const std::vector<bounds::Box>& regions,
                               const LowerBoundOptions& options) {
  if (regions.empty()) throw Error("lipschitz lower bound: no region to sample");
  for (const bounds::Box& box : regions)
    if (box.size() != network.input_size())
      throw ShapeError("lipschitz lower bound: a region has " + std::to_string(box.size()) +
                       " elements, the network expects " + std::to_string(network.input_size()));
  std::mt19937_64 random(options.seed);
  const std::int64_t count = std::max<std::int64_t>(1, options.samples);
  const MatrixXd points = sample_points(regions, count, random);
  const JacobianNorms sampled = jacobian_norms(network, points);
  LipschitzLower out;
  out.jacobian_norm = sampled.norms.maxCoeff();

  // The ascent: start at the best points, y one small step along the direction J stretches most.
  std::vector<Index> order(static_cast<std::size_t>(count));
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](Index a, Index b) { return sampled.norms[a] > sampled.norms[b]; });
  const Index starts = std::min<Index>(count, std::max<std::int64_t>(1, options.ascent_starts));
  double width = 0.0;
  for (const bounds::Box& box : regions) width = std::max(width, box.width().maxCoeff());
  const double first_step = kFirstStep * (width > 0.0 ? width : 1.0);
  MatrixXd x(points.rows(), starts), y(points.rows(), starts);
  for (Index t = 0; t < starts; ++t) {
    x.col(t) = points.col(order[static_cast<std::size_t>(t)]);
    y.col(t) = x.col(t) + first_step * sampled.directions.col(order[static_cast<std::size_t>(t)]);
  }
  Quotients current = quotients(network, x, y);
  VectorXd step = VectorXd::Constant(starts, 0.5);  // step length relative to ‖x − y‖
  for (int iteration = 0; iteration < options.ascent_steps; ++iteration) {
    MatrixXd x_next = x, y_next = y;
    for (Index t = 0; t < starts; ++t) {
      const double gradient = std::sqrt(current.grad_x.col(t).squaredNorm() + current.grad_y.col(t).squaredNorm());
      if (!(gradient > 0.0) || !std::isfinite(gradient)) continue;
      const double length = step[t] * (x.col(t) - y.col(t)).norm() / gradient;
      x_next.col(t) += length * current.grad_x.col(t);
      y_next.col(t) += length * current.grad_y.col(t);
    }
    const Quotients next = quotients(network, x_next, y_next);
    for (Index t = 0; t < starts; ++t) {
      const double scale = 1.0 + std::max(x_next.col(t).lpNorm<Eigen::Infinity>(), y_next.col(t).lpNorm<Eigen::Infinity>());
      const bool separated = (x_next.col(t) - y_next.col(t)).norm() >= kSmallestSeparation * scale;
      if (separated && next.q[t] > current.q[t]) {
        x.col(t) = x_next.col(t);
        y.col(t) = y_next.col(t);
        current.q[t] = next.q[t];
        current.grad_x.col(t) = next.grad_x.col(t);
        current.grad_y.col(t) = next.grad_y.col(t);
        step[t] *= 1.5;
      } else {
        step[t] *= 0.5;
      }
    }
  }
  // Recomputed from the final pairs, so the figure is a quotient of two forward evaluations.
  const MatrixXd fx = model::forward<double>(network, x), fy = model::forward<double>(network, y);
  for (Index t = 0; t < starts; ++t) {
    const double distance = (x.col(t) - y.col(t)).norm();
    if (distance > 0.0) out.difference_quotient = std::max(out.difference_quotient, (fx.col(t) - fy.col(t)).norm() / distance);
  }
  return out;
}

}  // namespace certnn::stability
