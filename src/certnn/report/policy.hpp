// The deployment gate's policy (certnn check --policy POLICY.json): the data and threat model a
// model is judged on, and the thresholds it must meet. A check left out is not run; an unknown
// key, a value of the wrong type or out of range is an error naming the key, so that a typo
// cannot switch a check off unnoticed.
//
//   {"data": "digits", "eps": 0.05, "norm": "linf", "method": "crown", "limit": 500,
//    "checks": {"finite_weights": true, "gradient_check": true, "max_condition_number": 1e6,
//               "max_lipschitz_upper": 1e4, "min_clean_accuracy": 0.85, "min_pgd_accuracy": 0.6,
//               "min_certified_accuracy": 0.5, "min_median_certified_radius": 0.01}}
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "certnn/attack/options.hpp"

namespace certnn::report {

struct PolicyChecks {
  bool finite_weights = false;  // no NaN or infinite parameter
  bool gradient_check = false;  // analytic gradients agree with finite differences
  std::optional<double> max_condition_number;  // the largest layer condition number
  std::optional<double> max_lipschitz_upper;   // the global L2 Lipschitz upper bound
  std::optional<double> min_clean_accuracy;
  std::optional<double> min_pgd_accuracy;        // needs eps
  std::optional<double> min_certified_accuracy;  // needs eps
  std::optional<double> min_median_certified_radius;  // over the first radius_limit test samples

  // Whether a check runs on the test split of the policy's data.
  bool needs_data() const {
    return gradient_check || min_clean_accuracy || min_pgd_accuracy || min_certified_accuracy ||
           min_median_certified_radius;
  }
};

struct Policy {
  std::string data;                   // a dataset name or labelled CSV (data::load_split)
  std::optional<double> eps;          // radius of the balls of the PGD and certified accuracy
  attack::Norm norm = attack::Norm::Linf;
  std::string method = "crown";       // the sound bound method that certifies
  std::optional<std::int64_t> limit;  // judge on the first test samples only
  std::int64_t radius_limit = 100;    // samples whose certified radius enters the median
  double test_fraction = 0.2;         // the split of certnn train, for datasets without a test set
  std::uint64_t seed = 0;             // of the split and of PGD's random starts
  int steps = 40;                     // PGD steps per restart
  int restarts = 1;
  double gradient_tolerance = 1e-5;   // the gradient check's relative tolerance
  PolicyChecks checks;
};

// text: the policy as JSON; source names it in errors ("policy.json"). Throws certnn::Error.
Policy parse_policy(std::string_view text, const std::string& source);
// Reads and parses a JSON file; throws certnn::Error naming the file, with the parser's position.
Policy read_policy(const std::string& path);

}  // namespace certnn::report
