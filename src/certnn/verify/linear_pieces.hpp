// Exact decisions on boxes by the network's linear pieces (the star sets of nnenum, Bak et al.
// 2020). With the sign of every ReLU fixed, a piecewise-linear network is affine in its input, so
// a box falls into convex pieces on each of which every value is an affine form of x, and "some
// input of the piece satisfies the disjunct" is a linear program in x alone.
//
// The pieces are enumerated layer by layer. Each neuron that the region's enclosures leave
// unstable is decided over the current piece: by its form's range over the box where that keeps
// one sign, else by two LPs (is z ≥ 0 feasible? is z ≤ 0?), and the piece is cut in two only
// where both are; a neuron one LP rules out takes the other sign, so
// later layers see exact forms instead of relaxations compounded over layers. Near a decision
// surface, the neurons a piece's own geometry crosses are far fewer than the ones a relaxation
// leaves open.
//
// Nothing rests on the LPs' word. Every value is carried as an affine form of x with a rigorous
// error radius (verify/enclosed_forms.hpp), and a sign is ruled out, or a piece proved for a
// disjunct, only when the LP's dual weights pass the Farkas check there, whose slacks cover the
// radii and whose sums are rounded outward. An LP point of a piece that satisfies the disjunct is
// a candidate counterexample for verify/witness.hpp.
#pragma once

#include <optional>

#include "certnn/bounds/region.hpp"
#include "certnn/model/network.hpp"
#include "certnn/verify/problem.hpp"
#include "certnn/verify/search.hpp"
#include "certnn/verify/verifier.hpp"

namespace certnn::verify {

// Closes each open disjunct proved infeasible on every piece of the region; returns a confirmed
// counterexample when a piece's LP point is one. Leaves everything open after `max_lps` LPs, and
// on networks with layers the enclosed forms do not pass (FormCalculus::supports).
std::optional<Witness> decide_by_linear_pieces(const model::Network& network, const bounds::Region& region,
                                               const Group& group, int max_lps, OpenDisjuncts& open);

}  // namespace certnn::verify
