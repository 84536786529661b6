// Proofs for conjunctions by a non-negative combination of their constraints: an input satisfying
// every a_k·y ≤ b_k satisfies Σ λ_k a_k·y ≤ Σ λ_k b_k for any λ ≥ 0, so a lower bound of the
// combined objective above the combined threshold proves the conjunction infeasible, even where no
// single constraint (and no fixed sum) is. The bound is concave in λ; λ is raised by projected
// supergradient steps on the simplex, the supergradient being each constraint's value at the
// relaxed network's minimising input (bounds::bound_gradient). λ is kept on a grid of 2^-12 so
// that the combined coefficients are computed exactly (checked; else that λ proves nothing).
#pragma once

#include <vector>

#include "certnn/bounds/back_substitution.hpp"
#include "certnn/verify/problem.hpp"

namespace certnn::verify {

// True when some combination of the listed constraints is proved infeasible over the region.
bool combination_proves(const model::Network& network, const bounds::Region& region, const Group& group,
                        const std::vector<Eigen::Index>& constraints, int iterations);

}  // namespace certnn::verify
