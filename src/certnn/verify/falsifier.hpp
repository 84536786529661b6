// The falsifier: a search for counterexamples before (and beside) branch-and-bound. Random points
// of the box, then projected gradient descent (signed steps, L∞ geometry, shrinking step size)
// on the smallest disjunct excess max_k (a_k·y − b_k) from the most promising of them. Every
// candidate goes through confirm_witness; only confirmed points are returned.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <random>

#include "certnn/model/network.hpp"
#include "certnn/verify/deadline.hpp"
#include "certnn/verify/problem.hpp"
#include "certnn/verify/verifier.hpp"

namespace certnn::verify {

struct FalsifierSettings {
  int random_points = 4096;
  int steps = 100;
  // Descents from the best random points: as many as fit starts × steps × parameters ≤ work
  // (about 150 on ACAS Xu, a few on a 784-256x6 MNIST network; at least one, at most max_starts).
  double work = 2e8;
  int max_starts = 256;
  std::uint64_t seed = 0;
  // SamplingRounds: once a search has run this long, rounds of this many fresh random points take
  // up to this share of its wall time (on one worker, while the others go on). Counterexamples
  // confined to a small part of the box (some of ACAS Xu's) turn up among a few hundred thousand
  // to a million random points, but that many would slow down every instance that a short search
  // settles anyway. Descents are left out of the rounds: from random points they found none of
  // those counterexamples, at ten times the cost of the sampling. An eighth: the exact linear
  // pieces of input splitting find most such counterexamples themselves, and on ACAS Xu's longest
  // unsat instance a half took about a quarter of the CPU time.
  double rounds_after_seconds = 1.0;
  int round_points = 65536;
  double rounds_share = 0.125;
};

std::optional<Witness> falsify(const model::Network& network, const Group& group, const FalsifierSettings& settings,
                               const Deadline& deadline);

// Further falsification beside a long input-splitting search: the search's workers call
// maybe_run between sub-problems, and one of them at a time runs a round when sampling is due.
class SamplingRounds {
 public:
  SamplingRounds(const model::Network& network, const Group& group, FalsifierSettings settings);
  std::optional<Witness> maybe_run();

 private:
  const model::Network& network_;
  const Group& group_;
  FalsifierSettings settings_;
  std::mutex mutex_;
  std::mt19937_64 rng_;
  Clock::time_point start_;
  double spent_ = 0.0;  // seconds spent in rounds
};

// Projected descent from the columns of x within `box` (a sub-box of the group's) for `steps`
// steps, confirming candidates on the way.
std::optional<Witness> descend(const model::Network& network, const Group& group, const bounds::Box& box,
                               Eigen::MatrixXd x, int steps, const Deadline& deadline);

// Confirms the best of the given candidate points (columns), in order of their float64 excess.
std::optional<Witness> try_candidates(const model::Network& network, const Group& group,
                                      const Eigen::MatrixXd& points);

}  // namespace certnn::verify
