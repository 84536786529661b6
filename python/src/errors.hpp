// Python exceptions for the library's errors: certnn.Error for certnn::Error and its subclasses
// (ParseError, ShapeError, Unsupported, TrainingDiverged), each carrying the library's one-line
// message. ShapeError and InvalidArgument also derive from ValueError, so callers that catch the
// standard exception for bad arguments catch these too.
#pragma once

#include <pybind11/pybind11.h>

#include "certnn/core/error.hpp"

namespace certnn::python {

// An argument the library refused before doing any work (an unknown method name, an option out
// of range): raised as certnn.InvalidArgument, a ValueError.
class InvalidArgument : public Error {
 public:
  using Error::Error;
};

// Runs `check` and turns any certnn::Error it throws (other than Unsupported, which names a
// layer of the model rather than an argument) into InvalidArgument with the same message.
template <class F>
decltype(auto) as_argument_check(F&& check) {
  try {
    return check();
  } catch (const Unsupported&) {
    throw;
  } catch (const InvalidArgument&) {
    throw;
  } catch (const Error& e) {
    throw InvalidArgument(e.what());
  }
}

}  // namespace certnn::python
