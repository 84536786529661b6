#include "certnn/attack/pgd.hpp"

#include <cmath>
#include <random>
#include <string>

#include "certnn/attack/objective.hpp"
#include "certnn/attack/prediction.hpp"
#include "certnn/attack/threat_region.hpp"
#include "certnn/core/error.hpp"
#include "certnn/grad/backward.hpp"
#include "certnn/grad/tape.hpp"

namespace certnn::attack {
namespace {

using Eigen::Index;
using Eigen::MatrixXd;

void check_arguments(const model::Network& network, const MatrixXd& inputs, std::span<const std::int64_t> labels,
                     const Options& options) {
  check_options(options, network);
  if (inputs.rows() != network.input_size())
    throw ShapeError("attack: inputs have " + std::to_string(inputs.rows()) + " elements, the network takes " +
                     std::to_string(network.input_size()));
  if (static_cast<Index>(labels.size()) != inputs.cols())
    throw Error("attack: " + std::to_string(labels.size()) + " labels for " + std::to_string(inputs.cols()) +
                " inputs");
  const std::int64_t classes = network.output_size();
  for (std::size_t s = 0; s < labels.size(); ++s)
    if (labels[s] < 0 || labels[s] >= classes)
      throw Error("attack: label " + std::to_string(labels[s]) + " of input " + std::to_string(s) +
                  " is outside the network's classes 0.." + std::to_string(classes - 1));
}

// Turns the gradient, in place (a batch's gradient is large, and large allocations page-fault
// on every step), into the ascent direction per column: sign(g) for L∞, g / ‖g‖₂ for L2; zero
// where g is zero or not finite (a flat or broken gradient gives no direction).
void make_step_direction(MatrixXd& gradient, Norm norm) {
  for (Index s = 0; s < gradient.cols(); ++s) {
    auto g = gradient.col(s);
    if (!g.allFinite()) {
      g.setZero();
    } else if (norm == Norm::Linf) {
      g = g.array().sign().matrix();
    } else if (const double length = g.norm(); length > 0) {
      g /= length;
    }
  }
}

MatrixXd gather_columns(const MatrixXd& matrix, std::span<const Index> columns) {
  MatrixXd gathered(matrix.rows(), static_cast<Index>(columns.size()));
  for (std::size_t j = 0; j < columns.size(); ++j) gathered.col(static_cast<Index>(j)) = matrix.col(columns[j]);
  return gathered;
}

// The strongest point found so far for each input: a success beats a failure, then a lower goal
// margin beats a higher one.
struct Strongest {
  MatrixXd points;
  Eigen::RowVectorXd margins;
  std::vector<char> success;

  void offer(Index column, const auto& point, double margin, bool reached) {
    const bool stronger = (reached && !success[column]) || (reached == static_cast<bool>(success[column]) &&
                                                            margin < margins[column]);
    if (!stronger) return;
    points.col(column) = point;
    margins[column] = margin;
    success[column] = reached;
  }
};

// The inputs one run still attacks: their region columns, labels and current iterates.
struct ActiveSet {
  std::vector<Index> columns;
  std::vector<std::int64_t> labels;
  MatrixXd points;

