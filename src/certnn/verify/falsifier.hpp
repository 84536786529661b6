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
  int random_points = 2048;
  int starts = 32;     // gradient descents from the best random points (plus the box centre)
  int steps = 60;
  std::uint64_t seed = 0;
};

std::optional<Witness> falsify(const model::Network& network, const Group& group, const FalsifierSettings& settings,
                               Clock::time_point deadline);

// Confirms the best of the given candidate points (columns), in order of their float64 excess.
std::optional<Witness> try_candidates(const model::Network& network, const Group& group,
                                      const Eigen::MatrixXd& points);

}  // namespace certnn::verify
