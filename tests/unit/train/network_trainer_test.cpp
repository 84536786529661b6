// The network trainer end to end on small synthetic data: it learns, its robust modes buy
// certified robustness the standard mode lacks, its monitors stop a diverging run, and stable
// networks come out proved non-expansive.
#include "certnn/train/network_trainer.hpp"

#include <gtest/gtest.h>

#include "certnn/model/forward.hpp"
#include "certnn/stability/spectral_norm.hpp"
#include "certnn/train/robust_evaluation.hpp"
#include "certnn/train/stable_blocks.hpp"
#include "synthetic_data.hpp"

namespace certnn::train {
namespace {

NetworkTrainOptions quick_options(NetworkMode mode, double eps) {
  NetworkTrainOptions options;
  options.mode = mode;
  options.eps = eps;
  options.epochs = 30;
  options.batch_size = 32;
  options.learning_rate = 0.01;
  return options;
}

double certified_accuracy(const TrainableNetwork& network, const data::Dataset& data, double eps) {
  RobustEvaluationOptions options;
  options.eps = eps;
  options.method = "ibp";
  return evaluate_robustness(to_network(network), data, options).certified_accuracy();
}

TEST(NetworkTrainer, StandardTrainingLearnsAndIbpTrainingCertifies) {
  const data::Dataset train = testing::synthetic_binary_dataset(400, 8, 1);
  const data::Dataset test = testing::synthetic_binary_dataset(200, 8, 2);
  const TrainableNetwork initial = build_architecture("mlp:16x2", train.sample_shape, 2, 0);

  const NetworkTrainResult standard = train_network(initial, train, nullptr, quick_options(NetworkMode::Standard, 0));
  EXPECT_GE(clean_score(standard.network, test).accuracy, 0.97);
  EXPECT_LT(standard.history.back().loss, standard.history.front().loss);

  // At ε = 0.1 the weak features are worthless; only feature 0 (gap 0.25) separates robustly.
  const NetworkTrainResult ibp = train_network(initial, train, nullptr, quick_options(NetworkMode::Ibp, 0.1));
  EXPECT_GE(clean_score(ibp.network, test).accuracy, 0.95);
  EXPECT_DOUBLE_EQ(*ibp.history.back().eps, 0.1);
  EXPECT_LT(*ibp.history.front().eps, 0.1);  // ramped
  const double ibp_certified = certified_accuracy(ibp.network, test, 0.1);
  EXPECT_GE(ibp_certified, 0.9);
  EXPECT_GT(ibp_certified, certified_accuracy(standard.network, test, 0.1) + 0.2);
}

TEST(NetworkTrainer, CrownIbpTrainingCertifies) {
  const data::Dataset train = testing::synthetic_binary_dataset(400, 8, 10);
  const data::Dataset test = testing::synthetic_binary_dataset(200, 8, 11);
  const NetworkTrainResult result = train_network(build_architecture("mlp:16x2", train.sample_shape, 2, 0), train,
                                                  nullptr, quick_options(NetworkMode::CrownIbp, 0.1));
  EXPECT_GE(clean_score(result.network, test).accuracy, 0.95);
  EXPECT_GE(certified_accuracy(result.network, test, 0.1), 0.9);
}

TEST(NetworkTrainer, PgdTrainingResistsThePgdAttack) {
  const data::Dataset train = testing::synthetic_binary_dataset(300, 8, 3);
  const data::Dataset test = testing::synthetic_binary_dataset(200, 8, 4);
  const TrainableNetwork initial = build_architecture("mlp:16x1", train.sample_shape, 2, 0);
  NetworkTrainOptions options = quick_options(NetworkMode::Pgd, 0.1);
  options.epochs = 15;
  const NetworkTrainResult result = train_network(initial, train, nullptr, options);
  RobustEvaluationOptions evaluation;
  evaluation.eps = 0.1;
  evaluation.method = "ibp";
  evaluation.attack = attack::Options{};
  const RobustEvaluation scores = evaluate_robustness(to_network(result.network), test, evaluation);
  EXPECT_GE(*scores.pgd_accuracy(), 0.9);
}

TEST(NetworkTrainer, AHugeLearningRateStopsWithTheDivergenceError) {
  const data::Dataset train = testing::synthetic_binary_dataset(200, 4, 5);
  NetworkTrainOptions options = quick_options(NetworkMode::Standard, 0);
  options.optimizer.kind = OptimizerKind::Sgd;
  options.learning_rate = 1e12;
  try {
    train_network(build_architecture("mlp:8x2", train.sample_shape, 2, 0), train, nullptr, options);
    FAIL() << "training a learning rate of 1e12 did not diverge";
  } catch (const TrainingDiverged& e) {
    EXPECT_NE(std::string(e.what()).find("training diverged at epoch"), std::string::npos) << e.what();
  }
}

TEST(NetworkTrainer, EarlyStoppingKeepsTheBestEpoch) {
  const data::Dataset train = testing::synthetic_binary_dataset(200, 4, 6);
  // Labels flipped: the better the model learns the task, the worse its validation loss.
  data::Dataset validation = testing::synthetic_binary_dataset(100, 4, 7);
  for (std::int64_t& label : validation.labels) label = 1 - label;
  NetworkTrainOptions options = quick_options(NetworkMode::Standard, 0);
  options.patience = 2;
  options.epochs = 200;
  const NetworkTrainResult result =
      train_network(build_architecture("mlp:8x1", train.sample_shape, 2, 0), train, &validation, options);
  EXPECT_TRUE(result.stopped_early);
  const auto& best = result.history.at(static_cast<std::size_t>(result.best_epoch - 1));
  for (const EpochRecord& record : result.history) EXPECT_GE(*record.validation_loss, *best.validation_loss);
  EXPECT_NEAR(clean_score(result.network, validation).loss, *best.validation_loss, 1e-9);
  EXPECT_THROW(train_network(build_architecture("mlp:8x1", train.sample_shape, 2, 0), train, nullptr, options), Error);
}

TEST(NetworkTrainer, RefusesDataThatDoesNotFitTheNetwork) {
  const data::Dataset train = testing::synthetic_binary_dataset(50, 4, 8);
  const NetworkTrainOptions options = quick_options(NetworkMode::Standard, 0);
  EXPECT_THROW(train_network(build_architecture("mlp:8x1", {7}, 2, 0), train, nullptr, options), ShapeError);
  NetworkTrainOptions no_eps = quick_options(NetworkMode::Ibp, 0);
  EXPECT_THROW(train_network(build_architecture("mlp:8x1", train.sample_shape, 2, 0), train, nullptr, no_eps), Error);
}

// A stable network leaves training with every block proved non-expansive, and its certified
// Lipschitz bound holds between sampled pairs of inputs.
TEST(NetworkTrainer, StableNetworksAreProvedNonExpansive) {
  const data::Dataset train = testing::synthetic_binary_dataset(200, 8, 9);
  NetworkTrainOptions options = quick_options(NetworkMode::Standard, 0);
  options.epochs = 10;
  options.learning_rate = 0.05;  // large steps push the blocks against their constraint
  const NetworkTrainResult result =
      train_network(build_architecture("stable:12x3", train.sample_shape, 2, 0), train, nullptr, options);
  const StabilityCertificate certificate = certify_stability(result.network);
  ASSERT_EQ(certificate.step_products.size(), 3u);
  EXPECT_TRUE(certificate.non_expansive);
  EXPECT_TRUE(certificate.within_caps);
  for (double product : certificate.step_products) EXPECT_LE(product, 2.0);
  // The lift is capped at norm 1 and the blocks are non-expansive: the output layer's norm bounds it.
  const std::size_t output = *result.network.bindings.back().weight;
  const double output_norm = stability::dense_spectral_norm(result.network.parameter(output)).upper;
  EXPECT_LE(certificate.lipschitz_upper, output_norm * (1 + 1e-9));
  EXPECT_GE(certificate.lipschitz_upper, 0.9 * output_norm);  // the lift's norm sits near its cap

  const model::Network exported = to_network(result.network);
  std::mt19937 random(3);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  for (int trial = 0; trial < 100; ++trial) {
    Eigen::MatrixXd pair(train.inputs.rows(), 2);
    for (Eigen::Index i = 0; i < pair.size(); ++i) pair.data()[i] = unit(random);
    const Eigen::MatrixXd y = model::forward<double>(exported, pair);
    EXPECT_LE((y.col(0) - y.col(1)).norm(), certificate.lipschitz_upper * (pair.col(0) - pair.col(1)).norm());
  }
}

TEST(StableBlocks, ProvingScalesDownAnExpansiveBlock) {
  TrainableNetwork network = build_architecture("stable:6x1", {4}, 2, 0);
  const StableBlock block = network.stable_blocks.front();
  network.parameter(block.weight) *= 10.0;
  EXPECT_FALSE(certify_stability(network).non_expansive);
  make_provably_stable(network);
  const StabilityCertificate certificate = certify_stability(network);
  EXPECT_TRUE(certificate.non_expansive);
  EXPECT_GT(certificate.step_products.front(), 1.9);  // scaled onto the limit, not far below it
}

}  // namespace
}  // namespace certnn::train
