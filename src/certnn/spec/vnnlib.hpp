// Reader of VNN-LIB properties as the VNN-COMP benchmarks write them: declare-const of X_i and
// Y_i (Real), assert with <=, >=, <, >, = between linear terms (+, -, * by a constant) of the
// variables and constants, and, or. Strict and non-strict comparisons are read alike (closed
// sets), as the competition does. Errors name file, line and column.
#pragma once

#include <string>
#include <string_view>

#include "certnn/spec/property.hpp"

namespace certnn::spec {

// Parses VNN-LIB text; `source` names it in error messages. Throws certnn::ParseError.
Property parse_vnnlib(std::string_view text, const std::string& source);

// Reads a .vnnlib file (gzip-compressed files accepted) and parses it.
Property read_vnnlib(const std::string& path);

}  // namespace certnn::spec
