#include "certnn/report/gate.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "certnn/attack/radius.hpp"
#include "certnn/core/error.hpp"
#include "certnn/core/real_text.hpp"
#include "certnn/stability/gradient_check.hpp"
#include "certnn/stability/layer_stability.hpp"
#include "certnn/stability/lipschitz_upper.hpp"
#include "certnn/train/robust_evaluation.hpp"

namespace certnn::report {
namespace {

// The first n samples of a dataset, n capped by its size.
Eigen::Index first(const data::Dataset& test, std::optional<std::int64_t> limit) {
  return limit ? std::min<Eigen::Index>(test.size(), *limit) : test.size();
}

double median(std::vector<double> values) {
  if (values.empty()) return 0.0;
  const std::size_t mid = values.size() / 2;
  std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(mid), values.end());
  const double upper = values[mid];
  if (values.size() % 2 == 1) return upper;
  return 0.5 * (*std::max_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(mid)) + upper);
}

class Judge {
 public:
  explicit Judge(GateOutcome& outcome) : outcome_(outcome) {}

  void at_most(std::string name, std::optional<double> value, double threshold, std::string detail) {
    add(std::move(name), value, threshold, value && *value <= threshold, std::move(detail));
  }
  void at_least(std::string name, std::optional<double> value, double threshold, std::string detail) {
    add(std::move(name), value, threshold, value && *value >= threshold, std::move(detail));
  }
  void unrun(std::string name, double threshold, std::string why) {
    add(std::move(name), std::nullopt, threshold, false, std::move(why));
  }

 private:
  void add(std::string name, std::optional<double> value, double threshold, bool passed, std::string detail) {
    outcome_.checks.push_back({std::move(name), value, threshold, passed, std::move(detail)});
  }
  GateOutcome& outcome_;
};

}  // namespace

bool GateOutcome::passed() const {
  return !stopped && std::all_of(checks.begin(), checks.end(), [](const CheckOutcome& c) { return c.passed; });
}

