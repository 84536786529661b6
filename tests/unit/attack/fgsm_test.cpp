// FGSM (attack/fgsm.hpp) on binary linear classifiers, where the gradient's sign (or direction)
// is the same at every point and one step of length eps is the exact worst case: the FGSM point
// equals the closed-form attack (linear_attack.hpp) for L∞ with and without a domain and for L2,
// with either loss.
#include "certnn/attack/fgsm.hpp"

#include <gtest/gtest.h>

#include <limits>

#include <vector>

#include "attack/attack_test_networks.hpp"
#include "certnn/attack/linear_attack.hpp"
#include "certnn/attack/prediction.hpp"
#include "random_seed.hpp"

namespace certnn::attack {
namespace {

using Eigen::Index;
using Eigen::MatrixXd;
using testing::points_in_unit_box;
using testing::random_linear;

TEST(Fgsm, EqualsTheClosedFormAttackOnBinaryLinearModels) {
  std::mt19937 random = certnn::testing::seeded_generator();
  for (int trial = 0; trial < 30; ++trial) {
    const Index n = 1 + trial;
    const model::Network network = random_linear(random, n, 2);
    const MatrixXd inputs = points_in_unit_box(random, n, 5);
    const std::vector<std::int64_t> labels = predict(network, inputs);
    for (Norm norm : {Norm::Linf, Norm::L2})
      for (const auto& domain : {std::optional<bounds::Domain>{}, std::optional<bounds::Domain>{bounds::Domain{0, 1}}}) {
        if (norm == Norm::L2 && domain) continue;  // no closed form there
        for (LossKind loss : {LossKind::CrossEntropy, LossKind::Margin}) {
          Options options;
          options.norm = norm;
          options.eps = 0.05 * (1 + trial % 4);
          options.domain = domain;
          options.loss = loss;
          options.stop_at_success = false;  // report the FGSM point even where the input broke
          const std::vector<Outcome> outcomes = fgsm(network, inputs, labels, options);
          for (Index s = 0; s < inputs.cols(); ++s) {
            SCOPED_TRACE("trial " + std::to_string(trial) + " input " + std::to_string(s));
            const LinearWorstCase exact =
                linear_worst_case(network, inputs.col(s), labels[static_cast<std::size_t>(s)], options.eps, norm, domain);
            const Outcome& o = outcomes[static_cast<std::size_t>(s)];
            if (norm == Norm::Linf) {
              EXPECT_EQ(o.point, exact.point);
            } else {
              // Both points are x + ε·g/‖g‖₂ computed in different orders: each coordinate carries
              // the rounding of a norm over n terms and a scaled step, O(n·u·(|x| + ε)).
              const double tolerance = 16.0 * static_cast<double>(n + 2) * std::numeric_limits<double>::epsilon() *
                                       (1.0 + options.eps);
              EXPECT_LE((o.point - exact.point).cwiseAbs().maxCoeff(), tolerance);
            }
            EXPECT_NEAR(o.goal_margin, exact.margin, 1e-12);
          }
        }
      }
  }
}

TEST(Fgsm, ZeroRadiusKeepsTheInput) {
  std::mt19937 random = certnn::testing::seeded_generator();
  const model::Network network = random_linear(random, 6, 3);
  const MatrixXd inputs = points_in_unit_box(random, 6, 4);
  Options options;
  options.eps = 0.0;
  const std::vector<Outcome> outcomes = fgsm(network, inputs, predict(network, inputs), options);
  for (Index s = 0; s < inputs.cols(); ++s) {
    EXPECT_EQ(outcomes[static_cast<std::size_t>(s)].point, inputs.col(s));
    EXPECT_FALSE(outcomes[static_cast<std::size_t>(s)].success);
  }
}

}  // namespace
}  // namespace certnn::attack
