// Attacks, robustness radii and stability diagnostics, with the library calls and settings of
// `certnn attack`, `certnn radius` and `certnn stability`.
#include <pybind11/stl.h>

#include <chrono>
#include <cmath>
#include <limits>

#include "bindings.hpp"
#include "certnn/attack/class_labels.hpp"
#include "certnn/attack/fgsm.hpp"
#include "certnn/attack/pgd.hpp"
#include "certnn/attack/radius.hpp"
#include "certnn/bounds/box.hpp"
#include "certnn/stability/layer_stability.hpp"
#include "certnn/stability/lipschitz_lower.hpp"
#include "certnn/stability/lipschitz_upper.hpp"
#include "certnn/stability/local_lipschitz.hpp"
#include "conversions.hpp"
#include "errors.hpp"
#include "interruption.hpp"

namespace certnn::python {
namespace py = pybind11;
namespace {

using LabelsArray = py::array_t<std::int64_t, py::array::c_style | py::array::forcecast>;

attack::Norm norm_named(const std::string& norm) {
  if (norm == "linf" || norm == "inf") return attack::Norm::Linf;
  if (norm == "l2" || norm == "2") return attack::Norm::L2;
  throw InvalidArgument("norm must be 'linf' or 'l2' ('inf' and '2' are read alike); got '" + norm + "'");
}

std::vector<std::int64_t> labels_of(const LabelsArray& labels, Eigen::Index count) {
  if (labels.ndim() != 1 || labels.shape(0) != count)
    throw py::value_error("labels: expected one class per input (" + std::to_string(count) + "), got " +
                          std::to_string(labels.size()));
  return {labels.data(), labels.data() + labels.size()};
}

py::dict run_attack(const model::Network& network, const RowsArray<double>& rows, const LabelsArray& label_array,
                    const std::string& method, const std::string& norm, double eps, int steps, int restarts,
                    std::optional<double> step_size, const std::string& schedule, const std::string& loss,
                    std::optional<std::int64_t> target, const std::optional<std::pair<double, double>>& domain,
                    std::uint64_t seed) {
  if (method != "pgd" && method != "fgsm") throw InvalidArgument("method must be 'pgd' or 'fgsm'; got '" + method + "'");
  attack::Options options;
  options.norm = norm_named(norm);
  options.eps = eps;
  options.steps = steps;
  options.restarts = restarts;
  options.step_size = step_size;
  if (schedule == "constant") {
    options.schedule = attack::StepSchedule::Constant;
  } else if (schedule == "step") {
    options.schedule = attack::StepSchedule::StepDecay;
  } else if (schedule == "cosine") {
    options.schedule = attack::StepSchedule::Cosine;
  } else {
    throw InvalidArgument("schedule must be 'constant', 'step' or 'cosine'; got '" + schedule + "'");
  }
  if (loss != "ce" && loss != "margin") throw InvalidArgument("loss must be 'ce' or 'margin'; got '" + loss + "'");
  options.loss = loss == "margin" ? attack::LossKind::Margin : attack::LossKind::CrossEntropy;
  options.target = target;
  options.domain = domain_of(domain);
  options.seed = seed;
  as_argument_check([&] { attack::check_options(options, network); });
  const auto columns = columns_of(rows, network.input_size(), "attack");
  const std::vector<std::int64_t> labels = labels_of(label_array, columns.cols());
  const Eigen::MatrixXd inputs = columns;
  std::vector<attack::Outcome> outcomes;
  {
    const py::gil_scoped_release release;
    outcomes = as_argument_check([&] {
      return method == "fgsm" ? attack::fgsm(network, inputs, labels, options) : attack::pgd(network, inputs, labels, options);
    });
  }
  const auto count = static_cast<Eigen::Index>(outcomes.size());
  ColumnMajor<double> points(network.input_size(), count);
  std::vector<std::uint8_t> success(outcomes.size());
  std::vector<std::int64_t> clean(outcomes.size()), adversarial(outcomes.size());
  std::vector<double> norms(outcomes.size()), margins(outcomes.size());
  for (std::size_t s = 0; s < outcomes.size(); ++s) {
    points.col(static_cast<Eigen::Index>(s)) = outcomes[s].point;
    success[s] = outcomes[s].success;
    clean[s] = outcomes[s].clean_label;
    adversarial[s] = outcomes[s].adversarial_label;
    norms[s] = outcomes[s].norm;
    margins[s] = outcomes[s].goal_margin;
  }
  return py::dict(py::arg("success") = vector_array(success).attr("astype")("bool"),
                  py::arg("clean_label") = vector_array(clean), py::arg("adversarial_label") = vector_array(adversarial),
                  py::arg("point") = rows_array(std::move(points)), py::arg("norm") = vector_array(norms),
                  py::arg("goal_margin") = vector_array(margins));
}

py::dict run_radius(const model::Network& network, const RowsArray<double>& rows, const LabelsArray& label_array,
                    const std::string& method, const std::string& norm, const std::optional<std::pair<double, double>>& domain,
                    std::optional<double> max_eps, double tolerance, int steps, int restarts, bool every_target,
                    std::uint64_t seed) {
  attack::RadiusOptions options;
  options.method = method;
  options.attack.norm = norm_named(norm);
  options.attack.steps = steps;
  options.attack.restarts = restarts;
  options.attack.loss = attack::LossKind::Margin;
  options.attack.domain = domain_of(domain);
  options.attack.seed = seed;
  options.every_target = every_target;
  options.max_eps = max_eps;
  options.relative_tolerance = tolerance;
  // Every refusal before any work, as the CLI does.
  const auto sound = as_argument_check([&] { return bounds::make_sound_method(options.method, "radius"); });
  sound->check(network);
  as_argument_check([&] { attack::check_options(options.attack, network); });
  if (!options.attack.domain && !options.max_eps) throw InvalidArgument("radius: with domain=None, give max_eps");
  if (max_eps && !(*max_eps > 0 && std::isfinite(*max_eps))) throw InvalidArgument("radius: max_eps must be a number > 0");
  if (!(tolerance >= 1e-12 && tolerance < 1.0)) throw InvalidArgument("radius: tolerance must lie in [1e-12, 1)");
  const auto columns = columns_of(rows, network.input_size(), "radius");
  const std::vector<std::int64_t> labels = labels_of(label_array, columns.cols());
  const Eigen::Index count = columns.cols();

  struct Radii {
    std::vector<double> certified, attacked;
    ColumnMajor<double> adversarial;
  };
  Radii radii = run_interruptible([&](const std::atomic<bool>& stop) {
    const double none = std::numeric_limits<double>::quiet_NaN();
    Radii out{{}, {}, ColumnMajor<double>::Constant(network.input_size(), count, none)};
    for (Eigen::Index r = 0; r < count; ++r) {
      if (stop.load()) throw Stopped{};
      const attack::Radius radius = as_argument_check(
          [&] { return attack::robustness_radius(network, row_of(columns, r), labels[static_cast<std::size_t>(r)], options); });
      out.certified.push_back(radius.certified);
      out.attacked.push_back(radius.attacked.value_or(none));
      if (radius.adversarial) out.adversarial.col(r) = *radius.adversarial;
    }
    return out;
  });
  return py::dict(py::arg("certified") = vector_array(radii.certified), py::arg("attacked") = vector_array(radii.attacked),
                  py::arg("adversarial") = rows_array(std::move(radii.adversarial)));
}

py::object number_or_none(std::optional<double> value) {
  if (!value || !std::isfinite(*value)) return py::none();
  return py::float_(*value);
}

py::dict run_stability(const model::Network& network, const std::optional<RowsArray<double>>& rows, double eps,
                       double threshold, std::int64_t samples, std::uint64_t seed,
                       const std::optional<std::pair<double, double>>& domain) {
  if (!(eps >= 0 && std::isfinite(eps))) throw InvalidArgument("eps must be a finite number >= 0");
  if (!(threshold > 0)) throw InvalidArgument("threshold must be a number > 0");
  if (samples < 1 || samples > 1000000) throw InvalidArgument("samples must lie in 1..1000000");
  const auto range = domain_of(domain);
  Eigen::MatrixXd centres;  // one row per input, as the CLI reads them
  if (rows) {
    centres = columns_of(*rows, network.input_size(), "stability").transpose();
    stability::check_local_lipschitz(network);
  }
  std::vector<bounds::Box> regions;
  for (Eigen::Index r = 0; r < centres.rows(); ++r)
    regions.push_back(as_argument_check([&] { return bounds::linf_ball(centres.row(r).transpose(), eps, std::nullopt); }));
  if (regions.empty()) {
    if (!range) throw InvalidArgument("domain=None leaves nothing to sample: give a domain (lo, hi) or inputs");
    regions.push_back({Eigen::VectorXd::Constant(network.input_size(), range->lower),
                       Eigen::VectorXd::Constant(network.input_size(), range->upper)});
  }
  stability::StabilityOptions options;
  options.ill_conditioned_threshold = threshold;
  options.spectral.seed = seed;
  stability::LowerBoundOptions lower_options;
  lower_options.samples = samples;
  lower_options.seed = seed;

  const auto start = std::chrono::steady_clock::now();
  std::vector<stability::LayerStability> layers;
  stability::LipschitzUpper upper;
  stability::LipschitzLower lower;
  std::vector<double> local;
  {
    const py::gil_scoped_release release;
    layers = stability::layer_stabilities(network, options);
    upper = stability::lipschitz_upper(network, layers, options);
    lower = stability::lipschitz_lower(network, regions, lower_options);
    // Local bounds, capped by the global one (also an upper bound on any box).
    for (Eigen::Index r = 0; r < centres.rows(); ++r)
      local.push_back(std::min(upper.output, stability::local_lipschitz_upper(network, regions[static_cast<std::size_t>(r)],
                                                                              options.spectral)));
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  py::list layer_list;
  for (const auto& layer : layers)
    layer_list.append(py::dict(py::arg("name") = layer.name, py::arg("kind") = std::string(layer.kind),
                               py::arg("spectral_norm") = layer.estimate, py::arg("spectral_norm_upper") = layer.upper,
                               py::arg("upper_method") = std::string(layer.upper_method),
                               py::arg("condition_number") = layer.condition_number
                                                                 ? py::object(py::float_(*layer.condition_number))
                                                                 : py::object(py::none()),
                               py::arg("ill_conditioned") = layer.ill_conditioned));
  const double gap =
      lower.value() > 0 ? upper.output / lower.value() : std::numeric_limits<double>::infinity();
  return py::dict(py::arg("layers") = layer_list, py::arg("lipschitz_upper") = upper.output,
                  py::arg("lipschitz_lower") = lower.value(), py::arg("gap") = number_or_none(gap),
                  py::arg("jacobian_norm_max") = lower.jacobian_norm,
                  py::arg("difference_quotient_max") = lower.difference_quotient,
                  py::arg("tightened_chains") = upper.tightened,
                  py::arg("local_lipschitz_upper") = rows ? py::object(vector_array(local)) : py::object(py::none()),
                  py::arg("seconds") = seconds);
}

}  // namespace

void register_analysis(py::module_& m) {
  m.def("attack", &run_attack, py::arg("network"), py::arg("rows"), py::arg("labels"), py::arg("method"), py::arg("norm"),
        py::arg("eps"), py::arg("steps"), py::arg("restarts"), py::arg("step_size"), py::arg("schedule"), py::arg("loss"),
        py::arg("target"), py::arg("domain"), py::arg("seed"),
        "Per-input outcomes of FGSM or PGD (attack/pgd.hpp): success, labels, points, norms, goal margins.");
  m.def("radius", &run_radius, py::arg("network"), py::arg("rows"), py::arg("labels"), py::arg("method"), py::arg("norm"),
        py::arg("domain"), py::arg("max_eps"), py::arg("tolerance"), py::arg("steps"), py::arg("restarts"),
        py::arg("every_target"), py::arg("seed"),
        "Certified and attacked robustness radius per input (attack/radius.hpp); NaN where no attack succeeded.");
  m.def("stability", &run_stability, py::arg("network"), py::arg("rows"), py::arg("eps"), py::arg("threshold"),
        py::arg("samples"), py::arg("seed"), py::arg("domain"),
        "Per-layer spectral norms and condition numbers, global and local Lipschitz bounds (stability/).");
  // The checks of the inputs and labels the attacks and radii are given, with the CLI's messages.
  m.def(
      "check_inside_domain",
      [](const RowsArray<double>& rows, const std::optional<std::pair<double, double>>& domain, const std::string& name) {
        const auto columns = columns_of(rows, rows.ndim() == 2 ? rows.shape(1) : 0, name.c_str());
        as_argument_check([&] { bounds::check_inside_domain(columns, domain_of(domain), name, "give domain=(lo, hi) or domain=None"); });
      },
      py::arg("rows"), py::arg("domain"), py::arg("name"), "InvalidArgument for the first input value outside the domain.");
  m.def(
      "check_class_labels",
      [](const LabelsArray& labels, std::int64_t classes) {
        const std::vector<std::int64_t> values(labels.data(), labels.data() + labels.size());
        as_argument_check([&] { attack::check_class_labels(values, classes, "labels: "); });
      },
      py::arg("labels"), py::arg("classes"), "InvalidArgument for the first label outside the model's classes.");
}

}  // namespace certnn::python
