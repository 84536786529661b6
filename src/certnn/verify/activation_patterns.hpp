// Exact decisions on sub-problems where few ReLUs are unstable. Over a region whose unstable
// neurons are few, the network is affine in the input x and the outputs a of those neurons, and
// the triangle relaxation of each (a ≥ leak·z, a ≥ z, a below the chord over [l, u]) makes
// "some input satisfies the disjunct a_c·y ≤ b_c" a small linear program (verify/minimax_lp.hpp,
// the Planet relaxation). Fixing a neuron's sign replaces its triangle by the exact line and the
// sign row ∓z ≤ 0; with every sign fixed the LP is exact. The search fixes signs one neuron at a
// time (the one whose relaxation weighs most in the LP's certificate) until each branch is
// proved or a fully fixed branch is feasible.
//
// A branch is proved rigorously, never on the LP's word: its dual weights give the combination
// of the constraints, the β of the fixed neurons and the lower slope α of each free neuron, and
// one back-substitution with them (bounds/back_substitution.hpp) must clear the combined
// threshold. A feasible fully fixed branch's LP point is a candidate counterexample, confirmed
// only by verify/witness.hpp.
//
// This settles the boxes input splitting keeps halving near the decision surface, where the
// relaxation of the last few unstable neurons is all that keeps them open.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "certnn/bounds/region.hpp"
#include "certnn/model/network.hpp"
#include "certnn/verify/problem.hpp"
#include "certnn/verify/search.hpp"
#include "certnn/verify/verifier.hpp"

namespace certnn::verify {

struct Neuron {
  std::int32_t node;  // the ReLU-like node
  Eigen::Index index;
};

// The unsplit ReLU-like neurons whose pre-activation box crosses 0, in node order; nothing when
// there are more than `limit`.
std::optional<std::vector<Neuron>> unstable_neurons(const model::Network& network, const bounds::Region& region,
                                                    std::size_t limit);

// Closes each open disjunct proved infeasible on the region; returns a confirmed counterexample
// when a fully fixed branch's LP point is one. Branches with more than `max_unstable` unstable
// neurons are left undecided, as is everything after `max_lps` LPs, and networks with layers that
// are neither affine nor ReLU-like.
std::optional<Witness> decide_by_patterns(const model::Network& network, const bounds::Region& region,
                                          const Group& group, std::size_t max_unstable, int max_lps,
                                          OpenDisjuncts& open);

}  // namespace certnn::verify
