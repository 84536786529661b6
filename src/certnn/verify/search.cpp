#include "certnn/verify/search.hpp"

#include <algorithm>
#include <limits>

namespace certnn::verify {

using Eigen::Index;
using Eigen::MatrixXd;
using Eigen::VectorXd;

namespace {

// How far the disjunct is from being proved: its best margin over its constraints and sums
// (positive: proved).
double disjunct_margin(const Group& group, const VectorXd& lower, std::size_t d) {
  double best = -std::numeric_limits<double>::infinity();
  for (Index k : group.disjuncts[d]) best = std::max(best, lower[k] - group.bound_hi[k]);
  const Index constraints = group.constraint_count();
  for (Index s = 0; s < group.sums.cols(); ++s)
    if (static_cast<std::size_t>(group.sum_disjunct[s]) == d)
      best = std::max(best, lower[constraints + s] - group.sum_bound_hi[s]);
  return best;
}

}  // namespace

bool is_relu_like(const model::LayerOp& op) {
  if (std::holds_alternative<model::Relu>(op)) return true;
  const auto* leaky = std::get_if<model::LeakyRelu>(&op);
  return leaky && leaky->alpha <= 1.0;
}

double leak_of(const model::LayerOp& op) {
  const auto* leaky = std::get_if<model::LeakyRelu>(&op);
  return leaky ? leaky->alpha : 0.0;
}

bool close_proved(const Group& group, const VectorXd& lower, OpenDisjuncts& open) {
  const Index constraints = group.constraint_count();
  if (lower.size() > constraints)
    for (Index s = 0; s < group.sums.cols(); ++s)
      if (lower[constraints + s] > group.sum_bound_hi[s]) open[static_cast<std::size_t>(group.sum_disjunct[s])] = 0;
  bool any_open = false;
  for (std::size_t d = 0; d < group.disjuncts.size(); ++d) {
    if (!open[d]) continue;
    for (Index c : group.disjuncts[d])
      if (lower[c] > group.bound_hi[c]) open[d] = 0;
    any_open = any_open || open[d];
  }
  return any_open;
}

Index hardest_constraint(const Group& group, const VectorXd& lower, const OpenDisjuncts& open) {
  Index chosen = -1;
  double chosen_margin = std::numeric_limits<double>::infinity();
  for (std::size_t d = 0; d < group.disjuncts.size(); ++d) {
    if (!open[d]) continue;
    Index best = -1;
    double best_margin = -std::numeric_limits<double>::infinity();
    for (Index c : group.disjuncts[d])
      if (best < 0 || lower[c] - group.bound_hi[c] > best_margin) {
        best = c;
        best_margin = lower[c] - group.bound_hi[c];
      }
    if (best >= 0 && best_margin < chosen_margin) {
      chosen = best;
      chosen_margin = best_margin;
    }
  }
  return chosen;
}

double open_gap(const Group& group, const VectorXd& lower, const OpenDisjuncts& open) {
  double gap = 0.0;
  for (std::size_t d = 0; d < group.disjuncts.size(); ++d)
    if (open[d]) gap += std::min(0.0, disjunct_margin(group, lower, d));
  return gap;
}

MatrixXd candidate_points(const Group& group, const bounds::Box& box, const MatrixXd& input_coefficients,
                          const OpenDisjuncts& open) {
  std::vector<Index> constraints;
  for (std::size_t d = 0; d < group.disjuncts.size(); ++d)
    if (open[d]) constraints.insert(constraints.end(), group.disjuncts[d].begin(), group.disjuncts[d].end());
  MatrixXd points(box.size(), static_cast<Index>(constraints.size()) + 1);
  points.col(0) = 0.5 * (box.lower + box.upper);
  for (std::size_t k = 0; k < constraints.size(); ++k)
    for (Index j = 0; j < box.size(); ++j)
      points(j, static_cast<Index>(k) + 1) =
          input_coefficients(j, constraints[k]) >= 0 ? box.lower[j] : box.upper[j];
  return points;
}

}  // namespace certnn::verify
