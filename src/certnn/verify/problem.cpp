#include "certnn/verify/problem.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "certnn/core/error.hpp"

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
      groups.push_back(Group{bounds::Box{disjunct.input_lower, disjunct.input_upper}, {}, {}, {}, {}});
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
    Group& group = groups[g];
    group.coefficients.resize(property.output_count, k);
    group.bound_hi.resize(k);
    group.bound_lo.resize(k);
    for (Eigen::Index c = 0; c < k; ++c) {
      group.coefficients.col(c) = constraints[g][c]->coefficients;
      group.bound_hi[c] = constraints[g][c]->bound.hi;
      group.bound_lo[c] = constraints[g][c]->bound.lo;
    }
  }
  return groups;
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
