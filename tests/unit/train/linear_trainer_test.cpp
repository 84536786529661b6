// Training of linear binary classifiers: both modes learn the synthetic problem, linear-robust
// training buys robust accuracy at ε (a small ‖w‖₁ relative to the margin) that standard
// training does not, and the monitors stop a diverging run with a message naming the epoch.
#include <gtest/gtest.h>

#include <iostream>
#include <string>

#include "certnn/train/linear_trainer.hpp"
#include "train/synthetic_data.hpp"

namespace certnn::train {
namespace {

constexpr double kEps = 0.1;

LinearTrainOptions options_for(LinearMode mode) {
  LinearTrainOptions options;
  options.objective = {mode, kEps, 0.0};
  options.epochs = 30;
  options.batch_size = 32;
  options.learning_rate = 0.05;
  options.seed = 3;
  return options;
}

std::string message_of(const data::Dataset& train, const LinearTrainOptions& options) {
  try {
    train_linear(train, nullptr, options);
  } catch (const TrainingDiverged& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(LinearTrainer, RobustTrainingGivesRobustMarginsThatStandardTrainingLacks) {
  const data::Dataset train = testing::synthetic_binary_dataset(400, 200, 11);
  const data::Dataset test = testing::synthetic_binary_dataset(400, 200, 12);
  const LinearTrainResult standard = train_linear(train, nullptr, options_for(LinearMode::Standard));
  const LinearTrainResult robust = train_linear(train, nullptr, options_for(LinearMode::LinearRobust));

  EXPECT_GE(linear_robust_accuracy(standard.classifier, test, 0.0), 0.97);
  EXPECT_GE(linear_robust_accuracy(robust.classifier, test, 0.0), 0.97);
  const double standard_robust = linear_robust_accuracy(standard.classifier, test, kEps);
  const double robust_robust = linear_robust_accuracy(robust.classifier, test, kEps);
  EXPECT_GE(robust_robust, 0.95);
  EXPECT_GT(robust_robust, standard_robust + 0.2);
  std::cout << "robust accuracy at eps " << kEps << ": standard " << standard_robust << ", linear-robust " << robust_robust << "\n";
  // The robust margin y·s(x) − ε‖w‖₁ is what the robust model keeps positive.
  const Eigen::VectorXd margins = binary_targets(test).cwiseProduct(robust.classifier.scores(test.inputs)).array() -
                                  kEps * robust.classifier.weight.lpNorm<1>();
  EXPECT_GE((margins.array() > 0.0).cast<double>().mean(), 0.95);
  ASSERT_EQ(robust.history.size(), 30u);
  EXPECT_LT(robust.history.back().loss, robust.history.front().loss);
}

TEST(LinearTrainer, IsDeterministicForASeedAndReportsEveryEpoch) {
  const data::Dataset train = testing::synthetic_binary_dataset(100, 5, 4);
  LinearTrainOptions options = options_for(LinearMode::Standard);
  options.epochs = 5;
  options.optimizer.kind = OptimizerKind::Adam;
  options.schedule = Schedule::Cosine;
  int calls = 0;
  const LinearTrainResult a = train_linear(train, nullptr, options, [&](const EpochRecord& r) {
    ++calls;
    EXPECT_EQ(r.epoch, calls);
    EXPECT_GE(r.gradient_norm, 0.0);
  });
  const LinearTrainResult b = train_linear(train, nullptr, options);
  EXPECT_EQ(calls, 5);
  EXPECT_EQ(a.classifier.weight, b.classifier.weight);
  EXPECT_EQ(a.classifier.bias, b.classifier.bias);
}

TEST(LinearTrainer, AHugeLearningRateStopsWithADivergenceMessage) {
  const data::Dataset train = testing::synthetic_binary_dataset(100, 5, 4);
  LinearTrainOptions options = options_for(LinearMode::Standard);
  options.learning_rate = 1e308;
  const std::string message = message_of(train, options);
  EXPECT_EQ(message.rfind("training diverged at epoch 1: ", 0), 0u) << message;
}

TEST(LinearTrainer, AGradientAboveTheThresholdStopsAsAnExplosion) {
  const data::Dataset train = testing::synthetic_binary_dataset(100, 5, 4);
  LinearTrainOptions options = options_for(LinearMode::Standard);
  options.monitor.explosion_threshold = 1e-3;
  const std::string message = message_of(train, options);
  EXPECT_NE(message.find("exceeds the explosion threshold 0.001"), std::string::npos) << message;
  EXPECT_EQ(message.rfind("training diverged at epoch 1: gradient norm ", 0), 0u) << message;
}

TEST(LinearTrainer, NonFiniteLossIsNamed) {
  EXPECT_THROW(check_convergence({}, 3, std::numeric_limits<double>::quiet_NaN(), 1.0), TrainingDiverged);
  try {
    check_convergence({}, 3, std::numeric_limits<double>::infinity(), 1.0);
  } catch (const TrainingDiverged& e) {
    EXPECT_STREQ(e.what(), "training diverged at epoch 3: loss is inf");
  }
  MonitorOptions off;
  off.enabled = false;
  EXPECT_NO_THROW(check_convergence(off, 1, 1.0, 1e300));
}

TEST(LinearTrainer, EarlyStoppingKeepsTheBestEpoch) {
  EarlyStopping stopping(2);
  EXPECT_TRUE(stopping.record(1.0));
  EXPECT_TRUE(stopping.record(0.5));
  EXPECT_FALSE(stopping.record(0.6));
  EXPECT_FALSE(stopping.should_stop());
  EXPECT_FALSE(stopping.record(0.5));
  EXPECT_TRUE(stopping.should_stop());
  EXPECT_EQ(stopping.best_loss(), 0.5);

  const data::Dataset train = testing::synthetic_binary_dataset(200, 5, 5);
  const data::Dataset validation = testing::synthetic_binary_dataset(100, 5, 6);
  LinearTrainOptions options = options_for(LinearMode::Standard);
  options.epochs = 200;
  options.patience = 3;
  const LinearTrainResult result = train_linear(train, &validation, options);
  ASSERT_FALSE(result.history.empty());
  double best = std::numeric_limits<double>::infinity();
  int best_epoch = 0;
  for (const EpochRecord& r : result.history)
    if (*r.validation_loss < best) best = *r.validation_loss, best_epoch = r.epoch;
  EXPECT_EQ(result.best_epoch, best_epoch);
  if (result.stopped_early) {
    EXPECT_EQ(static_cast<int>(result.history.size()), best_epoch + 3);
  }
}

TEST(LinearTrainer, RefusesInvalidOptions) {
  const data::Dataset train = testing::synthetic_binary_dataset(10, 1, 1);
  LinearTrainOptions options;
  options.epochs = 0;
  EXPECT_THROW(train_linear(train, nullptr, options), Error);
  options = {};
  options.patience = 2;  // without a validation set
  EXPECT_THROW(train_linear(train, nullptr, options), Error);
}

}  // namespace
}  // namespace certnn::train
