// VNN-COMP result files: the verdict on the first line and, for `sat`, the counterexample as
// `(X_i value)` and `(Y_j value)` entries. Values are written as the shortest decimal that reads
// back to the same double, so a witness survives the file bit for bit.
#pragma once

#include <Eigen/Core>
#include <string>
#include <string_view>

namespace certnn::spec {

struct Result {
  std::string verdict;    // "sat", "unsat", "timeout", "unknown" or "error"
  Eigen::VectorXd input;  // the counterexample's X (sat only; empty otherwise)
  Eigen::VectorXd output; // its Y (sat only; may be empty when a file gives only X)
};

// The file text:
//   sat            or   unsat / timeout / unknown / error
//   (
//   (X_0 0.5)
//   (Y_0 2)
//   )
// Throws certnn::Error for a verdict outside the five, a sat result without input values, or a
// witness on any other verdict.
std::string format_result(const Result& result);

// Reads result text back; `source` names it in error messages (source:line:column). Accepts the
// variants VNN-COMP tools write: `holds` / `violated` for unsat / sat, the witness wrapped in one
// pair of parentheses or not, entries separated by any whitespace and in any order, CRLF line
// ends. Every X_0..X_{n-1} must appear exactly once (likewise Y, which may be absent altogether).
// Throws certnn::ParseError.
Result parse_result(std::string_view text, const std::string& source);

// parse_result of a file (gzip-compressed files accepted).
Result read_result(const std::string& path);

// Writes format_result(result) to path; throws certnn::Error naming the path when it cannot.
void write_result(const Result& result, const std::string& path);

}  // namespace certnn::spec
