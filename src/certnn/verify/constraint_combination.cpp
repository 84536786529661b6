#include "certnn/verify/constraint_combination.hpp"

#include <algorithm>
#include <cmath>
#include <functional>

namespace certnn::verify {
namespace {

using Eigen::Index;
using Eigen::VectorXd;

// Weights are rounded to multiples of 2^-12: with the small coefficients of benchmark properties
// (±1 and the like) the combined coefficients are then exact.
constexpr double kGrid = 0x1p-12;

// Euclidean projection onto {λ ≥ 0, Σλ = 1} (sort-based, Held et al.).
VectorXd project_to_simplex(const VectorXd& v) {
  std::vector<double> sorted(v.data(), v.data() + v.size());
  std::sort(sorted.begin(), sorted.end(), std::greater<>());
  double cumulative = 0.0, theta = 0.0;
  for (std::size_t i = 0; i < sorted.size(); ++i) {
    cumulative += sorted[i];
    const double t = (cumulative - 1.0) / static_cast<double>(i + 1);
    if (sorted[i] - t > 0) theta = t;
  }
  return (v.array() - theta).cwiseMax(0.0);
}

}  // namespace

bool combination_proves(const model::Network& network, const bounds::Region& region, const Group& group,
                        const std::vector<Index>& constraints, int iterations) {
  const Index k = static_cast<Index>(constraints.size());
  if (k < 2 || region.empty) return region.empty;
  VectorXd lambda = VectorXd::Constant(k, 1.0 / static_cast<double>(k));
  const bounds::RelaxationParameters none;
  for (int t = 0; t < iterations; ++t) {
    const VectorXd on_grid = (lambda / kGrid).array().round() * kGrid;
    const std::optional<Combination> c = exact_combination(group, constraints, on_grid);
    if (!c) return false;
    const bounds::LinearBound bound =
        bounds::back_substitute(network, region, network.output(), c->coefficients, nullptr, true);
    if (bound.lower[0] > c->bound_hi) return true;
    Eigen::MatrixXd relaxed_output;
    bounds::bound_gradient(network, region, network.output(), bound, none, &relaxed_output);
    // d/dλ_k of min_x Σ λ_k (a_k·y − b_k): the constraint's margin at the relaxed minimiser.
    VectorXd supergradient(k);
    for (Index j = 0; j < k; ++j)
      supergradient[j] = group.coefficients.col(constraints[j]).dot(relaxed_output.col(0)) - group.bound_hi[constraints[j]];
    const double norm = supergradient.norm();
    if (!(norm > 0) || !std::isfinite(norm)) return false;
    lambda = project_to_simplex(lambda + (0.5 / std::sqrt(t + 1.0)) * supergradient / norm);
  }
  return false;
}

}  // namespace certnn::verify
