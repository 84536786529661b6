// The parts of the module certnn._certnn, one file each; module.cpp calls them in this order.
#pragma once

#include <pybind11/pybind11.h>

#include <memory>
#include <optional>
#include <utility>

#include "certnn/bounds/box.hpp"
#include "certnn/model/network.hpp"

namespace certnn::python {

// The networks the bindings pass around. No binding changes a network once loaded, so one object
// may be used from several Python threads at once.
using NetworkPtr = std::shared_ptr<model::Network>;

// Python passes a domain as (lo, hi) or None, as the CLI's --domain LO,HI | none.
std::optional<bounds::Domain> domain_of(const std::optional<std::pair<double, double>>& range);

void register_errors(pybind11::module_& m);
void register_network(pybind11::module_& m);
void register_bounds(pybind11::module_& m);
void register_analysis(pybind11::module_& m);
void register_verify(pybind11::module_& m);
void register_train(pybind11::module_& m);

}  // namespace certnn::python
