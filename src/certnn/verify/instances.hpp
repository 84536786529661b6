// VNN-COMP benchmark lists: instances.csv (rows onnx,vnnlib,timeout; no header) and a table of
// expected answers (header onnx,vnnlib,expected; sat or unsat). Reading only: running the
// instances is the suite command's business.
#pragma once

#include <compare>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "certnn/verify/verifier.hpp"

namespace certnn::verify {

struct Instance {
  std::string onnx, vnnlib;  // as written in the file (relative to the benchmark's root folder)
  double timeout_seconds = 0;
  int line = 0;              // where the row stands in its file (1-based)
};

// Rows of an instances file; blank lines (trailing ones included) are skipped, CRLF line ends
// and spaces around fields accepted. Throws certnn::ParseError naming source:line for a row
// without exactly three fields, an empty path, or a timeout that is not a positive finite number
// of seconds, and for a file without rows.
std::vector<Instance> parse_instances(std::string_view text, const std::string& source);
std::vector<Instance> read_instances(const std::string& path);  // gzip-compressed files accepted

// A path named in an instances file: absolute paths unchanged, others taken under root.
std::string instance_path(const std::string& root, const std::string& path);

// An instance as its two paths are written; the key of the expected answers.
struct InstanceKey {
  std::string onnx, vnnlib;
  auto operator<=>(const InstanceKey&) const = default;
};

using ExpectedAnswers = std::map<InstanceKey, Verdict>;  // Verdict::Sat or Verdict::Unsat

// Rows onnx,vnnlib,expected under an optional header line of exactly those names. Throws
// certnn::ParseError naming source:line for a row without three fields, an answer other than sat
// or unsat, or a second answer for the same pair.
ExpectedAnswers parse_expected(std::string_view text, const std::string& source);
ExpectedAnswers read_expected(const std::string& path);

}  // namespace certnn::verify
