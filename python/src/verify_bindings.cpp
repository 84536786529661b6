// Complete verification of a VNN-LIB property, as `certnn verify`: the verifier runs on the
// interruptible worker with its stop flag, so Ctrl-C ends the search (as its time limit would)
// and KeyboardInterrupt reaches Python.
#include <pybind11/stl.h>

#include <cmath>

#include "bindings.hpp"
#include "certnn/core/thread_limit.hpp"
#include "certnn/spec/vnnlib.hpp"
#include "certnn/verify/verifier.hpp"
#include "conversions.hpp"
#include "errors.hpp"
#include "interruption.hpp"

namespace certnn::python {
namespace py = pybind11;
namespace {

py::dict run_verify(const model::Network& network, const spec::Property& property, double timeout, int threads,
                    const std::string& splitting, std::uint64_t seed) {
  if (!(timeout > 0 && std::isfinite(timeout))) throw InvalidArgument("timeout must be a number of seconds > 0");
  if (threads < 1 || threads > kMaxThreads)
    throw InvalidArgument("threads must be a whole number from 1 to " + std::to_string(kMaxThreads));
  verify::Settings settings;
  settings.timeout_seconds = timeout;
  settings.threads = threads;
  settings.seed = seed;
  if (splitting == "auto") {
    settings.splitting = verify::Splitting::Automatic;
  } else if (splitting == "input") {
    settings.splitting = verify::Splitting::Input;
  } else if (splitting == "relu") {
    settings.splitting = verify::Splitting::Relu;
  } else {
    throw InvalidArgument("splitting must be 'auto', 'input' or 'relu'; got '" + splitting + "'");
  }
  const verify::Outcome outcome = run_interruptible([&](const std::atomic<bool>& stop) {
    verify::Settings run = settings;
    run.stop = &stop;
    return verify::verify(network, property, run);
  });
  const bool sat = outcome.verdict == verify::Verdict::Sat;
  return py::dict(py::arg("result") = std::string(verify::verdict_name(outcome.verdict)),
                  py::arg("seconds") = outcome.seconds, py::arg("subproblems") = outcome.statistics.subproblems,
                  py::arg("witness") = sat ? py::object(vector_array(outcome.witness.input)) : py::object(py::none()),
                  py::arg("witness_output") =
                      sat ? py::object(vector_array(outcome.witness.output)) : py::object(py::none()),
                  py::arg("message") = outcome.message);
}

}  // namespace

void register_verify(py::module_& m) {
  py::class_<spec::Property, std::shared_ptr<spec::Property>>(m, "Property", "A VNN-LIB property in disjunctive normal form.")
      .def_static(
          "load", [](const std::string& path) { return std::make_shared<spec::Property>(spec::read_vnnlib(path)); },
          py::arg("path"), "Reads a .vnnlib or .vnnlib.gz file.")
      .def_static(
          "parse",
          [](const std::string& text, const std::string& source) {
            return std::make_shared<spec::Property>(spec::parse_vnnlib(text, source));
          },
          py::arg("text"), py::arg("source") = "<text>", "Parses VNN-LIB text; source names it in messages.")
      .def_readonly("input_count", &spec::Property::input_count)
      .def_readonly("output_count", &spec::Property::output_count)
      .def_property_readonly("disjunct_count", [](const spec::Property& p) { return p.disjuncts.size(); })
      .def(
          "input_box",
          [](const spec::Property& p, std::size_t disjunct) {
            if (disjunct >= p.disjuncts.size()) throw py::index_error("no disjunct " + std::to_string(disjunct));
            return py::make_tuple(vector_array(p.disjuncts[disjunct].input_lower),
                                  vector_array(p.disjuncts[disjunct].input_upper));
          },
          py::arg("disjunct") = 0, "(lower, upper) of a disjunct's input box.")
      .def(
          "constraints",
          [](const spec::Property& p, std::size_t disjunct) {
            if (disjunct >= p.disjuncts.size()) throw py::index_error("no disjunct " + std::to_string(disjunct));
            py::list out;
            for (const spec::OutputConstraint& c : p.disjuncts[disjunct].output)
              out.append(py::make_tuple(vector_array(c.coefficients), c.bound.lo, c.bound.hi));
            return out;
          },
          py::arg("disjunct") = 0,
          "The disjunct's output constraints as (a, lo, hi): a . y <= b with b enclosed by [lo, hi].");
  m.def("verify", &run_verify, py::arg("network"), py::arg("property"), py::arg("timeout"), py::arg("threads"),
        py::arg("splitting"), py::arg("seed"),
        "Decides the property: result, seconds, subproblems, witness (input and output, sat only), message.");
}

}  // namespace certnn::python
