// The invariants of a parsed spec::Property, shared by the plain and gzip VNN-LIB harnesses.
#pragma once

#include <cstddef>

#include "certnn/spec/property.hpp"
#include "fuzz_support.hpp"

namespace certnn::fuzz {

inline void check_property(const spec::Property& property) {
  CERTNN_FUZZ_CHECK(property.input_count >= 0 && property.output_count >= 0);
  for (const spec::Disjunct& disjunct : property.disjuncts) {
    CERTNN_FUZZ_CHECK(disjunct.input_lower.size() == property.input_count);
    CERTNN_FUZZ_CHECK(disjunct.input_upper.size() == property.input_count);
    // Infeasible conjunctions are dropped, so every kept box is non-empty (and NaN-free).
    CERTNN_FUZZ_CHECK((disjunct.input_lower.array() <= disjunct.input_upper.array()).all());
    for (const spec::OutputConstraint& constraint : disjunct.output) {
      CERTNN_FUZZ_CHECK(constraint.coefficients.size() == property.output_count);
      CERTNN_FUZZ_CHECK(constraint.bound.lo <= constraint.bound.hi);
    }
  }
}

}  // namespace certnn::fuzz