GateOutcome run_gate(const model::Network& network, const std::vector<std::string>& non_finite,
                     const data::Dataset* test, const Policy& policy, const GateOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  const PolicyChecks& want = policy.checks;
  const bool needs_data = want.needs_data();
  if (needs_data && test == nullptr) throw Error("check: the policy's data checks need a dataset");
  if (needs_data && test->size() == 0) throw Error("check: the test split of " + policy.data + " is empty");
  const auto step = [&](const std::string& what) {
    if (options.progress) options.progress(what);
  };
  const auto stopped = [&] { return options.stop && options.stop->load(); };

  GateOutcome outcome;
  Judge judge(outcome);
  const std::string damaged = "not run: the model holds non-finite weights";
  if (want.finite_weights) {
    std::string listed;
    for (const auto& tensor : non_finite) listed += (listed.empty() ? "" : ", ") + tensor;
    judge.at_most("finite_weights", static_cast<double>(non_finite.size()), 0.0,
                  non_finite.empty() ? "every parameter is finite" : "non-finite: " + listed);
  }
  const bool runnable = non_finite.empty();
  const Eigen::Index samples = needs_data ? first(*test, policy.limit) : 0;
  outcome.samples = samples;

  if (want.gradient_check) {
    if (!runnable) {
      judge.unrun("gradient_check", policy.gradient_tolerance, damaged);
    } else {
      step("gradient check");
      stability::GradientCheckOptions settings;
      settings.tolerance = policy.gradient_tolerance;
      settings.seed = policy.seed;
      const Eigen::Index columns = std::min<Eigen::Index>(samples, 8);
      const auto report = stability::check_gradients(network, test->inputs.leftCols(columns), settings);
      const auto& worst = report.worst();
      judge.at_most("gradient_check", report.max_relative_error(), policy.gradient_tolerance,
                    "largest relative error of analytic against finite-difference gradients, at " +
                        std::to_string(columns) + " test inputs (worst: " + worst.name + ")");
    }
  }

  if (want.max_condition_number || want.max_lipschitz_upper) {
    std::vector<stability::LayerStability> layers;
    if (runnable) {
      step("spectral norms and condition numbers");
      layers = stability::layer_stabilities(network);
    }
    if (want.max_condition_number) {
      if (!runnable) {
        judge.unrun("max_condition_number", *want.max_condition_number, damaged);
      } else {
        std::optional<double> largest;
        std::string where;
        for (const auto& layer : layers)
          if (layer.condition_number && (!largest || *layer.condition_number > *largest)) {
            largest = layer.condition_number;
            where = layer.name;
          }
        if (largest) {
          judge.at_most("max_condition_number", *largest, *want.max_condition_number,
                        "largest condition number of a layer (" + where + ")");
        } else {
          judge.at_most("max_condition_number", 1.0, *want.max_condition_number,
                        "no layer has a condition number (no linear layer): 1 taken");
        }
      }
    }
    if (want.max_lipschitz_upper) {
      if (!runnable) {
        judge.unrun("max_lipschitz_upper", *want.max_lipschitz_upper, damaged);
      } else {
        judge.at_most("max_lipschitz_upper", stability::lipschitz_upper(network, layers).output,
                      *want.max_lipschitz_upper, "rigorous upper bound of the global L2 Lipschitz constant");
      }
    }
  }

  const bool accuracy = want.min_clean_accuracy || want.min_pgd_accuracy || want.min_certified_accuracy;
  if (accuracy && runnable && !stopped()) {
    step("clean, PGD and certified accuracy on " + std::to_string(samples) + " test samples");
    train::RobustEvaluationOptions settings;
    settings.norm = policy.norm;
    settings.eps = policy.eps.value_or(0.0);
    settings.method = policy.method;
    settings.limit = samples;
    settings.stop = options.stop;
    if (want.min_pgd_accuracy) {
      attack::Options attack;
      attack.steps = policy.steps;
      attack.restarts = policy.restarts;
      attack.seed = policy.seed;
      settings.attack = attack;
    }
    const train::RobustEvaluation r = train::evaluate_robustness(network, *test, settings);
    if (r.samples < r.requested) outcome.stopped = true;
    const std::string over = " over " + std::to_string(r.samples) + " test samples";
    const std::string ball = std::string(policy.norm == attack::Norm::L2 ? "L2" : "Linf") + " eps " +
                             format_real(settings.eps);
    if (want.min_clean_accuracy)
      judge.at_least("min_clean_accuracy", r.clean_accuracy(), *want.min_clean_accuracy, "accuracy" + over);
    if (want.min_pgd_accuracy)
      judge.at_least("min_pgd_accuracy", r.pgd_accuracy(), *want.min_pgd_accuracy,
                     "accuracy under PGD (" + ball + ", " + std::to_string(policy.steps) + " steps)" + over);
    if (want.min_certified_accuracy)
      judge.at_least("min_certified_accuracy", r.certified_accuracy(), *want.min_certified_accuracy,
                     "certified accuracy (" + ball + ", " +
                         (policy.norm == attack::Norm::L2 ? std::string("global Lipschitz bound") : policy.method) +
                         ")" + over);
  } else if (accuracy) {
    const std::string why = runnable ? "not run: stopped" : damaged;
    if (want.min_clean_accuracy) judge.unrun("min_clean_accuracy", *want.min_clean_accuracy, why);
    if (want.min_pgd_accuracy) judge.unrun("min_pgd_accuracy", *want.min_pgd_accuracy, why);
    if (want.min_certified_accuracy) judge.unrun("min_certified_accuracy", *want.min_certified_accuracy, why);
  }

  if (want.min_median_certified_radius) {
    const double threshold = *want.min_median_certified_radius;
    if (!runnable) {
      judge.unrun("min_median_certified_radius", threshold, damaged);
    } else {
      attack::RadiusOptions settings;
      settings.method = policy.method;
      settings.attack.norm = policy.norm;
      settings.attack.domain = bounds::Domain{0.0, 1.0};  // as the accuracy checks' balls
      const Eigen::Index n = std::min<Eigen::Index>(samples, policy.radius_limit);
      std::vector<double> radii;
      for (Eigen::Index s = 0; s < n && !stopped(); ++s) {
        step("certified radius of test sample " + std::to_string(s + 1) + "/" + std::to_string(n));
        // A misclassified sample has no certified ball: it counts as radius 0.
        radii.push_back(attack::certified_radius(network, test->inputs.col(s), test->labels[s], settings));
      }
      if (static_cast<Eigen::Index>(radii.size()) < n) {
        outcome.stopped = true;
        judge.unrun("min_median_certified_radius", threshold, "not run: stopped");
      } else {
        judge.at_least("min_median_certified_radius", median(radii), threshold,
                       "median over " + std::to_string(n) + " test samples of the " + policy.method +
                           "-certified Linf radius (0 where misclassified" +
                           (policy.norm == attack::Norm::L2 ? "; the Linf ball holds the L2 ball of the same radius)"
                                                            : ")"));
      }
    }
  }
  if (stopped()) outcome.stopped = true;
  outcome.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return outcome;
}

}  // namespace certnn::report
