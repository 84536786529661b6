// The small linear programs of exact sub-box decisions (verify/activation_patterns.hpp):
//   t* = min over x in [lower, upper] of max_i (G x − h)_i.
// t* ≤ 0 exactly when some x of the box satisfies every G_i x ≤ h_i, and then x* is one; by LP
// duality t* = max over weights w ≥ 0, Σw = 1, of min over the box of w·(G x − h), so when the
// system is infeasible the optimal weights certify it: any w whose box minimum is positive is a
// Farkas certificate, which a rigorous method can re-check.
//
// Solved in float64 by the primal simplex method on a dense tableau (Dantzig's rule for the first
// pivots, then Bland's, so it cannot cycle); the sizes it is meant for (a handful of variables, a
// few dozen rows) make anything cleverer pointless. Nothing here is rigorous: callers verify what they use.
#pragma once

#include <Eigen/Core>
#include <optional>

namespace certnn::verify {

struct MinimaxSolution {
  double value = 0.0;       // t* of the rows scaled to unit size: the sign of t*
  Eigen::VectorXd point;    // x*, in the box
  Eigen::VectorXd weights;  // w: optimal dual weights, ≥ 0 and summing to 1
};

// Nothing when the data are not finite, the box is empty or the simplex does not settle.
std::optional<MinimaxSolution> solve_minimax(const Eigen::MatrixXd& g, const Eigen::VectorXd& h,
                                             const Eigen::VectorXd& lower, const Eigen::VectorXd& upper);

}  // namespace certnn::verify
