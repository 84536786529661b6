#include "certnn/bounds/sample.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

#include "certnn/grad/backward.hpp"
#include "certnn/grad/tape.hpp"
#include "certnn/model/forward.hpp"

namespace certnn::bounds {
namespace {

using Eigen::Index;
using model::Batch;

constexpr std::size_t kBatch = 256;  // columns per forward pass

// Projected signed-gradient ascent (PGD, as in Madry et al. 2018, on the output itself):
// x ← clip(x ± step_t · width ⊙ sign(∇y_i(x)), box). The step shrinks geometrically from
// kFirstStep to kLastStep of the box width: the large early steps add up to more than the whole
// width, so every vertex of a linear region is reached from any start; the small late ones settle
// near an optimum inside a curved one. One ascent costs about three forward passes per step.
constexpr int kAscentSteps = 16;
constexpr double kFirstStep = 0.25, kLastStep = 0.01;

double step_fraction(int t) {
  return kFirstStep * std::pow(kLastStep / kFirstStep, static_cast<double>(t) / (kAscentSteps - 1));
}

// The hull of the outputs seen so far, and for each output the point that attains its bounds.
struct Extremes {
  Box hull;
  std::vector<Index> lowest, highest;  // into the points of the sampling phase, −1 for none

  explicit Extremes(Index outputs)
      : hull{Eigen::VectorXd::Constant(outputs, std::numeric_limits<double>::infinity()),
             Eigen::VectorXd::Constant(outputs, -std::numeric_limits<double>::infinity())},
        lowest(static_cast<std::size_t>(outputs), -1),
        highest(static_cast<std::size_t>(outputs), -1) {}

  // outputs: output_size x batch; column k is the output at point first + k.
  void add(const Batch<double>& outputs, Index first) {
    for (Index i = 0; i < outputs.rows(); ++i) {
      Index at = 0;
      if (const double v = outputs.row(i).minCoeff(&at); v < hull.lower[i]) {
        hull.lower[i] = v;
        lowest[static_cast<std::size_t>(i)] = first + at;
      }
      if (const double v = outputs.row(i).maxCoeff(&at); v > hull.upper[i]) {
        hull.upper[i] = v;
        highest[static_cast<std::size_t>(i)] = first + at;
      }
    }
  }
  // Widens the hull only (points found by the ascent are not starts of a later phase).
  void widen(const Batch<double>& outputs) {
    hull.lower = hull.lower.cwiseMin(outputs.rowwise().minCoeff());
    hull.upper = hull.upper.cwiseMax(outputs.rowwise().maxCoeff());
  }
};

// The centre, the vertices when few enough, and options.samples uniform points of the box.
std::vector<Eigen::VectorXd> sample_points(const Box& input, const Options& options) {
  std::vector<Index> free;
  for (Index i = 0; i < input.size(); ++i)
    if (input.lower[i] < input.upper[i]) free.push_back(i);
  const Eigen::VectorXd centre = input.lower + (input.upper - input.lower) * 0.5;

  std::vector<Eigen::VectorXd> points{centre};
  if (free.size() <= static_cast<std::size_t>(SampleMethod::kMaxVertexDimensions)) {
    for (std::uint64_t corner = 0; corner < (std::uint64_t{1} << free.size()); ++corner) {
      Eigen::VectorXd v = centre;
      for (std::size_t k = 0; k < free.size(); ++k)
        v[free[k]] = (corner >> k) & 1 ? input.upper[free[k]] : input.lower[free[k]];
      points.push_back(std::move(v));
    }
  }
  std::mt19937_64 rng(options.seed);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  for (std::int64_t s = 0; s < options.samples; ++s) {
    Eigen::VectorXd v = centre;
    for (Index i : free)
      v[i] = std::clamp(input.lower[i] + unit(rng) * (input.upper[i] - input.lower[i]), input.lower[i], input.upper[i]);
    points.push_back(std::move(v));
  }
  return points;
}

double sign(double g) { return g > 0 ? 1.0 : g < 0 ? -1.0 : 0.0; }  // 0 for 0 and NaN

// Ascends y_i for the columns in [first, first + count) of the ascent list, where column 2i
// maximises output i and column 2i + 1 minimises it, each from the sample that did best so far.
void ascend(const model::Network& network, const Box& input, const std::vector<Eigen::VectorXd>& points,
            Index first, Index count, Extremes& extremes) {
  const Eigen::VectorXd width = input.upper - input.lower;
  Batch<double> x(input.size(), count);
  Batch<double> direction = Batch<double>::Zero(network.output_size(), count);
  for (Index c = 0; c < count; ++c) {
    const Index column = first + c, output = column / 2;
    const bool maximise = column % 2 == 0;
    const Index best = (maximise ? extremes.highest : extremes.lowest)[static_cast<std::size_t>(output)];
    x.col(c) = points[static_cast<std::size_t>(std::max<Index>(best, 0))];  // the centre if all were NaN
    direction(output, c) = maximise ? 1.0 : -1.0;
  }
  for (int t = 0; t < kAscentSteps; ++t) {
    const grad::Tape tape = grad::record(network, x);
    extremes.widen(tape.value(network.output()));
    const Batch<double> gradient = grad::input_gradient(network, tape, direction);
    const Eigen::VectorXd step = width * step_fraction(t);
    for (Index c = 0; c < count; ++c)
      for (Index j = 0; j < x.rows(); ++j)
        x(j, c) = std::clamp(x(j, c) + step[j] * sign(gradient(j, c)), input.lower[j], input.upper[j]);
  }
  extremes.widen(model::forward<double>(network, x));
}

}  // namespace

std::vector<std::string_view> SampleMethod::refused_kinds() const { return {}; }

Result SampleMethod::propagate(const model::Network& network, const Box& input, const Options& options) const {
  const std::vector<Eigen::VectorXd> points = sample_points(input, options);
  Extremes extremes(network.output_size());
  for (std::size_t start = 0; start < points.size(); start += kBatch) {
    const std::size_t count = std::min(kBatch, points.size() - start);
    Batch<double> batch(input.size(), static_cast<Index>(count));
    for (std::size_t k = 0; k < count; ++k) batch.col(static_cast<Index>(k)) = points[start + k];
    extremes.add(model::forward<double>(network, batch), static_cast<Index>(start));
  }

  // Gradient ascent moves nothing when the box is a point.
  if ((input.lower.array() < input.upper.array()).any()) {
    const Index columns = 2 * network.output_size();
    for (Index first = 0; first < columns; first += static_cast<Index>(kBatch))
      ascend(network, input, points, first, std::min(static_cast<Index>(kBatch), columns - first), extremes);
  }
  return Result{extremes.hull, false};
}

}  // namespace certnn::bounds
