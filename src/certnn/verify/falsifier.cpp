#include "certnn/verify/falsifier.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

#include "certnn/grad/backward.hpp"
#include "certnn/grad/tape.hpp"
#include "certnn/verify/witness.hpp"

namespace certnn::verify {
namespace {

using Eigen::Index;
using Eigen::MatrixXd;

// Columns ordered by their smallest disjunct excess (most violating first).
std::vector<Index> by_excess(const MatrixXd& excess) {
  std::vector<Index> order(static_cast<std::size_t>(excess.cols()));
  std::iota(order.begin(), order.end(), Index{0});
  const Eigen::RowVectorXd best = excess.colwise().minCoeff();
  std::stable_sort(order.begin(), order.end(), [&](Index a, Index b) { return best[a] < best[b]; });
  return order;
}

std::optional<Witness> confirm_violating(const model::Network& network, const Group& group, const MatrixXd& points,
                                         const MatrixXd& excess) {
  for (Index s : by_excess(excess)) {
    if (!(excess.col(s).minCoeff() <= 0.0)) break;
    if (auto witness = confirm_witness(network, group, points.col(s))) return witness;
  }
  return std::nullopt;
}

// disjunct_excess of the points' outputs, evaluated a few hundred columns at a time: the values
// of a small batch stay in cache, which makes a large sample several times faster to evaluate.
MatrixXd excess_in_chunks(const model::Network& network, const Group& group, const MatrixXd& points) {
  constexpr Index kChunk = 256;
  MatrixXd excess(static_cast<Index>(group.disjuncts.size()), points.cols());
  for (Index first = 0; first < points.cols(); first += kChunk) {
    const Index count = std::min(kChunk, points.cols() - first);
    excess.middleCols(first, count) =
        disjunct_excess(group, model::forward<double>(network, MatrixXd(points.middleCols(first, count))));
  }
  return excess;
}

// `count` random points of the group's box (its centre first when `with_centre`), and their
// disjunct excess.
std::pair<MatrixXd, MatrixXd> sample(const model::Network& network, const Group& group, Index count, bool with_centre,
                                     std::mt19937_64& rng) {
  const bounds::Box& box = group.box;
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  MatrixXd points(box.size(), count + (with_centre ? 1 : 0));
  Index first = 0;
  if (with_centre) points.col(first++) = 0.5 * (box.lower + box.upper);
  for (Index s = first; s < points.cols(); ++s)
    for (Index j = 0; j < box.size(); ++j) points(j, s) = box.lower[j] + unit(rng) * (box.upper[j] - box.lower[j]);
  points = points.cwiseMax(box.lower.replicate(1, points.cols())).cwiseMin(box.upper.replicate(1, points.cols()));
  MatrixXd excess = excess_in_chunks(network, group, points);
  return {std::move(points), std::move(excess)};
}

}  // namespace

std::optional<Witness> try_candidates(const model::Network& network, const Group& group, const MatrixXd& points) {
  const MatrixXd outputs = model::forward<double>(network, points);
  return confirm_violating(network, group, points, disjunct_excess(group, outputs));
}

std::optional<Witness> descend(const model::Network& network, const Group& group, const bounds::Box& box,
                               MatrixXd x, int steps, const Deadline& deadline) {
  const Index starts = x.cols();
  const Eigen::VectorXd width = box.upper - box.lower;
  for (int t = 0; t < steps && !deadline.passed(); ++t) {
    const grad::Tape tape = grad::record(network, x);
    const MatrixXd& outputs = tape.value(network.output());
    const MatrixXd values = group.coefficients.transpose() * outputs;
    const MatrixXd excess = disjunct_excess(group, outputs);
    if (auto witness = confirm_violating(network, group, x, excess)) return witness;
    // Descend on the worst constraint of the most nearly violated disjunct of each point.
    MatrixXd cotangent = MatrixXd::Zero(outputs.rows(), starts);
    for (Index s = 0; s < starts; ++s) {
      Index d = 0;
      excess.col(s).minCoeff(&d);
      Index worst = -1;
      for (Index c : group.disjuncts[d])
        if (worst < 0 || values(c, s) - group.bound_lo[c] > values(worst, s) - group.bound_lo[worst]) worst = c;
      if (worst >= 0) cotangent.col(s) = group.coefficients.col(worst);
    }
    const MatrixXd gradient = grad::input_gradient(network, tape, cotangent);
    const double step = 0.25 * std::pow(0.02, static_cast<double>(t) / std::max(1, steps - 1));
    x -= ((gradient.array().sign().colwise() * width.array()) * step).matrix();
    x = x.cwiseMax(box.lower.replicate(1, starts)).cwiseMin(box.upper.replicate(1, starts));
  }
  return try_candidates(network, group, x);
}

std::optional<Witness> falsify(const model::Network& network, const Group& group, const FalsifierSettings& settings,
                               const Deadline& deadline) {
  std::mt19937_64 rng(settings.seed);
  const auto [points, excess] = sample(network, group, settings.random_points, true, rng);
  if (auto witness = confirm_violating(network, group, points, excess)) return witness;
  // As many descents from the most promising points as the budget allows for this network's size.
  const double cost = static_cast<double>(std::max<std::int64_t>(1, model::parameter_count(network))) * settings.steps;
  const Index most = std::min<Index>(settings.max_starts, points.cols());
  const Index starts = std::clamp<Index>(static_cast<Index>(settings.work / cost), 1, most);
  const std::vector<Index> order = by_excess(excess);
  MatrixXd x(points.rows(), starts);
  for (Index s = 0; s < starts; ++s) x.col(s) = points.col(order[s]);
  return descend(network, group, group.box, std::move(x), settings.steps, deadline);
}

SamplingRounds::SamplingRounds(const model::Network& network, const Group& group, FalsifierSettings settings)
    : network_(network), group_(group), settings_(settings), rng_(settings.seed + 1), start_(Clock::now()) {}

std::optional<Witness> SamplingRounds::maybe_run() {
  std::unique_lock lock(mutex_, std::try_to_lock);
  if (!lock.owns_lock()) return std::nullopt;
  const Clock::time_point now = Clock::now();
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  if (elapsed < settings_.rounds_after_seconds || spent_ > settings_.rounds_share * elapsed) return std::nullopt;
  const auto [points, excess] = sample(network_, group_, settings_.round_points, false, rng_);
  spent_ += std::chrono::duration<double>(Clock::now() - now).count();
  return confirm_violating(network_, group_, points, excess);
}

}  // namespace certnn::verify
