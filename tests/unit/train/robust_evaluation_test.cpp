// Clean, PGD and certified accuracy: certified ≤ PGD ≤ clean, and for a linear binary model the
// certified accuracy of a method exact on linear networks (crown, affine) equals the accuracy
// under the exact worst-case attack δ = −y·ε·sign(w) (clipped to the same domain, or not at all).
#include <gtest/gtest.h>

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

TEST(RobustEvaluation, LimitTakesTheFirstSamples) {
  const Trained t = trained_linear_model();
  RobustEvaluationOptions options;
  options.limit = 17;
  const RobustEvaluation r = evaluate_robustness(t.network, t.test, options);
  EXPECT_EQ(r.samples, 17);
  EXPECT_FALSE(r.pgd_accuracy());
  EXPECT_EQ(r.certified, r.clean_correct);  // eps 0: every correct sample is certified
}

}  // namespace
}  // namespace certnn::train
