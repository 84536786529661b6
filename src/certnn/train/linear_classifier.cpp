#include "certnn/train/linear_classifier.hpp"

#include <algorithm>
#include <string>

#include "certnn/core/error.hpp"

namespace certnn::train {

Eigen::VectorXd LinearClassifier::scores(const Eigen::MatrixXd& inputs) const {
  return (inputs.transpose() * weight).array() + bias;
}

Eigen::VectorXd binary_targets(const data::Dataset& dataset) {
  if (dataset.classes != 2) {
    std::vector<std::int64_t> seen = dataset.labels;
    std::sort(seen.begin(), seen.end());
    seen.erase(std::unique(seen.begin(), seen.end()), seen.end());
    std::string listed;
    for (std::size_t i = 0; i < seen.size() && i < 10; ++i) listed += (i ? ", " : "") + std::to_string(seen[i]);
    if (seen.size() > 10) listed += ", ...";
    throw Error("linear classifier: dataset '" + dataset.name + "' has " + std::to_string(dataset.classes) +
                " classes (labels " + listed + "); a binary linear classifier needs exactly 2 (classes 0 and 1)");
  }
  Eigen::VectorXd targets(static_cast<Eigen::Index>(dataset.labels.size()));
  for (std::size_t i = 0; i < dataset.labels.size(); ++i)
    targets[static_cast<Eigen::Index>(i)] = dataset.labels[i] == 1 ? 1.0 : -1.0;
  return targets;
}

Eigen::VectorXd linear_worst_case_point(const LinearClassifier& classifier, const Eigen::VectorXd& x, double target,
                                        double eps, const std::optional<bounds::Domain>& domain) {
  Eigen::VectorXd point(x.size());
  for (Eigen::Index i = 0; i < x.size(); ++i) {
    // The direction that lowers y·s: −y·sign(wᵢ). A zero weight leaves the score unchanged.
    const double direction = -target * ((classifier.weight[i] > 0.0) - (classifier.weight[i] < 0.0));
    double lower = x[i] - eps, upper = x[i] + eps;
    if (domain) {
      lower = std::max(lower, domain->lower);
      upper = std::min(upper, domain->upper);
    }
    point[i] = direction > 0.0 ? upper : direction < 0.0 ? lower : x[i];
  }
  return point;
}

double linear_robust_accuracy(const LinearClassifier& classifier, const data::Dataset& dataset, double eps,
                              const std::optional<bounds::Domain>& domain) {
  const Eigen::VectorXd targets = binary_targets(dataset);
  if (dataset.size() == 0) return 0.0;
  Eigen::Index correct = 0;
  for (Eigen::Index s = 0; s < dataset.size(); ++s) {
    const Eigen::VectorXd worst = linear_worst_case_point(classifier, dataset.inputs.col(s), targets[s], eps, domain);
    const double score = classifier.weight.dot(worst) + classifier.bias;
    correct += (score > 0.0) == (targets[s] > 0.0);
  }
  return static_cast<double>(correct) / static_cast<double>(dataset.size());
}

}  // namespace certnn::train
