#include "certnn/bounds/slope_optimisation.hpp"

#include <algorithm>
#include <cmath>
#include <optional>
#include <variant>

#include "certnn/bounds/relax/activation_lines.hpp"

namespace certnn::bounds {
namespace {

using namespace certnn::model;
using Eigen::Index;
using Eigen::MatrixXd;
using Eigen::VectorXd;

// The leak of a ReLU-like node whose lower slope is optimisable, or nothing.
std::optional<double> convex_kink_leak(const LayerOp& op) {
  if (std::holds_alternative<Relu>(op)) return 0.0;
  if (const auto* leaky = std::get_if<LeakyRelu>(&op); leaky && leaky->alpha <= 1.0) return leaky->alpha;
  return std::nullopt;
}

// Adam moments of one parameter matrix.
struct Moments {
  MatrixXd first, second;
};

// One projected Adam ascent step on p with gradient g; `project` maps a parameter entry
// (row i, value) into its allowed range.
template <class Project>
void adam_step(MatrixXd& p, const MatrixXd& g, Moments& moments, double step, int t, Project&& project) {
  constexpr double kBeta1 = 0.9, kBeta2 = 0.999, kEpsilon = 1e-8;
  if (moments.first.size() == 0) {
    moments.first = MatrixXd::Zero(p.rows(), p.cols());
    moments.second = MatrixXd::Zero(p.rows(), p.cols());
  }
  const MatrixXd clean = g.unaryExpr([](double x) { return std::isfinite(x) ? x : 0.0; });
  moments.first = kBeta1 * moments.first + (1 - kBeta1) * clean;
  moments.second = kBeta2 * moments.second + (1 - kBeta2) * clean.cwiseAbs2();
  const double c1 = 1 - std::pow(kBeta1, t), c2 = 1 - std::pow(kBeta2, t);
  for (Index o = 0; o < p.cols(); ++o)
    for (Index i = 0; i < p.rows(); ++i) {
      const double update = step * (moments.first(i, o) / c1) / (std::sqrt(moments.second(i, o) / c2) + kEpsilon);
      p(i, o) = project(i, p(i, o) + update);
    }
}

}  // namespace

RelaxationParameters initial_parameters(const Network& network, const Region& region, Index m) {
  const auto& nodes = network.nodes();
  RelaxationParameters parameters;
  parameters.lower_slope.resize(nodes.size());
  parameters.beta.resize(nodes.size());
  for (std::size_t k = 0; k < nodes.size(); ++k) {
    const std::optional<double> leak = convex_kink_leak(nodes[k].op);
    if (!leak) continue;
    const Box& z = region.values[nodes[k].inputs[0]];
    VectorXd adaptive(z.size());
    for (Index i = 0; i < z.size(); ++i)
      adaptive[i] = relax::piecewise_linear_lines(*leak, z.lower[i], z.upper[i]).lower.slope;
    parameters.lower_slope[k] = adaptive.replicate(1, m);
    if (k < region.splits.size() && region.splits[k].size() > 0) parameters.beta[k] = MatrixXd::Zero(z.size(), m);
  }
  return parameters;
}

OptimisedBound optimise_bound(const Network& network, const Region& region, ValueId value, const MatrixXd& objectives,
                              const SlopeOptimisation& settings, RelaxationParameters parameters) {
  const auto& nodes = network.nodes();
  const Index m = objectives.cols();
  OptimisedBound best;
  std::vector<Moments> slope_moments(nodes.size()), beta_moments(nodes.size());
  VectorXd previous = VectorXd::Constant(m, -std::numeric_limits<double>::infinity());
  const auto is_set = [](const MatrixXd& p) { return p.size() > 0; };
  const bool has_parameters = std::any_of(parameters.lower_slope.begin(), parameters.lower_slope.end(), is_set) ||
                              std::any_of(parameters.beta.begin(), parameters.beta.end(), is_set);
  LinearBound bound;
  for (int t = 1;; ++t) {
    bound = back_substitute(network, region, value, objectives, &parameters, true);
    if (best.lower.size() == 0) {
      best.lower = bound.lower;
      best.input_coefficients = bound.input_coefficients;
    } else {
      for (Index o = 0; o < m; ++o)
        if (bound.lower[o] > best.lower[o]) {
          best.lower[o] = bound.lower[o];
          best.input_coefficients.col(o) = bound.input_coefficients.col(o);
        }
    }
    if (t > settings.iterations || !has_parameters || region.empty || (settings.targets.size() == m && (best.lower.array() > settings.targets.array()).all())) break;
    if (t % 3 == 0) {
      if ((best.lower - previous).maxCoeff() <= settings.tolerance) break;
      previous = best.lower;
    }
    const RelaxationParameters gradient = bound_gradient(network, region, value, bound, parameters);
    for (std::size_t k = 0; k < nodes.size(); ++k) {
      const std::optional<double> leak = convex_kink_leak(nodes[k].op);
      if (leak && parameters.lower_slope[k].size() > 0 && gradient.lower_slope[k].size() > 0) {
        const double low = *leak;
        adam_step(parameters.lower_slope[k], gradient.lower_slope[k], slope_moments[k], settings.slope_step, t,
                  [low](Index, double x) { return std::clamp(x, low, 1.0); });
      }
      if (k < parameters.beta.size() && parameters.beta[k].size() > 0 && gradient.beta[k].size() > 0)
        adam_step(parameters.beta[k], gradient.beta[k], beta_moments[k], settings.beta_step, t,
                  [](Index, double x) { return std::max(x, 0.0); });
    }
  }
  best.parameters = std::move(parameters);
  best.activation_coefficients = std::move(bound.activation_coefficients);
  return best;
}

}  // namespace certnn::bounds
