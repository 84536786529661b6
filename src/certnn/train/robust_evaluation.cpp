#include "certnn/train/robust_evaluation.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "certnn/attack/pgd.hpp"
#include "certnn/attack/prediction.hpp"
#include "certnn/attack/radius.hpp"
#include "certnn/core/error.hpp"

namespace certnn::train {
namespace {

double fraction(std::int64_t part, std::int64_t whole) {
  return whole == 0 ? 0.0 : static_cast<double>(part) / static_cast<double>(whole);
}

}  // namespace

double RobustEvaluation::clean_accuracy() const { return fraction(clean_correct, samples); }
std::optional<double> RobustEvaluation::pgd_accuracy() const {
  if (!pgd_correct) return std::nullopt;
  return fraction(*pgd_correct, samples);
}
double RobustEvaluation::certified_accuracy() const { return fraction(certified, samples); }

RobustEvaluation evaluate_robustness(const model::Network& network, const data::Dataset& dataset,
                                     const RobustEvaluationOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  if (!(std::isfinite(options.eps) && options.eps >= 0.0)) throw Error("evaluate: eps must be a finite number ≥ 0");
  if (dataset.inputs.rows() != network.input_size())
    throw ShapeError("evaluate: samples of '" + dataset.name + "' have " + std::to_string(dataset.inputs.rows()) +
                     " elements, the model's input " + std::to_string(network.input_size()));
  for (const std::int64_t label : dataset.labels)
    if (label < 0 || label >= network.output_size())
      throw Error("evaluate: label " + std::to_string(label) + " of '" + dataset.name +
                  "' is not an output of a model with " + std::to_string(network.output_size()) + " outputs");
  const auto method = bounds::make_method(options.method);
  std::optional<attack::Options> attack_options = options.attack;
  if (attack_options) {
    attack_options->norm = attack::Norm::Linf;
    attack_options->eps = options.eps;
    attack_options->domain = options.domain;
    attack::check_options(*attack_options, network);
  }

  const Eigen::Index count = options.limit ? std::min<Eigen::Index>(*options.limit, dataset.size()) : dataset.size();
  const Eigen::MatrixXd inputs = dataset.inputs.leftCols(count);
  const std::vector<std::int64_t> labels(dataset.labels.begin(), dataset.labels.begin() + count);
  const std::vector<std::int64_t> predicted = attack::predict(network, inputs);
  std::vector<attack::Outcome> outcomes;
  if (attack_options && count > 0) outcomes = attack::pgd(network, inputs, labels, *attack_options);

  RobustEvaluation result;
  result.samples = count;
  if (attack_options) result.pgd_correct = 0;
  // One margin network per class, built on first use: certification needs the label's margins.
  std::vector<std::optional<model::Network>> margins(static_cast<std::size_t>(network.output_size()));
  for (Eigen::Index s = 0; s < count; ++s) {
    const std::int64_t label = labels[static_cast<std::size_t>(s)];
    if (predicted[static_cast<std::size_t>(s)] != label) continue;
    ++result.clean_correct;
    if (attack_options && !outcomes[static_cast<std::size_t>(s)].success) ++*result.pgd_correct;
    auto& margin = margins[static_cast<std::size_t>(label)];
    if (!margin) {
      margin = attack::margin_network(network, label);
      method->check(*margin);
    }
    result.certified += attack::certifies(*method, *margin, inputs.col(s), options.eps, options.domain, options.bounds);
  }
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

}  // namespace certnn::train
