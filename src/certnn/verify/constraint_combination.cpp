#include "certnn/verify/constraint_combination.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <optional>

#include "certnn/core/rounding.hpp"

namespace certnn::verify {
namespace {

using Eigen::Index;
using Eigen::VectorXd;
namespace r = certnn::rounding;

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

struct Combination {
  VectorXd coefficients;  // Σ q_k a_k, exact
  double threshold;       // ≥ Σ q_k b_k.hi
};

// The combination with weights rounded to the grid, or nothing when a coefficient rounds.
std::optional<Combination> combine(const Group& group, const std::vector<Index>& constraints, const VectorXd& lambda) {
  Combination c{VectorXd::Zero(group.coefficients.rows()), 0.0};
  bool any = false;
  for (std::size_t k = 0; k < constraints.size(); ++k) {
    const double q = std::round(lambda[static_cast<Index>(k)] / kGrid) * kGrid;
    if (q <= 0.0) continue;
    any = true;
    const Index col = constraints[k];
    for (Index i = 0; i < c.coefficients.size(); ++i) {
      const double term = group.coefficients(i, col) * q;
      if (r::mul_up(group.coefficients(i, col), q) != r::mul_down(group.coefficients(i, col), q) ||
          r::add_up(c.coefficients[i], term) != r::add_down(c.coefficients[i], term))
        return std::nullopt;
      c.coefficients[i] += term;
    }
    c.threshold = r::add_up(c.threshold, r::mul_up(q, group.bound_hi[col]));
  }
  if (!any) return std::nullopt;
  return c;
}

}  // namespace

bool combination_proves(const model::Network& network, const bounds::Region& region, const Group& group,
                        const std::vector<Index>& constraints, int iterations) {
  const Index k = static_cast<Index>(constraints.size());
  if (k < 2 || region.empty) return region.empty;
  VectorXd lambda = VectorXd::Constant(k, 1.0 / static_cast<double>(k));
  const bounds::RelaxationParameters none;
  for (int t = 0; t < iterations; ++t) {
    const std::optional<Combination> c = combine(group, constraints, lambda);
    if (!c) return false;
    const bounds::LinearBound bound =
        bounds::back_substitute(network, region, network.output(), c->coefficients, nullptr, true);
    if (bound.lower[0] > c->threshold) return true;
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
