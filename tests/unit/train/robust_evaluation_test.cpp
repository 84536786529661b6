// Clean, PGD and certified accuracy: certified ≤ PGD ≤ clean over L∞ and L2 balls; for a linear
// binary model the certified L∞ accuracy of a method exact on linear networks (crown, affine)
// equals the accuracy under the exact worst-case attack δ = −y·ε·sign(w) (clipped to the same
// domain, or not at all), and the L2 Lipschitz certificate holds exactly for the samples whose
// exact L2 radius |w·x + b| / ‖w‖₂ exceeds ε.
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <variant>

#include "certnn/core/error.hpp"
#include "certnn/train/linear_export.hpp"
#include "certnn/train/linear_trainer.hpp"
#include "certnn/train/robust_evaluation.hpp"
#include "train/synthetic_data.hpp"

namespace certnn::train {
namespace {

struct Trained {
  data::Dataset test;
  LinearClassifier classifier;
  model::Network network;
};

Trained trained_linear_model() {
  const data::Dataset train = testing::synthetic_binary_dataset(300, 12, 21);
  data::Dataset test = testing::synthetic_binary_dataset(200, 12, 22);
  LinearTrainOptions options;
  options.epochs = 10;
  options.learning_rate = 0.05;
  options.objective = {LinearMode::Standard, 0.0, 0.0};
  const LinearClassifier classifier = train_linear(train, nullptr, options).classifier;
  return {std::move(test), classifier, linear_network(classifier, train.sample_shape)};
}

TEST(RobustEvaluation, CertifiedEqualsExactAttackAccuracyForALinearModel) {
  const Trained t = trained_linear_model();
  const double clean = linear_robust_accuracy(t.classifier, t.test, 0.0);
  bool informative = false;  // some radius breaks part, not all, of the correct samples
  for (const double eps : {0.0, 0.02, 0.05, 0.1, 0.3}) {
    const double exact_clipped = linear_robust_accuracy(t.classifier, t.test, eps, bounds::Domain{0.0, 1.0});
    const double exact_free = linear_robust_accuracy(t.classifier, t.test, eps);
    informative |= exact_free > 0.0 && exact_free < clean;
    for (const char* method : {"crown", "affine"}) {
      SCOPED_TRACE(std::string(method) + " at eps " + std::to_string(eps));
      RobustEvaluationOptions options;
      options.eps = eps;
      options.method = method;
      options.domain = bounds::Domain{0.0, 1.0};
      EXPECT_EQ(evaluate_robustness(t.network, t.test, options).certified_accuracy(), exact_clipped);
      options.domain.reset();
      EXPECT_EQ(evaluate_robustness(t.network, t.test, options).certified_accuracy(), exact_free);
    }
  }
  EXPECT_TRUE(informative) << "no radius breaks part of the samples: the equality proves little";
}

// The linear network's function through a hidden ReLU layer, y = W·relu(x) − W·relu(−x) = W·x, so
// the L2 certificate has to bound a network with an activation (its bounds are looser).
model::Network relu_network(const model::Network& linear) {
  const auto& dense = std::get<model::Dense>(linear.nodes().back().op);
  const Eigen::Index n = dense.weight.cols();
  Eigen::MatrixXd split(2 * n, n), join(dense.weight.rows(), 2 * n);
  split << Eigen::MatrixXd::Identity(n, n), -Eigen::MatrixXd::Identity(n, n);
  join << dense.weight, -dense.weight;
  model::Network network(linear.input_shape());
  const model::ValueId hidden = network.add("split", model::Dense{split, Eigen::VectorXd::Zero(2 * n)}, {model::kInputValue});
  const model::ValueId active = network.add("relu", model::Relu{}, {hidden});
  network.set_output(network.add("join", model::Dense{join, dense.bias}, {active}));
  return network;
}

// A dataset of the one sample s of `dataset`.
data::Dataset sample_of(const data::Dataset& dataset, Eigen::Index s) {
  data::Dataset one = dataset;
  one.inputs = dataset.inputs.col(s);
  one.labels = {dataset.labels[static_cast<std::size_t>(s)]};
  return one;
}

TEST(RobustEvaluation, CertifiedIsAtMostPgdIsAtMostClean) {
  const Trained t = trained_linear_model();
  bool strictly_between = false;
  for (const double eps : {0.0, 0.05, 0.1, 0.2}) {
    for (const char* method : {"crown", "ibp"}) {
      RobustEvaluationOptions options;
      options.eps = eps;
      options.method = method;
      options.attack = attack::Options{};
      options.attack->steps = 20;
      const RobustEvaluation r = evaluate_robustness(t.network, t.test, options);
      ASSERT_TRUE(r.pgd_accuracy());
      EXPECT_EQ(r.samples, 200);
      EXPECT_LE(r.certified_accuracy(), *r.pgd_accuracy()) << method << " eps " << eps;
      EXPECT_LE(*r.pgd_accuracy(), r.clean_accuracy()) << method << " eps " << eps;
      strictly_between |= r.pgd_accuracy() < r.clean_accuracy();
    }
  }
  EXPECT_TRUE(strictly_between) << "no radius where PGD broke a sample: the check proves little";
}

TEST(RobustEvaluation, L2CertifiedIsAtMostPgdIsAtMostClean) {
  const Trained t = trained_linear_model();
  const model::Network relu = relu_network(t.network);
  bool certified_some = false, pgd_broke_some = false, gap = false;
  for (const double eps : {0.0, 0.05, 0.1, 0.2, 0.4}) {
    for (const model::Network* network : {&t.network, &relu}) {
      SCOPED_TRACE((network == &relu ? "relu network" : "linear network") + std::string(" at eps ") + std::to_string(eps));
      RobustEvaluationOptions options;
      options.norm = attack::Norm::L2;
      options.eps = eps;
      options.attack = attack::Options{};
      options.attack->steps = 20;
      const RobustEvaluation r = evaluate_robustness(*network, t.test, options);
      ASSERT_TRUE(r.pgd_accuracy());
      ASSERT_TRUE(r.lipschitz_bound);
      EXPECT_EQ(r.samples, 200);
      EXPECT_LE(r.certified_accuracy(), *r.pgd_accuracy());
      EXPECT_LE(*r.pgd_accuracy(), r.clean_accuracy());
      certified_some |= eps > 0.0 && r.certified > 0;
      pgd_broke_some |= r.pgd_accuracy() < r.clean_accuracy();
      gap |= r.certified_accuracy() < *r.pgd_accuracy();
    }
  }
  EXPECT_TRUE(certified_some) << "nothing certified at a positive radius: the check proves little";
  EXPECT_TRUE(pgd_broke_some) << "no radius where PGD broke a sample: the check proves little";
  EXPECT_TRUE(gap) << "certified always equals pgd: the check proves little";
}

// y₀ = 0, y₁ = w·x + b: the same margin as the exported network (rows ∓w/2), but a spectral norm
// ‖w‖₂ instead of ‖w‖₂/√2, so √2 times the network's bound is √2‖w‖₂ here, not ‖w‖₂.
model::Network one_sided_network(const LinearClassifier& classifier) {
  const Eigen::Index n = classifier.weight.size();
  Eigen::MatrixXd weight(2, n);
  weight << Eigen::RowVectorXd::Zero(n), classifier.weight.transpose();
  model::Network network({1, n});
  network.set_output(network.add("fc", model::Dense{weight, Eigen::Vector2d(0.0, classifier.bias)}, {model::kInputValue}));
  return network;
}

// For y₁ − y₀ = w·x + b the exact L2 radius is |w·x + b| / ‖w‖₂ and the margin's Lipschitz bound
// is ‖w‖₂ (the last Dense layer's row difference, rounded up: a factor 1), so the certificate holds
// just inside the exact radius and never just outside, on both networks (√2 L alone would miss
// every sample just inside on the one-sided network).
TEST(RobustEvaluation, L2CertificateOfALinearModelHoldsExactlyInsideTheExactRadius) {
  const Trained t = trained_linear_model();
  const Eigen::Matrix<long double, Eigen::Dynamic, 1> w = t.classifier.weight.cast<long double>();
  const long double norm = w.norm();
  constexpr double kRelativeBand = 1e-9;  // far above the rounding of the margin and of ‖w‖
  const model::Network one_sided = one_sided_network(t.classifier);
  RobustEvaluationOptions options;
  options.norm = attack::Norm::L2;
  options.domain.reset();  // the exact radius is the unclipped one
  int checked = 0;
  for (Eigen::Index s = 0; s < t.test.size(); ++s) {
    const long double score = w.dot(t.test.inputs.col(s).cast<long double>()) + t.classifier.bias;
    const bool correct = (score > 0) == (t.test.labels[static_cast<std::size_t>(s)] == 1);
    const auto radius = static_cast<double>(std::abs(score) / norm);
    const data::Dataset one = sample_of(t.test, s);
    for (const model::Network* network : {&t.network, &one_sided}) {
      SCOPED_TRACE(std::string(network == &one_sided ? "one-sided" : "exported") + " network, sample " +
                   std::to_string(s) + " with radius " + std::to_string(radius));
      options.eps = radius * (1 + kRelativeBand);
      EXPECT_EQ(evaluate_robustness(*network, one, options).certified, 0);
      options.eps = radius * (1 - kRelativeBand);
      EXPECT_EQ(evaluate_robustness(*network, one, options).certified, correct ? 1 : 0);
    }
    checked += correct;
  }
  EXPECT_GT(checked, 150);
}

TEST(RobustEvaluation, L2CertifiedCountIsTheCountOfRadiiAboveEps) {
  const Trained t = trained_linear_model();
  const Eigen::VectorXd w = t.classifier.weight;
  bool informative = false;  // some radius certifies part, not all, of the correct samples
  for (const double eps : {0.0, 0.03, 0.1, 0.2, 0.3}) {
    SCOPED_TRACE("eps " + std::to_string(eps));
    std::int64_t expected = 0, correct_count = 0;
    for (Eigen::Index s = 0; s < t.test.size(); ++s) {
      const double score = w.dot(t.test.inputs.col(s)) + t.classifier.bias;
      const bool correct = (score > 0) == (t.test.labels[static_cast<std::size_t>(s)] == 1);
      const double radius = std::abs(score) / w.norm();
      ASSERT_GT(std::abs(radius - eps), 1e-6 * eps) << "sample " << s << " lies on the sphere: pick another eps";
      expected += correct && radius > eps;
      correct_count += correct;
    }
    informative |= expected > 0 && expected < correct_count;
    RobustEvaluationOptions options;
    options.norm = attack::Norm::L2;
    options.eps = eps;
    options.domain.reset();
    EXPECT_EQ(evaluate_robustness(t.network, t.test, options).certified, expected);
  }
  EXPECT_TRUE(informative) << "no radius certifies part of the samples: the equality proves little";
}

TEST(RobustEvaluation, L2RefusesFloat32Inference) {
  const Trained t = trained_linear_model();
  RobustEvaluationOptions options;
  options.norm = attack::Norm::L2;
  options.bounds.inference = bounds::Inference::Float32;
  EXPECT_THROW(evaluate_robustness(t.network, t.test, options), Error);
}

TEST(RobustEvaluation, LimitTakesTheFirstSamples) {
  const Trained t = trained_linear_model();
  RobustEvaluationOptions options;
  options.limit = 17;
  const RobustEvaluation r = evaluate_robustness(t.network, t.test, options);
  EXPECT_EQ(r.samples, 17);
  EXPECT_FALSE(r.pgd_accuracy());
  EXPECT_EQ(r.certified, r.clean_correct);  // eps 0: every correct sample is certified
}

// A stop raised after the 17th sample keeps exactly the figures of an evaluation of the first 17.
TEST(RobustEvaluation, AStopKeepsTheFiguresOfTheFinishedSamples) {
  const Trained t = trained_linear_model();
  RobustEvaluationOptions options;
  options.eps = 0.05;
  options.attack = attack::Options{};
  std::atomic<bool> stop{false};
  std::int64_t reports = 0;
  options.stop = &stop;
  options.progress = [&](const RobustEvaluation& r) {
    EXPECT_EQ(r.samples, ++reports);
    if (r.samples == 17) stop = true;
  };
  const RobustEvaluation stopped = evaluate_robustness(t.network, t.test, options);
  EXPECT_EQ(reports, 17);
  EXPECT_EQ(stopped.samples, 17);
  EXPECT_EQ(stopped.requested, t.test.size());

  options.stop = nullptr;
  options.progress = nullptr;
  options.limit = 17;
  const RobustEvaluation first = evaluate_robustness(t.network, t.test, options);
  EXPECT_EQ(first.requested, 17);
  EXPECT_EQ(stopped.clean_correct, first.clean_correct);
  EXPECT_EQ(stopped.pgd_correct, first.pgd_correct);
  EXPECT_EQ(stopped.certified, first.certified);
}

}  // namespace
}  // namespace certnn::train
