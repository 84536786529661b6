// A property regrouped for verification: disjuncts sharing one input box form a Group, whose
// output constraints are the columns of one objective matrix, so one bound computation serves
// them all. The property is violated on a group's box exactly when some disjunct of the group has
// all of its constraints a·y ≤ b satisfied at some input of the box.
#pragma once

#include <Eigen/Core>
#include <optional>
#include <vector>

#include "certnn/bounds/box.hpp"
#include "certnn/spec/property.hpp"

namespace certnn::verify {

struct Group {
  bounds::Box box;
  Eigen::MatrixXd coefficients;      // output_size x constraints: the a of each constraint
  Eigen::VectorXd bound_hi, bound_lo;  // per constraint: b (proofs use hi, witnesses lo)
  std::vector<std::vector<Eigen::Index>> disjuncts;  // the constraint indices of each disjunct
  // Sums of constraints of one disjunct (every pair, and all of them): an input satisfying the
  // disjunct satisfies Σ a_k·y ≤ Σ b_k, so a lower bound of the sum above Σ b_k.hi proves the
  // disjunct infeasible even where no single constraint is. Only sums exact in float64 are kept.
  Eigen::MatrixXd sums;
  Eigen::VectorXd sum_bound_hi;
  std::vector<Eigen::Index> sum_disjunct;

  Eigen::Index constraint_count() const { return coefficients.cols(); }
};

// Σ w_k a_k over the listed constraints (weights ≥ 0, zero weights skipped) and an upper bound of
// Σ w_k b_k.hi: an input satisfying the constraints satisfies (Σ w_k a_k)·y ≤ Σ w_k b_k. Nothing
// when a product or sum of coefficients rounds (the rounded objective would be another one) or
// every weight is zero.
struct Combination {
  Eigen::VectorXd coefficients;
  double bound_hi = 0.0;
};
std::optional<Combination> exact_combination(const Group& group, const std::vector<Eigen::Index>& constraints,
                                             const Eigen::VectorXd& weights);

// The objectives of a proof: the constraints' coefficients, then the sums.
Eigen::MatrixXd proof_objectives(const Group& group);

// Throws certnn::Error when an input of a disjunct is unbounded (branch-and-bound needs a box).
std::vector<Group> group_disjuncts(const spec::Property& property);

// Per disjunct, its worst constraint's excess over the witness threshold, max_k (a_k·y − b_k.lo),
// for each column of outputs (output_size x batch): disjuncts x batch. ≤ 0 means violated in
// float64 (a candidate counterexample, to be confirmed rigorously).
Eigen::MatrixXd disjunct_excess(const Group& group, const Eigen::MatrixXd& outputs);

}  // namespace certnn::verify
