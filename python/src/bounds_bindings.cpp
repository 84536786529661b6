// Output bounds over input sets, as `certnn bounds` computes them: the same method registry, the
// same sets (bounds::linf_ball for a ball clipped to the domain, explicit boxes as given) and the
// same bounds::Options, so a binding call and the CLI give bit-identical bounds.
#include <pybind11/stl.h>

#include "bindings.hpp"
#include "certnn/bounds/method.hpp"
#include "conversions.hpp"
#include "errors.hpp"
#include "interruption.hpp"

namespace certnn::python {
namespace py = pybind11;
namespace {

template <class Choice>
Choice choose(const std::string& option, const std::string& value,
              std::initializer_list<std::pair<const char*, Choice>> choices) {
  std::string known;
  for (const auto& [name, choice] : choices) {
    if (value == name) return choice;
    known += (known.empty() ? "" : ", ") + std::string(name);
  }
  throw InvalidArgument(option + " must be one of " + known + "; got '" + value + "'");
}

bounds::Options options_of(std::int64_t samples, std::uint64_t seed, const std::string& inference,
                           const std::string& relu_slope, std::int64_t max_symbols, const std::string& strategy,
                           std::int64_t max_width) {
  if (samples < 0) throw InvalidArgument("samples must be >= 0");
  if (max_symbols <= 0) throw InvalidArgument("max_symbols must be > 0");
  if (max_width <= 0) throw InvalidArgument("max_width must be > 0");
  bounds::Options options;
  options.samples = samples;
  options.seed = seed;
  options.inference =
      choose<bounds::Inference>("inference", inference, {{"exact", bounds::Inference::Exact}, {"float32", bounds::Inference::Float32}});
  options.relu_slope = choose<bounds::relax::ReluSlope>("relu_slope", relu_slope,
                              {{"minimal-area", bounds::relax::ReluSlope::MinimalArea},
                               {"smoothed", bounds::relax::ReluSlope::Smoothed}});
  options.max_noise_symbols = max_symbols;
  options.doubleton_strategy = choose<bounds::DoubletonStrategy>("strategy", strategy,
                                      {{"identity", bounds::DoubletonStrategy::Identity},
                                       {"qr", bounds::DoubletonStrategy::Qr},
                                       {"qr-pivoted", bounds::DoubletonStrategy::QrPivoted}});
  options.doubleton_max_width = max_width;
  return options;
}

// Bounds every box with the method: one call without a thread of its own (the per-call cost
// matters for small networks), several on the interruptible worker, stopping between boxes.
py::tuple propagate_all(const model::Network& network, const bounds::Method& method, const std::vector<bounds::Box>& boxes,
                        const bounds::Options& options) {
  const auto outputs = static_cast<Eigen::Index>(network.output_size());
  const auto count = static_cast<Eigen::Index>(boxes.size());
  struct Bounds {
    ColumnMajor<double> lower, upper;
    bool sound = true;
  };
  auto work = [&](const std::atomic<bool>* stop) {
    Bounds out{ColumnMajor<double>(outputs, count), ColumnMajor<double>(outputs, count), true};
    for (Eigen::Index b = 0; b < count; ++b) {
      if (stop && stop->load()) throw Stopped{};
      const bounds::Result result = method.propagate(network, boxes[static_cast<std::size_t>(b)], options);
      out.lower.col(b) = result.output.lower;
      out.upper.col(b) = result.output.upper;
      out.sound = out.sound && result.sound;
    }
    return out;
  };
  Bounds found;
  if (count <= 1) {
    const py::gil_scoped_release release;
    found = work(nullptr);
  } else {
    found = run_interruptible([&](const std::atomic<bool>& stop) { return work(&stop); });
  }
  return py::make_tuple(rows_array(std::move(found.lower)), rows_array(std::move(found.upper)), found.sound);
}

std::unique_ptr<bounds::Method> checked_method(const model::Network& network, const std::string& name) {
  auto method = as_argument_check([&] { return bounds::make_method(name); });
  method->check(network);
  return method;
}

}  // namespace

void register_bounds(py::module_& m) {
  m.def(
      "ball_bounds",
      [](const model::Network& network, const RowsArray<double>& centres, double eps,
         const std::optional<std::pair<double, double>>& domain, const std::string& method, std::int64_t samples,
         std::uint64_t seed, const std::string& inference, const std::string& relu_slope, std::int64_t max_symbols,
         const std::string& strategy, std::int64_t max_width) {
        const auto chosen = checked_method(network, method);
        const bounds::Options options =
            options_of(samples, seed, inference, relu_slope, max_symbols, strategy, max_width);
        const auto columns = columns_of(centres, network.input_size(), "bounds");
        const auto clip = domain_of(domain);
        std::vector<bounds::Box> boxes;
        for (Eigen::Index r = 0; r < columns.cols(); ++r) {
          try {
            boxes.push_back(bounds::linf_ball(row_of(columns, r), eps, clip));
          } catch (const Error& e) {
            throw InvalidArgument("input " + std::to_string(r) + ": " + e.what());
          }
        }
        return propagate_all(network, *chosen, boxes, options);
      },
      py::arg("network"), py::arg("centres"), py::arg("eps"), py::arg("domain"), py::arg("method"), py::arg("samples"),
      py::arg("seed"), py::arg("inference"), py::arg("relu_slope"), py::arg("max_symbols"), py::arg("strategy"),
      py::arg("max_width"), "(lower, upper, sound): bounds over the L-inf balls around the rows, clipped to the domain.");
  m.def(
      "box_bounds",
      [](const model::Network& network, const RowsArray<double>& lower, const RowsArray<double>& upper,
         const std::string& method, std::int64_t samples, std::uint64_t seed, const std::string& inference,
         const std::string& relu_slope, std::int64_t max_symbols, const std::string& strategy, std::int64_t max_width) {
        const auto chosen = checked_method(network, method);
        const bounds::Options options =
            options_of(samples, seed, inference, relu_slope, max_symbols, strategy, max_width);
        const auto lo = columns_of(lower, network.input_size(), "lower");
        const auto hi = columns_of(upper, network.input_size(), "upper");
        if (lo.cols() != hi.cols()) throw py::value_error("lower and upper hold different numbers of boxes");
        std::vector<bounds::Box> boxes;
        for (Eigen::Index r = 0; r < lo.cols(); ++r) {
          bounds::Box box{row_of(lo, r), row_of(hi, r)};
          for (Eigen::Index i = 0; i < box.size(); ++i)
            if (!(box.lower[i] <= box.upper[i]))
              throw InvalidArgument("box " + std::to_string(r) + ": upper end " + std::to_string(i) +
                                    " lies below the lower end (or is NaN)");
          boxes.push_back(std::move(box));
        }
        return propagate_all(network, *chosen, boxes, options);
      },
      py::arg("network"), py::arg("lower"), py::arg("upper"), py::arg("method"), py::arg("samples"), py::arg("seed"),
      py::arg("inference"), py::arg("relu_slope"), py::arg("max_symbols"), py::arg("strategy"), py::arg("max_width"),
      "(lower, upper, sound): bounds over explicit boxes, one per row of lower and upper.");
}

}  // namespace certnn::python
