// The settings of an attack (FGSM, PGD) and what it reports per input. An attack searches the
// threat region of each input x₀: {x : ‖x − x₀‖ ≤ eps} in the chosen norm, intersected with the
// input domain box when one is given.
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <optional>

#include "certnn/bounds/box.hpp"
#include "certnn/model/network.hpp"

namespace certnn::attack {

enum class Norm { Linf, L2 };

// The loss whose gradient drives the steps (grad/loss.hpp). Untargeted attacks ascend it for the
// label; targeted attacks descend it for the target.
enum class LossKind { CrossEntropy, Margin };

// Step size at step t of T (t = 0, ..., T − 1) for the base size α:
//   Constant  α;
//   StepDecay α, then α/10 from t = T/2, then α/100 from t = 3T/4;
//   Cosine    α · (1 + cos(π t / T)) / 2.
enum class StepSchedule { Constant, StepDecay, Cosine };

struct Options {
  Norm norm = Norm::Linf;
  double eps = 0.0;                         // radius of the ball, finite, ≥ 0
  int steps = 40;                           // PGD iterations per restart, ≥ 1
  int restarts = 1;                         // independent runs, ≥ 1; later runs only for inputs not yet broken
  std::optional<double> step_size;          // α; default 2.5 · eps / steps (Madry et al., 2018)
  StepSchedule schedule = StepSchedule::Constant;
  LossKind loss = LossKind::CrossEntropy;
  std::optional<std::int64_t> target;       // a class to reach (targeted attack); none: any other class
  std::optional<bounds::Domain> domain;     // the box inputs may take; none: unbounded
  bool random_start = true;                 // every run starts at a random point of the region;
                                            // otherwise the first run starts at the input itself
  // Stop iterating an input at its first success (the cheap choice for deciding robustness);
  // false keeps ascending to the strongest point of the region (lowest goal margin), which is how
  // an attack's optimisation quality is measured.
  bool stop_at_success = true;
  std::uint64_t seed = 0;
};

// Throws certnn::Error naming the setting: eps not finite or < 0, steps or restarts < 1, a step
// size not finite or ≤ 0, a target outside the network's classes, a network with fewer than two
// outputs (a classifier's margin needs two).
void check_options(const Options& options, const model::Network& network);

// α_t of the schedule, t in [0, steps).
double step_size_at(const Options& options, int step);

// The outcome for one input. Every field is recomputed from one float64 forward pass at `point`
// after the attack, and `point` always lies in the threat region (checked, see threat_region.hpp).
//
// Success: the prediction (first maximal output) at `point` differs from the label, or equals
// the target in a targeted attack, and the exact outputs there confirm it (reaches_goal_exactly,
// prediction.hpp). An input already misclassified (untargeted) or already predicted as the
// target (targeted) succeeds at the input itself: norm 0.
struct Outcome {
  bool success = false;
  std::int64_t clean_label = 0;        // prediction at the input
  std::int64_t adversarial_label = 0;  // prediction at `point`
  // The adversarial point when success; otherwise the strongest point found (lowest goal margin,
  // the input itself when nothing did better). input_size.
  Eigen::VectorXd point;
  double norm = 0.0;         // ‖point − input‖ in the attack's norm, ≤ eps
  // At `point`, negative where the goal is reached strictly:
  //   untargeted: y[label] − max_{j≠label} y[j];   targeted: max_{j≠target} y[j] − y[target]
  //   (+∞ when the label is the target: moving onto one's own class is no attack).
  double goal_margin = 0.0;
};

}  // namespace certnn::attack
