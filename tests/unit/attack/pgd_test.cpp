// PGD (attack/pgd.hpp) on random ReLU MLPs and linear models: every reported point lies in
// ball ∩ domain for both norms; success and labels agree with an independent (naive, long
// double) forward pass; targeted attacks reach an easy target; batching and early stopping do not
// change the result; restarts only add successes; the errors.
#include "certnn/attack/pgd.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "attack/attack_test_networks.hpp"
#include "certnn/attack/prediction.hpp"
#include "certnn/core/error.hpp"
#include "model/naive_forward.hpp"
#include "random_seed.hpp"

namespace certnn::attack {
namespace {

using Eigen::Index;
using Eigen::MatrixXd;
using testing::points_in_unit_box;
using testing::random_linear;
using testing::random_mlp;
using testing::uniform;

constexpr Index kInputs = 12, kClasses = 4, kBatch = 24;

// The independent prediction: argmax of the naive long double evaluation, or nullopt where the
// two largest outputs are closer than the float64 pass's error bound (either could win there).
std::optional<std::int64_t> naive_prediction(const model::Network& network, const Eigen::VectorXd& x) {
  const model::naive::Values outputs = model::naive::forward(network, x);
  std::size_t best = 0;
  for (std::size_t j = 1; j < outputs.size(); ++j)
    if (outputs[j].value > outputs[best].value) best = j;
  const long double unit = std::numeric_limits<double>::epsilon();
  for (std::size_t j = 0; j < outputs.size(); ++j)
    if (j != best && outputs[best].value - outputs[j].value <= unit * (outputs[best].error + outputs[j].error))
      return std::nullopt;
  return static_cast<std::int64_t>(best);
}

void expect_sound_outcomes(const model::Network& network, const MatrixXd& inputs, const std::vector<std::int64_t>& labels,
                           const Options& options, const std::vector<Outcome>& outcomes) {
  ASSERT_EQ(outcomes.size(), labels.size());
  for (std::size_t s = 0; s < outcomes.size(); ++s) {
    SCOPED_TRACE("input " + std::to_string(s));
    const Outcome& o = outcomes[s];
    const Eigen::VectorXd x0 = inputs.col(static_cast<Index>(s));
    ASSERT_EQ(o.point.size(), x0.size());
    // Inside ball ∩ domain, by an independent computation.
    const Eigen::VectorXd delta = o.point - x0;
    const double norm = options.norm == Norm::Linf ? delta.cwiseAbs().maxCoeff() : std::sqrt(delta.squaredNorm());
    EXPECT_LE(norm, options.eps);
    EXPECT_NEAR(o.norm, norm, 1e-15);
    if (options.domain) {
      EXPECT_GE(o.point.minCoeff(), options.domain->lower);
      EXPECT_LE(o.point.maxCoeff(), options.domain->upper);
    }
    // Success and labels as the naive evaluation sees them.
    if (const auto clean = naive_prediction(network, x0)) {
      EXPECT_EQ(o.clean_label, *clean);
    }
    if (const auto adversarial = naive_prediction(network, o.point)) {
      EXPECT_EQ(o.adversarial_label, *adversarial);
      const bool reached = *adversarial != labels[s] && (!options.target || *adversarial == *options.target);
      EXPECT_EQ(o.success, reached);
    }
    // The goal margin orders points by strength; strictly on either side of 0 it decides success.
    if (o.goal_margin < 0) {
      EXPECT_TRUE(o.success);
    }
    if (o.goal_margin > 0) {
      EXPECT_FALSE(o.success);
    }
  }
}

class PgdTest : public ::testing::TestWithParam<Norm> {};

TEST_P(PgdTest, ReportedPointsLieInBallAndDomainAndAgreeWithAnIndependentForwardPass) {
  std::mt19937 random = certnn::testing::seeded_generator();
  for (int trial = 0; trial < 4; ++trial) {
    const model::Network network = random_mlp(random, kInputs, 16, kClasses);
    const MatrixXd inputs = points_in_unit_box(random, kInputs, kBatch);
    const std::vector<std::int64_t> labels = predict(network, inputs);
    Options options;
    options.norm = GetParam();
    options.eps = GetParam() == Norm::Linf ? 0.15 : 0.6;
    options.steps = 20;
    options.restarts = 2;
    options.step_size = 2 * options.eps;  // steps far out of the region: projection does the work
    options.domain = bounds::Domain{0, 1};
    options.loss = trial % 2 ? LossKind::Margin : LossKind::CrossEntropy;
    options.seed = trial;
    const std::vector<Outcome> outcomes = pgd(network, inputs, labels, options);
    expect_sound_outcomes(network, inputs, labels, options, outcomes);
    // Unbroken inputs keep their label along the way; broken ones changed it.
    for (std::size_t s = 0; s < outcomes.size(); ++s)
      EXPECT_EQ(outcomes[s].success, outcomes[s].adversarial_label != labels[s]);
  }
}

TEST_P(PgdTest, BreaksInputsWhenTheRegionCoversTheDomainAndNoneAtRadiusZero) {
  // The attack must do something: when the region holds the whole domain and the inputs are not
  // all of one class, other classes are within reach of every input.
  std::mt19937 random = certnn::testing::seeded_generator();
  const MatrixXd inputs = points_in_unit_box(random, kInputs, 64);
  // A few random MLPs predict one class on the whole box; draw until one does not.
  model::Network network = random_mlp(random, kInputs, 16, kClasses);
  std::vector<std::int64_t> labels = predict(network, inputs);
  while (std::count(labels.begin(), labels.end(), labels.front()) == static_cast<long>(labels.size())) {
    network = random_mlp(random, kInputs, 16, kClasses);
    labels = predict(network, inputs);
  }
  Options options;
  options.norm = GetParam();
  options.eps = GetParam() == Norm::Linf ? 1.0 : 4.0;  // the whole domain: every label can be left
  options.domain = bounds::Domain{0, 1};
  const std::vector<Outcome> big = pgd(network, inputs, labels, options);
  options.eps = 0.0;
  const std::vector<Outcome> none = pgd(network, inputs, labels, options);
  int broken = 0;
  for (std::size_t s = 0; s < big.size(); ++s) {
    broken += big[s].success;
    EXPECT_FALSE(none[s].success);
    EXPECT_EQ(none[s].point, inputs.col(static_cast<Index>(s)));
  }
  EXPECT_GT(broken, 0);
}

INSTANTIATE_TEST_SUITE_P(BothNorms, PgdTest, ::testing::Values(Norm::Linf, Norm::L2),
                         [](const auto& info) { return info.param == Norm::Linf ? "Linf" : "L2"; });

TEST(Pgd, TargetedAttackReachesTheTargetOnALinearModel) {
  std::mt19937 random = certnn::testing::seeded_generator();
  const model::Network network = random_linear(random, 8, 3);
  const MatrixXd inputs = uniform(random, 8, 10, -1, 1);
  const std::vector<std::int64_t> labels = predict(network, inputs);
  for (LossKind loss : {LossKind::CrossEntropy, LossKind::Margin})
    for (std::int64_t target = 0; target < 3; ++target) {
      Options options;
      options.eps = 100.0;  // far beyond every decision boundary: each class owns some of the ball
      options.loss = loss;
      options.target = target;
      const std::vector<Outcome> outcomes = pgd(network, inputs, labels, options);
      expect_sound_outcomes(network, inputs, labels, options, outcomes);
      for (std::size_t s = 0; s < outcomes.size(); ++s) {
        // An input of the target's own class has nothing to reach.
        EXPECT_EQ(outcomes[s].success, labels[s] != target);
        if (labels[s] != target) {
          EXPECT_EQ(outcomes[s].adversarial_label, target);
        }
      }
    }
}

TEST(Pgd, AlreadyMisclassifiedInputsSucceedWithNormZero) {
  std::mt19937 random = certnn::testing::seeded_generator();
  const model::Network network = random_mlp(random, kInputs, 16, kClasses);
  const MatrixXd inputs = points_in_unit_box(random, kInputs, 6);
  std::vector<std::int64_t> labels = predict(network, inputs);
  for (auto& label : labels) label = (label + 1) % kClasses;
  Options options;
  options.eps = 0.1;
  const std::vector<Outcome> outcomes = pgd(network, inputs, labels, options);
  for (std::size_t s = 0; s < outcomes.size(); ++s) {
    EXPECT_TRUE(outcomes[s].success);
    EXPECT_EQ(outcomes[s].norm, 0.0);
    EXPECT_EQ(outcomes[s].point, inputs.col(static_cast<Index>(s)));
    EXPECT_EQ(outcomes[s].adversarial_label, outcomes[s].clean_label);
  }
}

TEST(Pgd, BatchingDoesNotChangeADeterministicAttack) {
  // Without random starts the attack of one column does not depend on the others, however
  // columns leave the batch on success.
  std::mt19937 random = certnn::testing::seeded_generator();
  const model::Network network = random_mlp(random, kInputs, 16, kClasses);
  const MatrixXd inputs = points_in_unit_box(random, kInputs, kBatch);
  const std::vector<std::int64_t> labels = predict(network, inputs);
  Options options;
  options.eps = 0.2;
  options.steps = 15;
  options.random_start = false;
  options.domain = bounds::Domain{0, 1};
  const std::vector<Outcome> batched = pgd(network, inputs, labels, options);
  int successes = 0;
  for (Index s = 0; s < kBatch; ++s) {
    const std::vector<std::int64_t> label{labels[static_cast<std::size_t>(s)]};
    const Outcome alone = pgd(network, inputs.col(s), label, options).front();
    const Outcome& together = batched[static_cast<std::size_t>(s)];
    EXPECT_EQ(alone.success, together.success) << s;
    EXPECT_EQ(alone.adversarial_label, together.adversarial_label) << s;
    // Equal but for the rounding of differently shaped matrix products.
    EXPECT_LE((alone.point - together.point).cwiseAbs().maxCoeff(), 1e-9) << s;
    successes += together.success;
  }
  // The comparison means most when some columns leave the batch early and some stay.
  RecordProperty("successes", successes);
}

TEST(Pgd, RestartsOnlyAddSuccesses) {
  std::mt19937 random = certnn::testing::seeded_generator();
  const model::Network network = random_mlp(random, kInputs, 16, kClasses);
  const MatrixXd inputs = points_in_unit_box(random, kInputs, kBatch);
  const std::vector<std::int64_t> labels = predict(network, inputs);
  Options options;
  options.eps = 0.1;
  options.steps = 10;
  options.seed = 7;
  const std::vector<Outcome> once = pgd(network, inputs, labels, options);
  EXPECT_EQ(pgd(network, inputs, labels, options)[3].point, once[3].point);  // deterministic per seed
  options.restarts = 4;
  const std::vector<Outcome> more = pgd(network, inputs, labels, options);
  for (std::size_t s = 0; s < once.size(); ++s) {
    if (once[s].success) {
      EXPECT_TRUE(more[s].success) << s;
    }
  }
}

TEST(Pgd, StopAtSuccessOffKeepsDescendingToLowerMargins) {
  std::mt19937 random = certnn::testing::seeded_generator();
  const model::Network network = random_linear(random, 10, 2);
  const MatrixXd inputs = uniform(random, 10, 8, -1, 1);
  const std::vector<std::int64_t> labels = predict(network, inputs);
  Options options;
  options.eps = 3.0;
  options.loss = LossKind::Margin;
  const std::vector<Outcome> first = pgd(network, inputs, labels, options);
  options.stop_at_success = false;
  const std::vector<Outcome> strongest = pgd(network, inputs, labels, options);
  for (std::size_t s = 0; s < first.size(); ++s) {
    EXPECT_TRUE(strongest[s].success);
    EXPECT_LE(strongest[s].goal_margin, first[s].goal_margin);
  }
}

TEST(Pgd, RefusesBadArguments) {
  std::mt19937 random(1);
  const model::Network network = random_mlp(random, 4, 8, 3);
  const MatrixXd inputs = MatrixXd::Constant(4, 2, 0.5);
  const std::vector<std::int64_t> labels{0, 2};
  Options options;
  options.eps = 0.1;
  options.domain = bounds::Domain{0, 1};
  EXPECT_NO_THROW(pgd(network, inputs, labels, options));
  EXPECT_THROW(pgd(network, inputs, std::vector<std::int64_t>{0}, options), Error);
  EXPECT_THROW(pgd(network, inputs, std::vector<std::int64_t>{0, 3}, options), Error);
  EXPECT_THROW(pgd(network, MatrixXd::Constant(5, 2, 0.5), labels, options), ShapeError);
  EXPECT_THROW(pgd(network, MatrixXd::Constant(4, 2, 1.5), labels, options), Error);
  for (auto change : std::vector<void (*)(Options&)>{
           [](Options& o) { o.steps = 0; }, [](Options& o) { o.restarts = 0; }, [](Options& o) { o.eps = -1; },
           [](Options& o) { o.eps = std::nan(""); }, [](Options& o) { o.step_size = 0.0; },
           [](Options& o) { o.target = 3; }}) {
    Options bad = options;
    change(bad);
    EXPECT_THROW(pgd(network, inputs, labels, bad), Error);
  }
  model::Network one_output({1, 4});
  one_output.set_output(one_output.add("score", model::Dense{MatrixXd::Ones(1, 4), Eigen::VectorXd::Zero(1)}, {0}));
  EXPECT_THROW(pgd(one_output, inputs, std::vector<std::int64_t>{0, 0}, options), Error);
}

}  // namespace
}  // namespace certnn::attack
