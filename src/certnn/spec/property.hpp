// A verification property in disjunctive normal form, as VNN-LIB states it: the property is
// violated ("sat") exactly when some input x inside some disjunct's box makes all of that
// disjunct's output constraints hold.
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <vector>

#include "certnn/core/interval.hpp"

namespace certnn::spec {

// coefficients · y ≤ bound over the network outputs y. The bound is an interval because a decimal
// constant such as 0.1 has no exact double: a proof of unsat uses bound.hi (the larger unsafe
// set), a counterexample must satisfy the constraint with bound.lo.
struct OutputConstraint {
  Eigen::VectorXd coefficients;
  Interval bound;
};

struct Disjunct {
  // Input box, rounded outward where the file's constants are not doubles.
  Eigen::VectorXd input_lower, input_upper;
  // Conjunction; empty means every output is unsafe.
  std::vector<OutputConstraint> output;
};

struct Property {
  std::int64_t input_count = 0, output_count = 0;
  std::vector<Disjunct> disjuncts;  // infeasible conjunctions (an empty input box) are dropped
};

}  // namespace certnn::spec
