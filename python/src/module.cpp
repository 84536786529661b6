// certnn._certnn: the bindings over libcertnn that the pure-Python package certnn wraps (argument
// shapes, defaults and result objects live there; every computation is the library's).
#include <pybind11/stl.h>

#include "bindings.hpp"
#include "certnn/bounds/method.hpp"
#include "certnn/data/datasets.hpp"
#include "certnn/model/layers.hpp"
#include "certnn/onnx/importer.hpp"

namespace certnn::python {
namespace py = pybind11;
namespace {

py::list method_list() {
  py::list methods;
  for (const bounds::MethodInfo& info : bounds::method_registry()) {
    py::list refused;
    for (const std::string_view kind : info.make()->refused_kinds()) refused.append(std::string(kind));
    methods.append(py::dict(py::arg("name") = std::string(info.name), py::arg("sound") = info.sound,
                            py::arg("summary") = std::string(info.summary), py::arg("refused_kinds") = refused));
  }
  return methods;
}

}  // namespace

}  // namespace certnn::python

PYBIND11_MODULE(_certnn, m) {
  namespace py = pybind11;
  using namespace certnn::python;
  m.doc() = "Bindings over libcertnn; use the package certnn, which wraps them.";
  m.attr("__version__") = CERTNN_VERSION;
  register_errors(m);
  register_network(m);
  register_bounds(m);
  register_analysis(m);
  register_verify(m);
  register_train(m);
  m.def("methods", &method_list, "The bound methods of the registry: name, sound, summary, refused_kinds.");
  m.def(
      "layer_kinds",
      [] {
        std::vector<std::string> kinds;
        for (const auto kind : certnn::model::all_kind_names()) kinds.emplace_back(kind);
        return kinds;
      },
      "The layer kinds of the network IR.");
  m.def("onnx_operators", &certnn::onnx::supported_operators, "The ONNX operators the importer accepts.");
  m.def("dataset_names", &certnn::data::dataset_names, "The dataset names train() knows besides file paths.");
}
