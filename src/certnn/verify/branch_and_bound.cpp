#include "certnn/verify/branch_and_bound.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <mutex>
#include <numeric>

#include "certnn/bounds/back_substitution.hpp"
#include "certnn/bounds/slope_optimisation.hpp"
#include "certnn/verify/constraint_combination.hpp"
#include "certnn/verify/work_queue.hpp"

namespace certnn::verify {
namespace {

using Eigen::Index;
using Eigen::MatrixXd;
using Eigen::VectorXd;
using OpenDisjuncts = std::vector<char>;
// Slope-optimisation steps on a box that CROWN leaves open: a few suffice to settle many of them.
constexpr int kInputSplitSlopeSteps = 5;
// Coordinates tried by the look-ahead (the largest by smear): 3 of ACAS Xu's 5 keep nearly all of
// the gain in tree size of trying every coordinate at 60% of the cost.
constexpr std::size_t kLookaheadCoordinates = 3;
// Supergradient steps on the weights of a conjunction's constraints (verify/constraint_combination.hpp).
constexpr int kCombinationSteps = 10;
// Descent steps from each open sub-problem's candidate counterexamples.
constexpr int kCandidateSteps = 10;

// What the workers of one search share: the outcome so far and the sub-problem count.
class SearchState {
 public:
  explicit SearchState(Clock::time_point deadline) : deadline_(deadline) {}

  // False (and the search stopped as timed out) once the deadline has passed.
  template <class Queue>
  bool admit(Queue& queue) {
    if (Clock::now() >= deadline_) {
      timed_out_ = true;
      queue.stop();
      return false;
    }
    ++subproblems_;
    return true;
  }
  template <class Queue>
  void found(Witness witness, Queue& queue) {
    {
      std::lock_guard lock(mutex_);
      if (!witness_) witness_ = std::move(witness);
    }
    queue.stop();
  }
  void exhausted() { exhausted_ = true; }

  SearchResult result() const {
    SearchResult r;
    r.subproblems = subproblems_;
    if (witness_) {
      r.verdict = Verdict::Sat;
      r.witness = witness_;
    } else if (timed_out_) {
      r.verdict = Verdict::Timeout;
    } else {
      r.verdict = exhausted_ ? Verdict::Unknown : Verdict::Unsat;
    }
    return r;
  }

