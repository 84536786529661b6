// certnn._certnn.Network: loading (ONNX file or bytes), shapes, layers, forward passes in float64
// and float32, predictions, and ONNX export. The Python class certnn.Network wraps it.
#include <pybind11/stl.h>

#include "bindings.hpp"
#include "certnn/attack/prediction.hpp"
#include "certnn/core/error.hpp"
#include "certnn/model/forward.hpp"
#include "certnn/onnx/exporter.hpp"
#include "certnn/onnx/importer.hpp"
#include "conversions.hpp"
#include "errors.hpp"

namespace certnn::python {
namespace py = pybind11;
namespace {

template <class T>
py::array_t<T> forward_rows(const model::Network& network, const RowsArray<T>& rows) {
  const auto columns = columns_of(rows, network.input_size(), "forward");
  ColumnMajor<T> outputs;
  {
    const py::gil_scoped_release release;
    // forward() takes a matrix, so the mapped rows are copied once here.
    outputs = model::forward<T>(network, ColumnMajor<T>(columns));
  }
  return rows_array(std::move(outputs));
}

py::list layers_of(const model::Network& network) {
  py::list layers;
  for (const model::Node& node : network.nodes())
    layers.append(py::dict(py::arg("name") = node.name, py::arg("kind") = std::string(model::kind_name(node.op)),
                           py::arg("shape") = py::tuple(py::cast(node.output_shape)),
                           py::arg("parameters") = model::parameter_count(node.op)));
  return layers;
}

}  // namespace

std::optional<bounds::Domain> domain_of(const std::optional<std::pair<double, double>>& range) {
  if (!range) return std::nullopt;
  if (!(range->first <= range->second))
    throw InvalidArgument("the domain (lo, hi) needs lo <= hi, got (" + std::to_string(range->first) + ", " +
                          std::to_string(range->second) + ")");
  return bounds::Domain{range->first, range->second};
}

void register_network(py::module_& m) {
  py::class_<model::Network, NetworkPtr>(m, "Network", "A network loaded into the library (see certnn.Network).")
      .def_static(
          "load", [](const std::string& path) { return NetworkPtr(std::make_shared<model::Network>(onnx::import_model(path))); },
          py::arg("path"), "Imports an ONNX file.")
      .def_static(
          "from_bytes",
          [](const py::bytes& data, const std::string& source) {
            std::string bytes = data;
            return NetworkPtr(std::make_shared<model::Network>(onnx::import_model_bytes(bytes, source)));
          },
          py::arg("data"), py::arg("source") = "<bytes>", "Imports an ONNX model held in memory; source names it in messages.")
      .def_property_readonly("input_shape", [](const model::Network& n) { return py::tuple(py::cast(n.input_shape())); })
      .def_property_readonly("output_shape", [](const model::Network& n) { return py::tuple(py::cast(n.shape(n.output()))); })
      .def_property_readonly("input_name", &model::Network::input_name)
      .def_property_readonly("input_size", &model::Network::input_size)
      .def_property_readonly("output_size", &model::Network::output_size)
      .def_property_readonly("parameter_count", [](const model::Network& n) { return model::parameter_count(n); })
      .def_property_readonly("layers", &layers_of)
      .def("forward_float64", &forward_rows<double>, py::arg("rows"))
      .def("forward_float32", &forward_rows<float>, py::arg("rows"))
      .def(
          "predict",
          [](const model::Network& network, const RowsArray<double>& rows) {
            const auto columns = columns_of(rows, network.input_size(), "predict");
            std::vector<std::int64_t> classes;
            {
              const py::gil_scoped_release release;
              classes = attack::predict(network, Eigen::MatrixXd(columns));
            }
            return vector_array(classes);
          },
          py::arg("rows"))
      .def("to_bytes", [](const model::Network& network) { return py::bytes(onnx::export_model_bytes(network)); })
      .def(
          "save", [](const model::Network& network, const std::string& path) { onnx::export_model(network, path); },
          py::arg("path"));
}

}  // namespace certnn::python
