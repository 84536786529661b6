#include "certnn/report/stability_report.hpp"

#include <algorithm>
#include <chrono>

#include "certnn/attack/prediction.hpp"
#include "certnn/attack/radius.hpp"
#include "certnn/bounds/method.hpp"
#include "certnn/core/error.hpp"
#include "certnn/stability/lipschitz_lower.hpp"
#include "certnn/stability/lipschitz_upper.hpp"
#include "certnn/train/robust_evaluation.hpp"

namespace certnn::report {

StabilityReportOptions default_report_options(bool quick) {
  StabilityReportOptions options;
  if (quick) {
    options.width_eps = bounds::log_spaced(1e-3, 0.3, 6);
    options.width_centres = 2;
    options.linf_eps = {0.0, 0.02, 0.05, 0.1, 0.2};
    options.l2_eps = {0.0, 0.25, 0.5, 1.0};
    options.samples = 50;
    options.radius_inputs = 10;
    options.steps = 20;
    options.every_target = false;
  } else {
    options.width_eps = bounds::log_spaced(1e-3, 0.3, 12);
    options.linf_eps = {0.0, 0.01, 0.02, 0.05, 0.1, 0.15, 0.2, 0.3};
    options.l2_eps = {0.0, 0.1, 0.25, 0.5, 1.0, 1.5, 2.0};
  }
  return options;
}

StabilityReport measure_stability_report(const model::Network& network, const std::string& model_name,
                                         const data::Dataset& test, const StabilityReportOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  if (test.size() == 0) throw Error("report: the test split of " + test.name + " is empty");
  if (test.inputs.rows() != network.input_size())
    throw ShapeError("report: " + test.name + " has samples of " + std::to_string(test.inputs.rows()) +
                     " values; the model takes " + std::to_string(network.input_size()));
  bounds::make_sound_method(options.method, "report")->check(attack::margin_network(network, 0));
  const auto step = [&](const std::string& what) {
    if (options.progress) options.progress(what);
  };
  const auto stopped = [&] { return options.stop && options.stop->load(); };

  StabilityReport report;
  report.model = model_name;
  report.data = test.name;
  report.input_shape = network.input_shape();
  report.outputs = network.output_size();
  report.parameters = model::parameter_count(network);
  report.layer_count = static_cast<std::int64_t>(network.nodes().size());
  report.method = options.method;
  report.domain = options.domain;

  // Layers and Lipschitz bounds first: they are quick, and they say the most per second.
  step("spectral norms and Lipschitz bounds");
  stability::StabilityOptions stability_options;
  stability_options.spectral.seed = options.seed;
  report.layers = stability::layer_stabilities(network, stability_options);
  report.ill_conditioned_threshold = stability_options.ill_conditioned_threshold;
  report.lipschitz_upper = stability::lipschitz_upper(network, report.layers, stability_options).output;
  const Eigen::Index radius_count = std::min<Eigen::Index>(test.size(), options.radius_inputs);
  std::vector<bounds::Box> regions;
  for (Eigen::Index s = 0; s < std::max<Eigen::Index>(radius_count, 1); ++s)
    regions.push_back(bounds::linf_ball(test.inputs.col(s), 0.01, options.domain));
  stability::LowerBoundOptions lower;
  lower.seed = options.seed;
  report.lipschitz_lower = stability::lipschitz_lower(network, regions, lower).value();

  try {
    const FirstLayerFilters filters = first_layer_filters(network);
    report.filters = StabilityReport::Filters{filters.node->name, std::string(model::kind_name(filters.node->op)),
                                              filters.rows, filters.tile};
  } catch (const Error& e) {
    report.filters_refusal = e.what();
  }
  try {
    report.image = image_shape_of(network.input_shape());
  } catch (const ShapeError&) {
  }

  // Width sweeps over the first centres, of the logits and of the softmax; a method that refuses a
  // network is listed with its reason, not fatal.
  const Eigen::Index centres = std::min<Eigen::Index>(test.size(), options.width_centres);
  report.width_centres = centres;
  const Eigen::MatrixXd centre_rows = test.inputs.leftCols(centres).transpose();
  const auto sweep_over = [&](const model::Network& swept, const std::string& output) {
    std::vector<std::unique_ptr<bounds::Method>> methods;
    std::vector<const bounds::Method*> accepted;
    for (const auto& name : options.width_methods) {
      auto method = bounds::make_method(name);
      try {
        method->check(swept);
      } catch (const Error& e) {
        report.refused.push_back({name, output, e.what()});
        continue;
      }
      accepted.push_back(method.get());
      methods.push_back(std::move(method));
    }
    bounds::WidthSweepOptions sweep;
    sweep.domain = options.domain;
    sweep.bounds.seed = options.seed;
    sweep.stop = options.stop;
    sweep.progress = [&](std::size_t k, const bounds::Method& m, Eigen::Index c) {
      step("bound widths of the " + output + ": eps " + std::to_string(k + 1) + "/" +
           std::to_string(options.width_eps.size()) + ", " + std::string(m.name()) + ", input " +
           std::to_string(c + 1) + "/" + std::to_string(centres));
    };
    // A method can also refuse at bounding time (doubleton on a layer wider than it accepts): it
    // is then dropped from the sweep and listed with its reason.
    while (!accepted.empty() && !stopped()) {
      try {
        report.widths.push_back({output, bounds::width_sweep(swept, accepted, centre_rows, options.width_eps, sweep)});
        return;
      } catch (const Unsupported& e) {
        const std::string message = e.what();
        const auto culprit = std::find_if(accepted.begin(), accepted.end(), [&](const bounds::Method* m) {
          return message.rfind(std::string(m->name()) + ":", 0) == 0;  // refusals start "method:"
        });
        if (culprit == accepted.end()) throw;
        report.refused.push_back({std::string((*culprit)->name()), output, message});
        accepted.erase(culprit);
      }
    }
  };
  sweep_over(network, "logits");
  sweep_over(bounds::with_softmax_output(network), "softmax");

  // Accuracy against ε: one evaluation per point, PGD and certificate as `certnn evaluate`.
  const auto accuracy_curve = [&](attack::Norm norm, const std::vector<double>& eps) {
    for (std::size_t k = 0; k < eps.size() && !stopped(); ++k) {
      train::RobustEvaluationOptions settings;
      settings.norm = norm;
      settings.eps = eps[k];
      settings.method = options.method;
      settings.domain = options.domain;
      settings.limit = options.samples;
      settings.stop = options.stop;
      attack::Options attack;
      attack.steps = options.steps;
      attack.restarts = options.restarts;
      attack.seed = options.seed;
      settings.attack = attack;
      const std::string name = norm == attack::Norm::L2 ? "L2" : "Linf";
      settings.progress = [&](const train::RobustEvaluation& r) {
        step("accuracy: " + name + " eps " + std::to_string(k + 1) + "/" + std::to_string(eps.size()) + ", sample " +
             std::to_string(r.samples) + "/" + std::to_string(r.requested));
      };
      const train::RobustEvaluation r = train::evaluate_robustness(network, test, settings);
      if (r.samples < r.requested) break;
      report.accuracy.push_back({norm, eps[k], r.samples, r.clean_accuracy(), r.pgd_accuracy().value_or(0.0),
                                 r.certified_accuracy(), r.lipschitz_bound});
    }
  };
  accuracy_curve(attack::Norm::Linf, options.linf_eps);
  accuracy_curve(attack::Norm::L2, options.l2_eps);

  // Radius brackets.
  attack::RadiusOptions radius_options;
  radius_options.method = options.method;
  radius_options.attack.steps = options.steps;
  radius_options.attack.restarts = options.restarts;
  radius_options.attack.loss = attack::LossKind::Margin;
  radius_options.attack.domain = options.domain;
  radius_options.attack.seed = options.seed;
  radius_options.every_target = options.every_target;
  radius_options.relative_tolerance = 0.02;
  if (!options.domain) radius_options.max_eps = 1.0;
  for (Eigen::Index s = 0; s < radius_count && !stopped(); ++s) {
    step("radius brackets: input " + std::to_string(s + 1) + "/" + std::to_string(radius_count));
    const std::int64_t label = test.labels[static_cast<std::size_t>(s)];
    const attack::Radius r = attack::robustness_radius(network, test.inputs.col(s), label, radius_options);
    RadiusBracket bracket{s, label, r.certified, r.attacked, std::nullopt, r.adversarial};
    if (r.adversarial) bracket.adversarial_label = attack::predict(network, *r.adversarial).front();
    report.radii.push_back(std::move(bracket));
  }
  report.test_inputs = test.inputs.leftCols(static_cast<Eigen::Index>(report.radii.size()));
  report.stopped = stopped();
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return report;
}

}  // namespace certnn::report
