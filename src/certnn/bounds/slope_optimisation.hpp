// alpha-CROWN (Xu et al. 2021) and the β multipliers of β-CROWN (Wang et al. 2021): the lower
// slopes of unstable ReLUs, one per neuron and objective, and the multipliers of split
// constraints are raised by projected gradient ascent (Adam) on each objective's lower bound,
// starting from CROWN's adaptive slopes. Every iterate is a sound bound (any slope in the allowed
// range and any β ≥ 0 is), so the best one per objective is kept.
#pragma once

#include <Eigen/Core>
#include <limits>

#include "certnn/bounds/back_substitution.hpp"

namespace certnn::bounds {

struct SlopeOptimisation {
  int iterations = 20;
  double slope_step = 0.1;   // Adam learning rates
  double beta_step = 0.05;
  // Stop once no objective's bound rose by more than this (absolute) over 3 iterations; stop
  // early as well once every objective's bound exceeds its target (when targets are given).
  double tolerance = 1e-6;
  Eigen::VectorXd targets;
};

struct OptimisedBound {
  Eigen::VectorXd lower;                 // best rigorous lower bound per objective
  Eigen::MatrixXd input_coefficients;    // Λ of the best iterate, per objective
  RelaxationParameters parameters;       // the last iterate, to warm-start a sub-problem
  std::vector<Eigen::MatrixXd> activation_coefficients;  // of the last iterate (LinearBound)
};

// The adaptive CROWN slopes (and zero β where the region has splits) for m objectives.
RelaxationParameters initial_parameters(const model::Network& network, const Region& region, Eigen::Index m);

OptimisedBound optimise_bound(const model::Network& network, const Region& region, model::ValueId value,
                              const Eigen::MatrixXd& objectives, const SlopeOptimisation& settings,
                              RelaxationParameters start);

}  // namespace certnn::bounds
