#include "certnn/verify/problem.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <string>

#include "certnn/core/error.hpp"
#include "certnn/core/rounding.hpp"

namespace certnn::verify {

std::vector<Group> group_disjuncts(const spec::Property& property) {
  std::vector<Group> groups;
  std::vector<std::vector<const spec::OutputConstraint*>> constraints;
  for (std::size_t d = 0; d < property.disjuncts.size(); ++d) {
    const spec::Disjunct& disjunct = property.disjuncts[d];
    for (Eigen::Index i = 0; i < disjunct.input_lower.size(); ++i)
      if (!std::isfinite(disjunct.input_lower[i]) || !std::isfinite(disjunct.input_upper[i]))
        throw Error("verify: input X_" + std::to_string(i) + " is unbounded in disjunct " + std::to_string(d) +
                    " of the property; branch-and-bound needs a bounded input box");
    std::size_t g = 0;
    while (g < groups.size() &&
           !(groups[g].box.lower == disjunct.input_lower && groups[g].box.upper == disjunct.input_upper))
      ++g;
    if (g == groups.size()) {
      groups.emplace_back().box = bounds::Box{disjunct.input_lower, disjunct.input_upper};
      constraints.emplace_back();
    }
    std::vector<Eigen::Index> indices;
    for (const spec::OutputConstraint& c : disjunct.output) {
      indices.push_back(static_cast<Eigen::Index>(constraints[g].size()));
      constraints[g].push_back(&c);
    }
    groups[g].disjuncts.push_back(std::move(indices));
  }
  for (std::size_t g = 0; g < groups.size(); ++g) {
    const Eigen::Index k = static_cast<Eigen::Index>(constraints[g].size());
    std::vector<std::vector<Eigen::Index>> subsets;
    std::vector<Eigen::Index> owners;
    for (std::size_t d = 0; d < groups[g].disjuncts.size(); ++d) {
      const auto& members = groups[g].disjuncts[d];
      for (std::size_t i = 0; i < members.size(); ++i)
        for (std::size_t j = i + 1; j < members.size(); ++j) {
          subsets.push_back({members[i], members[j]});
          owners.push_back(static_cast<Eigen::Index>(d));
        }
      if (members.size() > 2) {
        subsets.push_back(members);
        owners.push_back(static_cast<Eigen::Index>(d));
      }
    }
    Group& group = groups[g];
    group.coefficients.resize(property.output_count, k);
    group.bound_hi.resize(k);
    group.bound_lo.resize(k);
    for (Eigen::Index c = 0; c < k; ++c) {
      group.coefficients.col(c) = constraints[g][c]->coefficients;
      group.bound_hi[c] = constraints[g][c]->bound.hi;
      group.bound_lo[c] = constraints[g][c]->bound.lo;
    }
    std::vector<Eigen::VectorXd> sums;
    for (std::size_t s = 0; s < subsets.size(); ++s)
      if (auto sum = exact_combination(group, subsets[s],
                                       Eigen::VectorXd::Ones(static_cast<Eigen::Index>(subsets[s].size())))) {
        sums.push_back(std::move(sum->coefficients));
        group.sum_bound_hi.conservativeResize(group.sum_bound_hi.size() + 1);
        group.sum_bound_hi[group.sum_bound_hi.size() - 1] = sum->bound_hi;
        group.sum_disjunct.push_back(owners[s]);
      }
    group.sums.resize(property.output_count, static_cast<Eigen::Index>(sums.size()));
    for (std::size_t s = 0; s < sums.size(); ++s) group.sums.col(static_cast<Eigen::Index>(s)) = sums[s];
  }
  return groups;
}

std::optional<Combination> exact_combination(const Group& group, const std::vector<Eigen::Index>& constraints,
                                             const Eigen::VectorXd& weights) {
  namespace r = certnn::rounding;
  Combination c{Eigen::VectorXd::Zero(group.coefficients.rows()), 0.0};
  bool any = false;
  for (std::size_t k = 0; k < constraints.size(); ++k) {
    const double w = weights[static_cast<Eigen::Index>(k)];
    if (w <= 0.0) continue;
    any = true;
    const Eigen::Index col = constraints[k];
    for (Eigen::Index i = 0; i < c.coefficients.size(); ++i) {
      const double a = group.coefficients(i, col), term = a * w, sum = c.coefficients[i] + term;
      if (!std::isfinite(sum) || r::mul_up(a, w) != r::mul_down(a, w) ||
          r::add_up(c.coefficients[i], term) != r::add_down(c.coefficients[i], term))
        return std::nullopt;
      c.coefficients[i] = sum;
    }
    c.bound_hi = r::add_up(c.bound_hi, r::mul_up(w, group.bound_hi[col]));
  }
  if (!any) return std::nullopt;
  return c;
}

Eigen::MatrixXd proof_objectives(const Group& group) {
  Eigen::MatrixXd objectives(group.coefficients.rows(), group.coefficients.cols() + group.sums.cols());
  objectives << group.coefficients, group.sums;
  return objectives;
}

Eigen::MatrixXd disjunct_excess(const Group& group, const Eigen::MatrixXd& outputs) {
  const Eigen::MatrixXd values = group.coefficients.transpose() * outputs;  // constraints x batch
  Eigen::MatrixXd excess(static_cast<Eigen::Index>(group.disjuncts.size()), outputs.cols());
  for (std::size_t d = 0; d < group.disjuncts.size(); ++d)
    for (Eigen::Index s = 0; s < outputs.cols(); ++s) {
      double worst = -std::numeric_limits<double>::infinity();
      for (Eigen::Index c : group.disjuncts[d]) worst = std::max(worst, values(c, s) - group.bound_lo[c]);
      excess(static_cast<Eigen::Index>(d), s) = worst;
    }
  return excess;
}

}  // namespace certnn::verify
