// numpy <-> Eigen for the bindings. The library's batches (model::Batch) hold one input per
// column, column-major; a C-contiguous numpy array of shape (n, d) has exactly that memory
// layout, so rows of inputs are read through a map and outputs are handed to numpy without a
// copy (the array owns the Eigen matrix through a capsule).
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <Eigen/Core>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace certnn::python {

namespace py = pybind11;

// forcecast: the Python layer has already chosen the dtype; this only guarantees the layout.
template <class T>
using RowsArray = py::array_t<T, py::array::c_style | py::array::forcecast>;

template <class T>
using ColumnMajor = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>;

// The (n, width) array as the width x n matrix of one input per column, without copying.
template <class T>
Eigen::Map<const ColumnMajor<T>> columns_of(const RowsArray<T>& rows, std::int64_t width, const char* what) {
  if (rows.ndim() != 2 || rows.shape(1) != width)
    throw py::value_error(std::string(what) + ": expected an array of shape (n, " + std::to_string(width) + ")");
  return {rows.data(), static_cast<Eigen::Index>(width), static_cast<Eigen::Index>(rows.shape(0))};
}

// Row r of an (n, width) array as a vector (a copy: the library's boxes own their vectors).
template <class T>
Eigen::VectorXd row_of(const Eigen::Map<const ColumnMajor<T>>& columns, Eigen::Index r) {
  return columns.col(r).template cast<double>();
}

// The width x n matrix as an (n, width) array that takes the matrix's memory over.
template <class T>
py::array_t<T> rows_array(ColumnMajor<T>&& columns) {
  const auto n = static_cast<py::ssize_t>(columns.cols()), width = static_cast<py::ssize_t>(columns.rows());
  if (columns.size() == 0) return py::array_t<T>({n, width});
  auto* owned = new ColumnMajor<T>(std::move(columns));
  py::capsule owner(owned, [](void* p) { delete static_cast<ColumnMajor<T>*>(p); });
  return py::array_t<T>({n, width}, {static_cast<py::ssize_t>(sizeof(T)) * width, static_cast<py::ssize_t>(sizeof(T))},
                        owned->data(), owner);
}

inline py::array_t<double> vector_array(const Eigen::VectorXd& v) {
  py::array_t<double> out(v.size());
  std::copy(v.data(), v.data() + v.size(), out.mutable_data());
  return out;
}

template <class T>
py::array_t<T> vector_array(const std::vector<T>& v) {
  py::array_t<T> out(static_cast<py::ssize_t>(v.size()));
  std::copy(v.begin(), v.end(), out.mutable_data());
  return out;
}

}  // namespace certnn::python
