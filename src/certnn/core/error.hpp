// The error hierarchy: every failure a user can cause is a certnn::Error whose message names
// the thing and the place (file, node, line); the CLI prints it as one line and exits 1.
#pragma once

#include <stdexcept>
#include <string>

namespace certnn {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A method or importer meets something it does not handle: names method/op, kind and node.
class Unsupported : public Error {
 public:
  using Error::Error;
};

// Malformed input file: message carries the file and, where known, line and column.
class ParseError : public Error {
 public:
  using Error::Error;
};

// Tensor shapes that do not fit together (a layer and its inputs, an input file and a model).
class ShapeError : public Error {
 public:
  using Error::Error;
};

}  // namespace certnn
