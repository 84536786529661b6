#include "errors.hpp"

#include "bindings.hpp"
#include "certnn/train/monitor.hpp"

namespace certnn::python {
namespace py = pybind11;
namespace {

// Owned by the module for the life of the process (an extension module is never unloaded).
PyObject* error_type = nullptr;
PyObject* parse_error_type = nullptr;
PyObject* shape_error_type = nullptr;
PyObject* unsupported_type = nullptr;
PyObject* diverged_type = nullptr;
PyObject* invalid_argument_type = nullptr;

PyObject* add_exception(py::module_& m, const char* name, const char* doc, py::tuple bases) {
  PyObject* type = PyErr_NewExceptionWithDoc((std::string("certnn.") + name).c_str(), doc, bases.ptr(), nullptr);
  if (!type) throw py::error_already_set();
  m.add_object(name, py::handle(type));
  return type;
}

}  // namespace

void register_errors(py::module_& m) {
  error_type = add_exception(m, "Error", "A failure the library reports: its message names the file, node or setting.",
                             py::make_tuple(py::handle(PyExc_Exception)));
  const py::handle error(error_type), value_error(PyExc_ValueError);
  parse_error_type =
      add_exception(m, "ParseError", "A malformed input file (VNN-LIB, CSV, ONNX): the message names file and place.",
                    py::make_tuple(error));
  shape_error_type = add_exception(m, "ShapeError", "Sizes or shapes that do not fit the model (also a ValueError).",
                                   py::make_tuple(error, value_error));
  unsupported_type = add_exception(
      m, "Unsupported", "A layer or ONNX operator a method or the importer does not handle; names method, kind and node.",
      py::make_tuple(error));
  diverged_type = add_exception(m, "TrainingDiverged",
                                "Training stopped: the loss or gradient norm left the finite range or exploded.",
                                py::make_tuple(error));
  invalid_argument_type = add_exception(
      m, "InvalidArgument", "An argument the library refuses (unknown method, option out of range); also a ValueError.",
      py::make_tuple(error, value_error));

  py::register_exception_translator([](std::exception_ptr failure) {
    try {
      if (failure) std::rethrow_exception(failure);
    } catch (const InvalidArgument& e) {
      PyErr_SetString(invalid_argument_type, e.what());
    } catch (const ParseError& e) {
      PyErr_SetString(parse_error_type, e.what());
    } catch (const ShapeError& e) {
      PyErr_SetString(shape_error_type, e.what());
    } catch (const Unsupported& e) {
      PyErr_SetString(unsupported_type, e.what());
    } catch (const train::TrainingDiverged& e) {
      PyErr_SetString(diverged_type, e.what());
    } catch (const Error& e) {
      PyErr_SetString(error_type, e.what());
    }
  });
}

}  // namespace certnn::python
