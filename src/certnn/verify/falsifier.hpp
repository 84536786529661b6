// The falsifier: a search for counterexamples before (and beside) branch-and-bound. Random points
// of the box, then projected gradient descent (signed steps, L∞ geometry, shrinking step size)
// on the smallest disjunct excess max_k (a_k·y − b_k) from the most promising of them. Every
// candidate goes through confirm_witness; only confirmed points are returned.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

#include "certnn/model/network.hpp"
#include "certnn/verify/problem.hpp"
#include "certnn/verify/verifier.hpp"

namespace certnn::verify {

using Clock = std::chrono::steady_clock;

struct FalsifierSettings {
  int random_points = 4096;
  int steps = 100;
  // Descents from the best random points: as many as fit starts × steps × parameters ≤ work
  // (about 150 on ACAS Xu, a few on a 784-256x6 MNIST network; at least one).
  double work = 2e8;
  std::uint64_t seed = 0;
};

std::optional<Witness> falsify(const model::Network& network, const Group& group, const FalsifierSettings& settings,
                               Clock::time_point deadline);

// Projected descent from the columns of x within `box` (a sub-box of the group's) for `steps`
// steps, confirming candidates on the way.
std::optional<Witness> descend(const model::Network& network, const Group& group, const bounds::Box& box,
                               Eigen::MatrixXd x, int steps, Clock::time_point deadline);

// Confirms the best of the given candidate points (columns), in order of their float64 excess.
std::optional<Witness> try_candidates(const model::Network& network, const Group& group,
                                      const Eigen::MatrixXd& points);

}  // namespace certnn::verify