  // Keeps the entries j with keep[j], in order; `alongside` (one column per entry) is cut down
  // alike.
  void retain(const std::vector<char>& keep, MatrixXd& alongside) {
    std::size_t kept = 0;
    for (std::size_t j = 0; j < columns.size(); ++j) {
      if (!keep[j]) continue;
      columns[kept] = columns[j];
      labels[kept] = labels[j];
      points.col(static_cast<Index>(kept)) = points.col(static_cast<Index>(j));
      alongside.col(static_cast<Index>(kept)) = alongside.col(static_cast<Index>(j));
      ++kept;
    }
    columns.resize(kept);
    labels.resize(kept);
    points.conservativeResize(Eigen::NoChange, static_cast<Index>(kept));
    alongside.conservativeResize(Eigen::NoChange, static_cast<Index>(kept));
  }
};

void run_once(const model::Network& network, const ThreatRegion& region, const Options& options, ActiveSet active,
              Strongest& strongest) {
  for (int t = 0;; ++t) {
    const grad::Tape tape = grad::record(network, active.points);
    const MatrixXd& outputs = tape.value(network.output());
    const Goal goal{active.labels, options.target};
    const std::vector<std::int64_t> predictions = predicted_classes(outputs);
    const Eigen::RowVectorXd margins = goal_margins(outputs, goal);
    std::vector<char> keep(active.columns.size(), 1);
    bool all_kept = true;
    for (std::size_t j = 0; j < active.columns.size(); ++j) {
      const Index s = static_cast<Index>(j);
      const bool reached = reaches_goal(predictions[j], active.labels[j], options.target);
      strongest.offer(active.columns[j], active.points.col(s), margins[s], reached);
      if (reached && options.stop_at_success) {
        keep[j] = 0;
        all_kept = false;
      }
    }
    if (t == options.steps) return;
    // The tape holds every column, so the backward pass does too; the inputs that just
    // succeeded leave the batch right after it.
    MatrixXd direction = grad::input_gradient(network, tape, ascent_cotangent(outputs, goal, options.loss));
    make_step_direction(direction, options.norm);
    if (!all_kept) active.retain(keep, direction);
    if (active.columns.empty()) return;
    active.points += step_size_at(options, t) * direction;
    region.project(active.points, active.columns);
  }
}

}  // namespace

std::vector<Outcome> pgd(const model::Network& network, const MatrixXd& inputs, std::span<const std::int64_t> labels,
                         const Options& options) {
  check_arguments(network, inputs, labels, options);
  const ThreatRegion region(inputs, options.eps, options.norm, options.domain);
  const Index batch = inputs.cols();
  const Goal goal{labels, options.target};

  // The inputs themselves come first: an input that already reaches the goal is its own
  // adversarial point (norm 0) and is not attacked.
  const MatrixXd clean_outputs = model::forward<double>(network, inputs);
  const std::vector<std::int64_t> clean_labels = predicted_classes(clean_outputs);
  Strongest strongest{inputs, goal_margins(clean_outputs, goal), std::vector<char>(static_cast<std::size_t>(batch))};
  for (Index s = 0; s < batch; ++s)
    strongest.success[s] = reaches_goal(clean_labels[s], labels[s], options.target) &&
                           reaches_goal_exactly(network, inputs.col(s), labels[s], options.target);

  std::mt19937_64 random(options.seed);
  for (int run = 0; run < options.restarts; ++run) {
    ActiveSet active;
    for (Index s = 0; s < batch; ++s)
      if (!strongest.success[s]) {
        active.columns.push_back(s);
        active.labels.push_back(labels[s]);
      }
    if (active.columns.empty()) break;
    active.points = run == 0 && !options.random_start ? gather_columns(inputs, active.columns)
                                                      : region.random_points(active.columns, random);
    run_once(network, region, options, std::move(active), strongest);
  }

  // Report only what holds: every point is checked against its region (the input itself always
  // is in it) and re-evaluated in one float64 forward pass; success needs the exact check too.
  MatrixXd points = std::move(strongest.points);
  for (Index s = 0; s < batch; ++s)
    if (!region.contains(points.col(s), s)) points.col(s) = inputs.col(s);
  const MatrixXd outputs = model::forward<double>(network, points);
  const std::vector<std::int64_t> predictions = predicted_classes(outputs);
  const Eigen::RowVectorXd margins = goal_margins(outputs, goal);
  std::vector<Outcome> outcomes(static_cast<std::size_t>(batch));
  for (Index s = 0; s < batch; ++s) {
    Outcome& o = outcomes[static_cast<std::size_t>(s)];
    o.clean_label = clean_labels[s];
    o.adversarial_label = predictions[s];
    o.success = reaches_goal(predictions[s], labels[s], options.target) &&
                reaches_goal_exactly(network, points.col(s), labels[s], options.target);
    o.point = points.col(s);
    o.norm = region.distance(o.point, s);
    o.goal_margin = margins[s];
  }
  return outcomes;
}

}  // namespace certnn::attack
