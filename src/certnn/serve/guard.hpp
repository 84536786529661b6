// The two-scale guard: a cheap out-of-distribution test from training-set statistics.
//   input scale   how far any element lies beyond the range that feature took in training
//   hidden scale  the Mahalanobis distance of the activations feeding the network's output layer
//                 from their training mean, under their training covariance (plus a ridge)
// Each score's threshold is its (1 − rate/2) quantile over held-back training samples, so that
// an input like the training data is flagged by either with probability about `rate`.
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <string>
#include <vector>

#include "certnn/model/network.hpp"

namespace certnn::serve {

struct GuardFitOptions {
  double false_alarm_rate = 0.05;  // in (0, 1)
  double heldout_fraction = 0.2;   // of the samples, drawn by seed, kept for the thresholds
  std::uint64_t seed = 0;
  double ridge = 1e-3;             // added to the covariance's diagonal, times its mean variance
};

struct Guard {
  std::int64_t input_size = 0;
  Eigen::VectorXd feature_lower, feature_upper;  // per input element, over the fitting samples
  double range_threshold = 0.0;                  // largest excess beyond them that passes
  model::ValueId layer = 0;                      // the value whose activations are scored
  std::string layer_name;                        // the node producing it ("input" for value 0)
  Eigen::VectorXd mean;
  Eigen::MatrixXd precision;                     // inverse of the regularised covariance
  double distance_threshold = 0.0;
  double false_alarm_rate = 0.0;
  std::int64_t fit_samples = 0, heldout_samples = 0;
  double heldout_flagged = 0.0;  // fraction of held-back samples either score flags
};

struct GuardVerdict {
  double range_excess = 0.0, distance = 0.0;
  std::vector<std::string> reasons;  // "outside_training_range", "far_from_training_data"
};

// The reason codes a verdict can carry.
const std::vector<std::string>& guard_reasons();

// samples: input_size x n (a data::Dataset's inputs). Throws certnn::Error for a rate or fraction
// outside (0, 1), a sample width that is not the network's, or too few samples to split.
Guard fit_guard(const model::Network& network, const Eigen::MatrixXd& samples, const GuardFitOptions& options);

std::vector<GuardVerdict> assess(const Guard& guard, const model::Network& network, const Eigen::MatrixXd& inputs);

std::string guard_json(const Guard& guard);
// Throws certnn::Error naming `path` when the text is not a guard or does not fit the network.
Guard parse_guard(const std::string& text, const model::Network& network, const std::string& path);

}  // namespace certnn::serve
