#include "certnn/verify/branch_and_bound.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "certnn/bounds/back_substitution.hpp"
#include "certnn/bounds/slope_optimisation.hpp"
#include "certnn/core/error.hpp"
#include "certnn/verify/search.hpp"
#include "certnn/verify/shared_search.hpp"
#include "certnn/verify/task_codec.hpp"
#include "certnn/verify/work_queue.hpp"

namespace certnn::verify {
namespace {

using Eigen::Index;
using Eigen::MatrixXd;
using Eigen::VectorXd;

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

SearchResult relu_splitting(const model::Network& network, const Group& group, int threads, const Deadline& deadline,
                            ProgressReporter& progress, distributed::Communicator* ranks) {
  SearchState state(deadline, progress);
  WorkQueue<DomainTask> queue;
  if (!ranks || ranks->rank() == 0) {
    DomainTask root{bounds::crown_region(network, group.box, bounds::Inference::Exact), {},
                    OpenDisjuncts(group.disjuncts.size(), 1), {}};
    root.columns = open_constraints(group, root.open);
    root.parameters = bounds::initial_parameters(network, root.region, static_cast<Index>(root.columns.size()));
    queue.push(std::move(root));
  }
  const auto process = [&](DomainTask task, WorkQueue<DomainTask>& q) {
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
  };
  const auto encode = [](const DomainTask& task, ByteWriter& out) {
    write_region(out, task.region);
    write_parameters(out, task.parameters);
    write_flags(out, task.open);
    write_indices(out, task.columns);
  };
  const auto decode = [&](ByteReader& in) {
    DomainTask task{read_region(in), read_parameters(in), read_flags(in), read_indices(in)};
    if (task.region.values.size() != static_cast<std::size_t>(network.value_count()) || task.open.size() != group.disjuncts.size())
      throw Error("branch-and-bound: a sub-problem of another search");
    return task;
  };
  return run_shared(ranks, queue, threads, process, state, deadline, encode, decode);
}

}  // namespace certnn::verify
