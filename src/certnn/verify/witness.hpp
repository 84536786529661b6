// The check every counterexample passes before `sat` is reported (DESIGN §4): the point lies in
// the group's box, and for some disjunct every constraint a·y ≤ b.lo holds for the exact
// real-arithmetic output y = f(x), enclosed by interval propagation of the point (rounded
// outward) and summed with upward rounding. A float64 evaluation alone could be fooled by
// rounding on the boundary; this check cannot.
#pragma once

#include <Eigen/Core>
#include <optional>

#include "certnn/model/network.hpp"
#include "certnn/verify/problem.hpp"
#include "certnn/verify/verifier.hpp"

namespace certnn::verify {

std::optional<Witness> confirm_witness(const model::Network& network, const Group& group, const Eigen::VectorXd& x);

}  // namespace certnn::verify
