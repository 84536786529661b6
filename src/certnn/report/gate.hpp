// The deployment gate (certnn check): runs the checks a policy names (report/policy.hpp) on a
// model and judges each against its threshold. The figures come from the analyses the other
// commands print: train/robust_evaluation.hpp (accuracies), attack/radius.hpp (certified
// radii), stability/ (condition numbers, Lipschitz bound, gradient check).
#pragma once

#include <atomic>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "certnn/data/dataset.hpp"
#include "certnn/model/network.hpp"
#include "certnn/report/policy.hpp"

namespace certnn::report {

struct CheckOutcome {
  std::string name;                 // the policy key ("min_clean_accuracy")
  std::optional<double> value;      // what was measured; none when the check could not run
  double threshold = 0.0;           // a max_ check passes when value <= threshold, a min_ one when >=
  bool passed = false;
  std::string detail;               // how it was measured, or why it could not be
};

struct GateOutcome {
  std::vector<CheckOutcome> checks;  // in the order of PolicyChecks
  std::int64_t samples = 0;          // test samples the data checks ran on
  bool stopped = false;              // the stop flag was raised: the checks not finished failed
  double seconds = 0.0;
  bool passed() const;               // every check passed (and the run was not stopped)
};

struct GateOptions {
  const std::atomic<bool>* stop = nullptr;        // raised from any thread: stop soon, failing what is left
  std::function<void(const std::string&)> progress;  // the step about to run, in words
};

// non_finite: the tensors of the model holding NaN or infinite values (onnx::ImportOptions); when
// any is listed, finite_weights fails and every other check fails unrun. test: the test split of
// policy.data, needed when a data check is asked for. Throws certnn::Error when a check needs
// data and test is null, and the errors of the analyses (Unsupported when the method refuses a
// layer, a label outside the network's outputs, ...).
GateOutcome run_gate(const model::Network& network, const std::vector<std::string>& non_finite,
                     const data::Dataset* test, const Policy& policy, const GateOptions& options = {});

}  // namespace certnn::report
