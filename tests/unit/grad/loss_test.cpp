// The scalar losses of grad/loss.hpp: values against their definitions, cotangents against
// central finite differences (tolerance derived in finite_difference.hpp), the stated choice at
// ties, overflow-free cross-entropy, and the errors.
#include "certnn/grad/loss.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <random>
#include <vector>

#include "certnn/core/error.hpp"
#include "grad/finite_difference.hpp"
#include "random_seed.hpp"

namespace certnn::grad {
namespace {

using model::Batch;
using Labels = std::vector<std::int64_t>;
using LossFunction = std::function<Loss(const Batch<double>&)>;

// dL/dy by central differences, column by column (each column's loss reads only its column).
Batch<double> numeric_cotangent(const LossFunction& loss, const Batch<double>& outputs) {
  Batch<double> gradient(outputs.rows(), outputs.cols());
  for (Eigen::Index i = 0; i < outputs.rows(); ++i) {
    Batch<double> up = outputs, down = outputs;
    for (Eigen::Index s = 0; s < outputs.cols(); ++s) {
      const testing::Steps st = testing::steps_around(outputs(i, s));
      up(i, s) = st.up;
      down(i, s) = st.down;
    }
    gradient.row(i) = (loss(up).value - loss(down).value).array() / (up.row(i) - down.row(i)).array();
  }
  return gradient;
}

Labels random_labels(std::mt19937& random, Eigen::Index count, Eigen::Index classes) {
  std::uniform_int_distribution<std::int64_t> pick(0, classes - 1);
  Labels labels(static_cast<std::size_t>(count));
  for (auto& label : labels) label = pick(random);
  return labels;
}

// The smallest gap between the two largest outputs other than the target (the margin's kink).
double runner_up_gap(const Batch<double>& outputs, const Labels& targets) {
  double gap = std::numeric_limits<double>::infinity();
  for (Eigen::Index s = 0; s < outputs.cols(); ++s) {
    std::vector<double> others;
    for (Eigen::Index j = 0; j < outputs.rows(); ++j)
      if (j != targets[s]) others.push_back(outputs(j, s));
    std::sort(others.begin(), others.end(), std::greater<>());
    if (others.size() >= 2) gap = std::min(gap, others[0] - others[1]);
  }
  return gap;
}

TEST(Loss, ChosenOutputIsTheOutputWithAUnitCotangent) {
  std::mt19937 random = certnn::testing::seeded_generator();
  const Batch<double> outputs = testing::uniform_matrix(random, 5, 3, -2, 2);
  const Labels indices{4, 0, 2};
  const Loss loss = chosen_output(outputs, indices);
  for (Eigen::Index s = 0; s < 3; ++s) {
    EXPECT_EQ(loss.value[s], outputs(indices[s], s));
    Eigen::VectorXd unit = Eigen::VectorXd::Zero(5);
    unit[indices[s]] = 1;
    EXPECT_EQ(loss.cotangent.col(s), unit);
  }
}

TEST(Loss, MarginMatchesItsDefinitionAndFiniteDifferences) {
  std::mt19937 random = certnn::testing::seeded_generator();
  for (int trial = 0; trial < 50; ++trial) {
    SCOPED_TRACE("trial " + std::to_string(trial));
    const Eigen::Index classes = std::uniform_int_distribution<Eigen::Index>(2, 10)(random);
    const Labels targets = random_labels(random, 4, classes);
    Batch<double> outputs;
    do {
      outputs = testing::uniform_matrix(random, classes, 4, -3, 3);
    } while (runner_up_gap(outputs, targets) < testing::kKinkMargin);
    const LossFunction loss = [&](const Batch<double>& y) { return margin(y, targets); };
    const Loss computed = loss(outputs);
    for (Eigen::Index s = 0; s < 4; ++s) {
      double others = -std::numeric_limits<double>::infinity();
      for (Eigen::Index j = 0; j < classes; ++j)
        if (j != targets[s]) others = std::max(others, outputs(j, s));
      EXPECT_EQ(computed.value[s], outputs(targets[s], s) - others);
    }
    // Away from a tie for the runner-up the margin is linear.
    EXPECT_LE(testing::worst_error(computed.cotangent, numeric_cotangent(loss, outputs)), testing::kTolerance);
  }
}

TEST(Loss, MarginAtATieTakesTheFirstMaximalOtherOutput) {
  Batch<double> outputs(4, 1);
  outputs << 1.0, 3.0, 0.5, 3.0;
  const Loss loss = margin(outputs, Labels{2});
  EXPECT_EQ(loss.value[0], -2.5);
  Eigen::Vector4d expected(0, -1, 1, 0);
  EXPECT_EQ(loss.cotangent.col(0), Eigen::VectorXd(expected));
}

TEST(Loss, CrossEntropyMatchesItsDefinitionAndFiniteDifferences) {
  std::mt19937 random = certnn::testing::seeded_generator();
  for (int trial = 0; trial < 50; ++trial) {
    SCOPED_TRACE("trial " + std::to_string(trial));
    const Eigen::Index classes = std::uniform_int_distribution<Eigen::Index>(1, 10)(random);
    const Batch<double> logits = testing::uniform_matrix(random, classes, 3, -5, 5);
    const Labels labels = random_labels(random, 3, classes);
    const LossFunction loss = [&](const Batch<double>& y) { return cross_entropy(y, labels); };
    const Loss computed = loss(logits);
    for (Eigen::Index s = 0; s < 3; ++s) {
      // Direct evaluation is safe for logits in [−5, 5]; both sides round each of the n + 2
      // operations once on values of magnitude ≤ 5 + log n.
      const double direct = std::log(logits.col(s).array().exp().sum()) - logits(labels[s], s);
      EXPECT_NEAR(computed.value[s], direct, 4 * (classes + 2) * std::numeric_limits<double>::epsilon() * 8);
      EXPECT_NEAR(computed.cotangent.col(s).sum(), 0.0, 4 * (classes + 2) * std::numeric_limits<double>::epsilon());
    }
    EXPECT_LE(testing::worst_error(computed.cotangent, numeric_cotangent(loss, logits)), testing::kTolerance);
  }
}

TEST(Loss, CrossEntropyOfHugeLogitsStaysFiniteAndShiftInvariant) {
  // exp(±1000) overflows or vanishes: only the shifted evaluation gives the right answer, and
  // the loss of logits shifted by a constant equals the loss of the logits.
  std::mt19937 random = certnn::testing::seeded_generator();
  const Batch<double> logits = testing::uniform_matrix(random, 6, 3, -3, 3);
  const Labels labels = random_labels(random, 3, 6);
  const Loss reference = cross_entropy(logits, labels);
  for (const double shift : {1000.0, -1000.0}) {
    const Loss shifted = cross_entropy((logits.array() + shift).matrix(), labels);
    ASSERT_TRUE(shifted.value.allFinite());
    ASSERT_TRUE(shifted.cotangent.allFinite());
    // The shift adds a rounding of ≈ ε · 1000 to each logit.
    EXPECT_LE((shifted.value - reference.value).cwiseAbs().maxCoeff(), 1e-10);
    EXPECT_LE((shifted.cotangent - reference.cotangent).cwiseAbs().maxCoeff(), 1e-10);
  }
}

TEST(Loss, IndicesOutsideTheOutputsOrTheBatchAreShapeErrors) {
  const Batch<double> outputs = Batch<double>::Zero(3, 2);
  EXPECT_THROW(chosen_output(outputs, Labels{0}), ShapeError);
  EXPECT_THROW(chosen_output(outputs, Labels{0, 3}), ShapeError);
  EXPECT_THROW(cross_entropy(outputs, Labels{-1, 0}), ShapeError);
  EXPECT_THROW(margin(outputs, Labels{0, 1, 2}), ShapeError);
  EXPECT_THROW(margin(Batch<double>::Zero(1, 1), Labels{0}), ShapeError);
}

}  // namespace
}  // namespace certnn::grad
