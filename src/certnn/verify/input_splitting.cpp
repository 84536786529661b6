#include "certnn/verify/branch_and_bound.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <numeric>

#include "certnn/bounds/back_substitution.hpp"
#include "certnn/bounds/slope_optimisation.hpp"
#include "certnn/core/error.hpp"
#include "certnn/verify/activation_patterns.hpp"
#include "certnn/verify/constraint_combination.hpp"
#include "certnn/verify/enclosed_forms.hpp"
#include "certnn/verify/linear_pieces.hpp"
#include "certnn/verify/search.hpp"
#include "certnn/verify/shared_search.hpp"
#include "certnn/verify/task_codec.hpp"
#include "certnn/verify/work_queue.hpp"

namespace certnn::verify {
namespace {

using Eigen::Index;
using Eigen::MatrixXd;
using Eigen::VectorXd;

// Slope-optimisation steps on a box that CROWN leaves open: a few suffice to settle many of them.
constexpr int kInputSplitSlopeSteps = 5;
// Coordinates tried by the look-ahead (the largest by smear): 3 of ACAS Xu's 5 keep nearly all of
// the gain in tree size of trying every coordinate at 60% of the cost.
constexpr std::size_t kLookaheadCoordinates = 3;
// Supergradient steps on the weights of a conjunction's constraints (verify/constraint_combination.hpp).
constexpr int kCombinationSteps = 10;
// Boxes left open with at most this many unstable ReLUs are decided exactly, piece by linear
// piece (verify/linear_pieces.hpp), within a budget of LPs. On ACAS Xu's three longest instances
// (3_3/prop 2, 4_2/prop 2, 1_1/prop 6), 40 and 40,000 took 134 CPU seconds in all; 48 and 60,000
// took 127 but 40% more on 1_1/prop 6; with 32, 4_2/prop 2 splits into so many boxes that it
// times out.
constexpr std::size_t kPieceNeurons = 40;
constexpr int kPieceLps = 40000;
// Where the network has layers the pieces' forms do not pass, boxes with at most this many
// unstable ReLUs go to the relaxation LP and its sign splits (verify/activation_patterns.hpp);
// with more, the LP is slow and seldom closes them.
constexpr std::size_t kPatternNeurons = 24;
// LPs per box: where a few sign splits do not settle it, halving the box is the cheaper way on
// (on ACAS Xu a larger budget closed fewer boxes per second).
constexpr int kPatternLps = 4;

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

// CROWN over a box: the region (enclosures of every value) and the objectives' linear bounds.
struct Evaluation {
  bounds::Region region;
  bounds::LinearBound bound;
};

// A sub-box and the disjuncts still to prove on it, with its CROWN evaluation where the parent's
// look-ahead already made it, and otherwise the parent's region, whose enclosures also hold here.
struct BoxTask {
  bounds::Box box;
  OpenDisjuncts open;
  std::shared_ptr<const Evaluation> evaluation;
  std::shared_ptr<const Evaluation> parent;
};

}  // namespace

SearchResult input_splitting(const model::Network& network, const Group& group, const FalsifierSettings& falsifier, int threads,
                             const Deadline& deadline, ProgressReporter& progress, distributed::Communicator* ranks) {
  // Each rank samples its own points.
  FalsifierSettings sampling = falsifier;
  if (ranks) sampling.seed += static_cast<std::uint64_t>(ranks->rank());
  SamplingRounds rounds(network, group, sampling);
  SearchState state(deadline, progress, &rounds);
  WorkQueue<BoxTask> queue;
  if (!ranks || ranks->rank() == 0) queue.push(BoxTask{group.box, OpenDisjuncts(group.disjuncts.size(), 1), nullptr, nullptr});
  const MatrixXd objectives = proof_objectives(group);
  const bool pieces = FormCalculus::supports(network);
  const auto evaluate = [&](const bounds::Box& box, const Evaluation* parent) {
    auto e = std::make_shared<Evaluation>();
    e->region = bounds::crown_region(network, box, bounds::Inference::Exact, {}, parent ? &parent->region : nullptr);
    e->bound = bounds::back_substitute(network, e->region, network.output(), objectives);
    return e;
  };
  const auto process = [&](BoxTask task, WorkQueue<BoxTask>& q) {
    if (!state.admit(q)) return;
    // CROWN first; where it does not settle the box, the final slopes are optimised (cheap next to
    // the intermediate bounds the region already holds).
    const std::shared_ptr<const Evaluation> evaluation =
        task.evaluation ? std::move(task.evaluation) : evaluate(task.box, task.parent.get());
    task.parent.reset();
    const bounds::Region& region = evaluation->region;
    const bounds::LinearBound& bound = evaluation->bound;
    if (!close_proved(group, bound.lower, task.open)) return;
    VectorXd lower = bound.lower;
    if (unstable_neurons(network, region, pieces ? kPieceNeurons : kPatternNeurons)) {
      // Few unstable neurons: the exact pieces where the network's layers allow them, else the
      // relaxation LP (which subsumes slope optimisation and combinations).
      auto witness = pieces ? decide_by_linear_pieces(network, region, group, kPieceLps, task.open)
                            : decide_by_patterns(network, region, group, kPatternNeurons, kPatternLps, task.open);
      if (witness) {
        state.found(std::move(*witness), q);
        return;
      }
      if (std::none_of(task.open.begin(), task.open.end(), [](char c) { return c; })) return;
    } else {
      bounds::SlopeOptimisation settings;
      settings.iterations = kInputSplitSlopeSteps;
      lower = bounds::optimise_bound(network, region, network.output(), objectives, settings,
                                     bounds::initial_parameters(network, region, objectives.cols()))
                  .lower;
      if (!close_proved(group, lower, task.open)) return;
      bool any_open = false;
      for (std::size_t d = 0; d < group.disjuncts.size(); ++d) {
        if (task.open[d] && combination_proves(network, region, group, group.disjuncts[d], kCombinationSteps))
          task.open[d] = 0;
        any_open = any_open || task.open[d];
      }
      if (!any_open) return;
    }
    if (auto witness = descend(network, group, task.box, candidate_points(group, task.box, bound.input_coefficients, task.open),
                               kCandidateSteps, deadline)) {
      state.found(std::move(*witness), q);
      return;
    }
    // Look-ahead branching: the coordinate whose halves get closest to a proof (the sum over both
    // halves of the open disjuncts' remaining gaps), which on ACAS Xu needs an order of magnitude
    // fewer boxes than splitting by smear. The chosen halves keep their evaluations.
    const Index c = hardest_constraint(group, lower, task.open);
    Index dimension = -1;
    double best_score = -std::numeric_limits<double>::infinity();
    std::shared_ptr<const Evaluation> best_half[2];
    bool upper_half_first = false;
    for (Index j : lookahead_candidates(task.box, group.box, bound.input_coefficients, c)) {
      const double mid = 0.5 * (task.box.lower[j] + task.box.upper[j]);
      if (!(mid > task.box.lower[j] && mid < task.box.upper[j])) continue;
      std::shared_ptr<const Evaluation> half[2];
      double gap[2] = {0.0, 0.0};
      for (int side = 0; side < 2; ++side) {
        bounds::Box box = task.box;
        (side ? box.lower[j] : box.upper[j]) = mid;
        half[side] = evaluate(box, evaluation.get());
        gap[side] = open_gap(group, half[side]->bound.lower, task.open);
      }
      if (gap[0] + gap[1] > best_score) {
        best_score = gap[0] + gap[1];
        dimension = j;
        upper_half_first = gap[1] < gap[0];  // the half further from a proof may hold a counterexample
        best_half[0] = std::move(half[0]);
        best_half[1] = std::move(half[1]);
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
          best_half[0].reset();
          best_half[1].reset();
          upper_half_first = false;
        }
      }
    }
    if (dimension < 0) {
      state.exhausted();  // a box of single floats that the bounds cannot decide
      return;
    }
    const double mid = 0.5 * (task.box.lower[dimension] + task.box.upper[dimension]);
    BoxTask halves[2] = {task, task};
    halves[0].box.upper[dimension] = mid;
    halves[1].box.lower[dimension] = mid;
    for (int side = 0; side < 2; ++side) {
      halves[side].evaluation = std::move(best_half[side]);
      if (!halves[side].evaluation) halves[side].parent = evaluation;
    }
    q.push(std::move(halves[upper_half_first ? 0 : 1]));
    q.push(std::move(halves[upper_half_first ? 1 : 0]));  // popped first
  };
  // A box goes to another rank without its evaluations, which the receiver computes again.
  const auto encode = [](const BoxTask& task, ByteWriter& out) {
    write_box(out, task.box);
    write_flags(out, task.open);
  };
  const auto decode = [&](ByteReader& in) {
    BoxTask task{read_box(in), read_flags(in), nullptr, nullptr};
    if (task.box.size() != group.box.size() || task.open.size() != group.disjuncts.size())
      throw Error("branch-and-bound: a sub-problem of another search");
    return task;
  };
  return run_shared(ranks, queue, threads, process, state, deadline, encode, decode);
}

}  // namespace certnn::verify