 private:
  Clock::time_point deadline_;
  std::mutex mutex_;
  std::optional<Witness> witness_;
  std::atomic<std::int64_t> subproblems_{0};
  std::atomic<bool> timed_out_{false}, exhausted_{false};
};

// Closes each open disjunct that has a constraint with lower bound above its b (rounded up, so
// the constraint is unsatisfiable on the sub-problem); returns whether one stays open.
// `lower` holds bounds of the constraints and then, when given, of the group's sums.
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

// The constraint to work on: the best-bounded constraint of the open disjunct that is furthest
// from being proved.
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

// The total remaining gap of the open disjuncts (≤ 0; 0 when all are proved).
double open_gap(const Group& group, const VectorXd& lower, const OpenDisjuncts& open) {
  double gap = 0.0;
  for (std::size_t d = 0; d < group.disjuncts.size(); ++d)
    if (open[d]) gap += std::min(0.0, disjunct_margin(group, lower, d));
  return gap;
}

// The coordinates worth a look-ahead: the kLookaheadCoordinates largest by smear |Λ_jc|·width_j
// of constraint c's linear bound, and always the widest relative to the group's box (a coordinate
// the bound does not see yet may still hold the slack). Coordinates already narrower than 1e-9 of
// their initial width are not split: halving them changes no bound.
std::vector<Index> lookahead_candidates(const bounds::Box& box, const bounds::Box& initial,
                                        const MatrixXd& input_coefficients, Index c) {
  const VectorXd width = box.upper - box.lower;
  const VectorXd relative = width.cwiseQuotient((initial.upper - initial.lower).cwiseMax(1e-300));
  const VectorXd smear = c < 0 ? relative : VectorXd(input_coefficients.col(c).cwiseAbs().cwiseProduct(width));
  std::vector<Index> order;
  for (Index j = 0; j < box.size(); ++j)
    if (relative[j] > 1e-9) order.push_back(j);
  std::stable_sort(order.begin(), order.end(), [&](Index a, Index b) { return smear[a] > smear[b]; });
  if (order.size() > kLookaheadCoordinates) {
    Index widest = order.front();
    for (Index j : order)
      if (relative[j] > relative[widest]) widest = j;
    order.resize(kLookaheadCoordinates);
    if (std::find(order.begin(), order.end(), widest) == order.end()) order.push_back(widest);
  }
  return order;
}

// Candidate counterexamples: for each constraint of an open disjunct, the box vertex where its
// linear lower bound is smallest, and the box centre.
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

// An objective matrix with no constraint has no columns; a disjunct without constraints is
// violated by every input, which the falsifier's first point already confirms.
struct BoxTask {
  bounds::Box box;
  OpenDisjuncts open;
};

struct DomainTask {
  bounds::Region region;
  bounds::RelaxationParameters parameters;  // one column per entry of `columns`
  OpenDisjuncts open;
  std::vector<Index> columns;  // the constraints the parameters were optimised for
};

// The constraints of the open disjuncts, in increasing order.
std::vector<Index> open_constraints(const Group& group, const OpenDisjuncts& open) {
  std::vector<Index> columns;
  for (std::size_t d = 0; d < group.disjuncts.size(); ++d)
    if (open[d]) columns.insert(columns.end(), group.disjuncts[d].begin(), group.disjuncts[d].end());
  std::sort(columns.begin(), columns.end());
  columns.erase(std::unique(columns.begin(), columns.end()), columns.end());
  return columns;
}

// The parameters of the constraints `to` (a subset of `from`), in the order of `to`.
bounds::RelaxationParameters kept_columns(const bounds::RelaxationParameters& parameters, const std::vector<Index>& from,
                                          const std::vector<Index>& to) {
  std::vector<Index> positions;
  for (Index c : to) positions.push_back(std::find(from.begin(), from.end(), c) - from.begin());
  const auto select = [&](const std::vector<MatrixXd>& matrices) {
    std::vector<MatrixXd> out(matrices.size());
    for (std::size_t k = 0; k < matrices.size(); ++k)
      if (matrices[k].size() > 0) out[k] = matrices[k](Eigen::all, positions);
    return out;
  };
  return bounds::RelaxationParameters{select(parameters.lower_slope), select(parameters.beta)};
}

bool is_relu_like(const model::LayerOp& op) {
  if (std::holds_alternative<model::Relu>(op)) return true;
  const auto* leaky = std::get_if<model::LeakyRelu>(&op);
  return leaky && leaky->alpha <= 1.0;
}

// The unstable, unsplit ReLU with the largest score |g|·(−l·u)/(u − l), g the objective's
// coefficient of its output: how much fixing it can move the bound. {-1, -1} when none is left.
std::pair<std::int32_t, Index> branching_neuron(const model::Network& network, const bounds::Region& region,
                                                const std::vector<MatrixXd>& coefficients, Index objective) {
  std::pair<std::int32_t, Index> best{-1, -1};
  double best_score = -1.0;
  const auto& nodes = network.nodes();
  for (std::size_t k = 0; k < nodes.size(); ++k) {
    if (!is_relu_like(nodes[k].op) || k >= coefficients.size() || coefficients[k].size() == 0) continue;
    const bounds::Box& z = region.values[nodes[k].inputs[0]];
    const bool has_splits = k < region.splits.size() && region.splits[k].size() > 0;
    for (Index i = 0; i < z.size(); ++i) {
      const double l = z.lower[i], u = z.upper[i];
      if (!(l < 0.0 && u > 0.0) || (has_splits && region.splits[k][i] != 0)) continue;
      const double score = std::abs(coefficients[k](i, objective)) * (-l * u) / (u - l) + 1e-12 * (u - l);
      if (score > best_score) {
        best_score = score;
        best = {static_cast<std::int32_t>(k), i};
      }
    }
  }
  return best;
}

}  // namespace

SearchResult input_splitting(const model::Network& network, const Group& group, int threads,
                             Clock::time_point deadline) {
  SearchState state(deadline);
  WorkQueue<BoxTask> queue;
  queue.push(BoxTask{group.box, OpenDisjuncts(group.disjuncts.size(), 1)});
  const MatrixXd objectives = proof_objectives(group);
  const auto crown_bound = [&](const bounds::Box& box) {
    const bounds::Region region = bounds::crown_region(network, box, bounds::Inference::Exact);
    return std::pair{region, bounds::back_substitute(network, region, network.output(), objectives)};
  };
  queue.run(threads, [&](BoxTask task, WorkQueue<BoxTask>& q) {
    if (!state.admit(q)) return;
    // CROWN first; where it does not settle the box, the final slopes are optimised (cheap next to
    // the intermediate bounds the region already holds).
    const auto [region, bound] = crown_bound(task.box);
    if (!close_proved(group, bound.lower, task.open)) return;
    bounds::SlopeOptimisation settings;
    settings.iterations = kInputSplitSlopeSteps;
    const VectorXd lower = bounds::optimise_bound(network, region, network.output(), objectives, settings,
                                                  bounds::initial_parameters(network, region, objectives.cols()))
                               .lower;
    if (!close_proved(group, lower, task.open)) return;
    bool any_open = false;
    for (std::size_t d = 0; d < group.disjuncts.size(); ++d) {
      if (task.open[d] && combination_proves(network, region, group, group.disjuncts[d], kCombinationSteps)) task.open[d] = 0;
      any_open = any_open || task.open[d];
    }
    if (!any_open) return;
    if (auto witness = descend(network, group, task.box, candidate_points(group, task.box, bound.input_coefficients, task.open),
                               kCandidateSteps, deadline)) {
      state.found(std::move(*witness), q);
      return;
    }
    // Look-ahead branching: the coordinate whose halves get closest to a proof (the sum over both
    // halves of the open disjuncts' remaining gaps), which on ACAS Xu needs an order of magnitude
    // fewer boxes than splitting by smear.
    const Index c = hardest_constraint(group, lower, task.open);
    Index dimension = -1;
    double best_score = -std::numeric_limits<double>::infinity();
    bool upper_half_first = false;
    for (Index j : lookahead_candidates(task.box, group.box, bound.input_coefficients, c)) {
      const double mid = 0.5 * (task.box.lower[j] + task.box.upper[j]);
      if (!(mid > task.box.lower[j] && mid < task.box.upper[j])) continue;
      double gap[2] = {0.0, 0.0};
      for (int side = 0; side < 2; ++side) {
        bounds::Box half = task.box;
        (side ? half.lower[j] : half.upper[j]) = mid;
        gap[side] = open_gap(group, crown_bound(half).second.lower, task.open);
      }
      if (gap[0] + gap[1] > best_score) {
        best_score = gap[0] + gap[1];
        dimension = j;
        upper_half_first = gap[1] < gap[0];  // the half further from a proof may hold a counterexample
      }
    }
    // Where no half gets closer to a proof than the box itself (CROWN is not monotone in the box),
    // the coordinate widest relative to the group's box is halved instead, so every coordinate
    // keeps shrinking and the search cannot stall on coordinates already split to nothing.
    const double parent_gap = open_gap(group, lower, task.open);
    if (dimension >= 0 && best_score <= 2 * parent_gap + 1e-6 * std::abs(parent_gap)) {
      double widest = 0.0;
      for (Index j = 0; j < task.box.size(); ++j) {
        const double relative = (task.box.upper[j] - task.box.lower[j]) / (group.box.upper[j] - group.box.lower[j]);
        const double mid = 0.5 * (task.box.lower[j] + task.box.upper[j]);
        if (relative > widest && mid > task.box.lower[j] && mid < task.box.upper[j]) {
          widest = relative;
          dimension = j;
        }
      }
    }
    if (dimension < 0) {
      state.exhausted();  // a box of single floats that the bounds cannot decide
      return;
    }
    const double mid = 0.5 * (task.box.lower[dimension] + task.box.upper[dimension]);
    BoxTask upper = task;
    task.box.upper[dimension] = mid;
    upper.box.lower[dimension] = mid;
    if (upper_half_first) std::swap(upper, task);
    q.push(std::move(upper));
    q.push(std::move(task));  // popped first
  });
  return state.result();
}

SearchResult relu_splitting(const model::Network& network, const Group& group, int threads,
                            Clock::time_point deadline) {
  SearchState state(deadline);
  WorkQueue<DomainTask> queue;
  DomainTask root{bounds::crown_region(network, group.box, bounds::Inference::Exact), {},
                  OpenDisjuncts(group.disjuncts.size(), 1), {}};
  root.columns = open_constraints(group, root.open);
  root.parameters = bounds::initial_parameters(network, root.region, static_cast<Index>(root.columns.size()));
  queue.push(std::move(root));
  queue.run(threads, [&](DomainTask task, WorkQueue<DomainTask>& q) {
    if (!state.admit(q)) return;
    // Only the constraints of disjuncts still open are bounded; the parameters follow.
    const std::vector<Index> columns = open_constraints(group, task.open);
    if (columns != task.columns) task.parameters = kept_columns(task.parameters, task.columns, columns);
    const Index m = static_cast<Index>(columns.size());
    MatrixXd objectives(group.coefficients.rows(), m);
    bounds::SlopeOptimisation settings;
    settings.targets.resize(m);
    for (Index k = 0; k < m; ++k) {
      objectives.col(k) = group.coefficients.col(columns[k]);
      settings.targets[k] = group.bound_hi[columns[k]];
    }
    bounds::OptimisedBound bound =
        bounds::optimise_bound(network, task.region, network.output(), objectives, settings, std::move(task.parameters));
    VectorXd lower = VectorXd::Constant(group.constraint_count(), -std::numeric_limits<double>::infinity());
    MatrixXd input_coefficients = MatrixXd::Zero(group.box.size(), group.constraint_count());
    for (Index k = 0; k < m; ++k) {
      lower[columns[k]] = bound.lower[k];
      input_coefficients.col(columns[k]) = bound.input_coefficients.col(k);
    }
    if (task.region.empty || !close_proved(group, lower, task.open)) return;
    if (auto witness = descend(network, group, group.box, candidate_points(group, group.box, input_coefficients, task.open),
                               kCandidateSteps, deadline)) {
      state.found(std::move(*witness), q);
      return;
    }
    const Index c = hardest_constraint(group, lower, task.open);
    const Index local = std::find(columns.begin(), columns.end(), c) - columns.begin();
    const auto [node, neuron] = branching_neuron(network, task.region, bound.activation_coefficients, local);
    if (node < 0) {
      state.exhausted();
      return;
    }
    auto& beta = bound.parameters.beta[static_cast<std::size_t>(node)];
    if (beta.size() == 0) beta = MatrixXd::Zero(network.size(network.nodes()[node].inputs[0]), m);
    DomainTask active{task.region, bound.parameters, task.open, columns};
    bounds::split_region(active.region, network, node, neuron, +1);
    bounds::split_region(task.region, network, node, neuron, -1);
    task.parameters = std::move(bound.parameters);
    task.columns = columns;
    q.push(std::move(active));
    q.push(std::move(task));
  });
  return state.result();
}

}  // namespace certnn::verify
