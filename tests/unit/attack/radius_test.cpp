// The robustness radius bracket (attack/radius.hpp): on linear classifiers, where the exact L∞
// radius is known in closed form, certified ≤ exact ≤ attacked with both ends close to it; on
// random and PyTorch-exported networks with every sound method tried, the bracket never inverts
// and every attacked radius comes with a point that is misclassified at that distance.
#include "certnn/attack/radius.hpp"

#include <gtest/gtest.h>

#include <string>

#include "attack/attack_test_networks.hpp"
#include "certnn/attack/prediction.hpp"
#include "certnn/core/error.hpp"
#include "certnn/data/csv.hpp"
#include "certnn/onnx/importer.hpp"
#include "random_seed.hpp"

namespace certnn::attack {
namespace {

using Eigen::Index;
using Eigen::VectorXd;

std::string torch_model(const std::string& name, const std::string& suffix) {
  return std::string(CERTNN_SOURCE_DIR) + "/tests/data/torch/" + name + suffix;
}

// y[label] − y[j] > 0 everywhere in the L∞ ball of radius r (no domain) exactly when
// r < m_j / ‖w_label − w_j‖₁ for every j: the exact radius of a linear classifier.
double exact_linear_radius(const model::Dense& layer, const VectorXd& x, std::int64_t label) {
  const VectorXd y = layer.weight * x + layer.bias;
  double radius = std::numeric_limits<double>::infinity();
  for (Index j = 0; j < y.size(); ++j)
    if (j != label)
      radius = std::min(radius, (y[label] - y[j]) / (layer.weight.row(label) - layer.weight.row(j)).lpNorm<1>());
  return radius;
}

RadiusOptions options_for(const std::string& method, std::optional<bounds::Domain> domain, double max_eps) {
  RadiusOptions options;
  options.method = method;
  options.attack.domain = domain;
  options.attack.loss = LossKind::Margin;
  options.attack.steps = 50;
  options.attack.restarts = 2;
  options.max_eps = max_eps;
  return options;
}

void expect_valid_bracket(const model::Network& network, const VectorXd& x, const Radius& radius,
                          const RadiusOptions& options) {
  if (!radius.attacked) return;
  EXPECT_LE(radius.certified, *radius.attacked);
  ASSERT_TRUE(radius.adversarial.has_value());
  const VectorXd& point = *radius.adversarial;
  const double distance = options.attack.norm == Norm::Linf ? (point - x).cwiseAbs().maxCoeff() : (point - x).norm();
  EXPECT_LE(distance, *radius.attacked);
  EXPECT_NE(predict(network, point).front(), radius.label);
}

TEST(Radius, LinearClassifiersAreBracketedTightlyAroundTheExactRadius) {
  std::mt19937 random = certnn::testing::seeded_generator();
  for (int trial = 0; trial < 6; ++trial) {
    const model::Network network = testing::random_linear(random, 6, 3);
    const auto& layer = std::get<model::Dense>(network.nodes().front().op);
    const VectorXd x = testing::uniform(random, 6, 1, -1, 1);
    const std::int64_t label = predict(network, x).front();
    const double exact = exact_linear_radius(layer, x, label);
    for (const std::string method : {"affine", "crown"}) {
      SCOPED_TRACE(method + ", trial " + std::to_string(trial) + ", exact radius " + std::to_string(exact));
      const RadiusOptions options = options_for(method, std::nullopt, 4.0);
      const Radius radius = robustness_radius(network, x, label, options);
      ASSERT_TRUE(radius.attacked.has_value());
      EXPECT_LE(radius.certified, exact);
      EXPECT_GE(*radius.attacked, exact);
      // Both searches stop within 1% of their interval's upper end; the methods are exact on a
      // linear classifier up to rounding, and PGD reaches the worst-case vertex.
      EXPECT_GE(radius.certified, 0.98 * exact);
      EXPECT_LE(*radius.attacked, 1.02 * exact);
      expect_valid_bracket(network, x, radius, options);
    }
  }
}

TEST(Radius, TheBracketNeverInvertsOnRandomNetworks) {
  std::mt19937 random = certnn::testing::seeded_generator();
  for (int trial = 0; trial < 4; ++trial) {
    const model::Network network = testing::random_mlp(random, 8, 16, 4);
    const Eigen::MatrixXd points = testing::points_in_unit_box(random, 8, 3);
    for (Index s = 0; s < points.cols(); ++s) {
      const VectorXd x = points.col(s);
      const std::int64_t label = predict(network, x).front();
      for (const std::string method : {"ibp", "affine", "crown", "alpha-crown"}) {
        for (const Norm norm : {Norm::Linf, Norm::L2}) {
          SCOPED_TRACE(method + (norm == Norm::L2 ? " L2" : " Linf") + ", trial " + std::to_string(trial));
          RadiusOptions options = options_for(method, bounds::Domain{0.0, 1.0}, 1.0);
          options.attack.norm = norm;
          expect_valid_bracket(network, x, robustness_radius(network, x, label, options), options);
        }
      }
    }
  }
}

TEST(Radius, TheCertifiedSideAloneIsTheBracketsCertifiedSide) {
  std::mt19937 random = certnn::testing::seeded_generator();
  const model::Network network = testing::random_mlp(random, 8, 16, 4);
  const Eigen::MatrixXd points = testing::points_in_unit_box(random, 8, 4);
  for (Index s = 0; s < points.cols(); ++s) {
    const VectorXd x = points.col(s);
    const std::int64_t label = predict(network, x).front();
    for (const std::int64_t claimed : {label, (label + 1) % 4}) {  // a wrong label certifies 0
      const RadiusOptions options = options_for("crown", bounds::Domain{0.0, 1.0}, 1.0);
      const double alone = certified_radius(network, x, claimed, options);
      EXPECT_EQ(alone, robustness_radius(network, x, claimed, options).certified);
      if (claimed != label) {
        EXPECT_EQ(alone, 0.0);
      }
    }
  }
}

TEST(Radius, TheBracketNeverInvertsOnExportedNetworks) {
  for (const std::string name : {"mlp_relu", "mlp_tanh", "cnn", "residual_mlp"}) {
    SCOPED_TRACE(name);
    const model::Network network = onnx::import_model(torch_model(name, ".onnx"));
    const Eigen::MatrixXd rows =
        data::read_csv(torch_model(name, ".input.csv"), network.input_size());
    for (Index r = 0; r < std::min<Index>(rows.rows(), 3); ++r) {
      const VectorXd x = rows.row(r).transpose();
      const std::int64_t label = predict(network, x).front();
      for (const std::string method : {"ibp", "crown"}) {
        const RadiusOptions options = options_for(method, std::nullopt, 2.0);
        const Radius radius = robustness_radius(network, x, label, options);
        EXPECT_GT(radius.certified, 0.0) << method << ", row " << r;
        expect_valid_bracket(network, x, radius, options);
      }
    }
  }
}

TEST(Radius, AMisclassifiedInputHasRadiusZero) {
  std::mt19937 random = certnn::testing::seeded_generator();
  const model::Network network = testing::random_mlp(random, 8, 16, 4);
  const VectorXd x = testing::points_in_unit_box(random, 8, 1).col(0);
  const std::int64_t wrong = (predict(network, x).front() + 1) % 4;
  const Radius radius = robustness_radius(network, x, wrong, options_for("crown", bounds::Domain{0.0, 1.0}, 1.0));
  EXPECT_EQ(radius.certified, 0.0);
  ASSERT_TRUE(radius.attacked.has_value());
  EXPECT_EQ(*radius.attacked, 0.0);
}

TEST(Radius, ALargeSearchRangeFindsWhatASmallOneFinds) {
  std::mt19937 random = certnn::testing::seeded_generator();
  const model::Network network = testing::random_linear(random, 6, 3);
  const auto& layer = std::get<model::Dense>(network.nodes().front().op);
  const VectorXd x = testing::uniform(random, 6, 1, -1, 1);
  const std::int64_t label = predict(network, x).front();
  const double exact = exact_linear_radius(layer, x, label);
  for (const double max_eps : {4.0, 1e6, 1e300}) {
    SCOPED_TRACE("max_eps " + std::to_string(max_eps) + ", exact radius " + std::to_string(exact));
    const Radius radius = robustness_radius(network, x, label, options_for("crown", std::nullopt, max_eps));
    EXPECT_LE(radius.certified, exact);
    EXPECT_GE(radius.certified, 0.98 * exact);
    ASSERT_TRUE(radius.attacked.has_value());
    EXPECT_GE(*radius.attacked, exact);
    EXPECT_LE(*radius.attacked, 1.02 * exact);
  }
}

TEST(Radius, TheFinestToleranceEndsAtTheResolutionOfADouble) {
  std::mt19937 random = certnn::testing::seeded_generator();
  const model::Network network = testing::random_linear(random, 6, 3);
  const VectorXd x = testing::uniform(random, 6, 1, -1, 1);
  const std::int64_t label = predict(network, x).front();
  RadiusOptions options = options_for("ibp", std::nullopt, 4.0);
  options.relative_tolerance = 1e-12;
  const Radius radius = robustness_radius(network, x, label, options);
  ASSERT_TRUE(radius.attacked.has_value());
  EXPECT_GT(radius.certified, 0.0);
  EXPECT_LE(radius.certified, *radius.attacked);
  options.relative_tolerance = 1e-16;  // below the floor: refused, not searched for ever
  EXPECT_THROW(robustness_radius(network, x, label, options), Error);
}

TEST(Radius, AnEmpiricalMethodCertifiesNothingAndIsRefused) {
  std::mt19937 random = certnn::testing::seeded_generator();
  const model::Network network = testing::random_linear(random, 4, 3);
  RadiusOptions options = options_for("sample", std::nullopt, 1.0);
  try {
    robustness_radius(network, VectorXd::Constant(4, 0.5), 0, options);
    ADD_FAILURE() << "sample was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("sound methods: ibp, affine, doubleton, crown, alpha-crown"), std::string::npos)
        << e.what();
  }
}

TEST(Radius, UserErrors) {
  std::mt19937 random = certnn::testing::seeded_generator();
  const model::Network network = testing::random_linear(random, 4, 3);
  const VectorXd x = VectorXd::Constant(4, 0.5);
  RadiusOptions options;
  options.attack.domain = std::nullopt;
  EXPECT_THROW(robustness_radius(network, x, 0, options), Error);  // no domain, no max_eps
  options.max_eps = 1.0;
  EXPECT_THROW(robustness_radius(network, x, 3, options), Error);  // not a class
  for (const double tolerance : {0.0, 1.0, 5.0}) {
    options.relative_tolerance = tolerance;
    EXPECT_THROW(robustness_radius(network, x, 0, options), Error) << tolerance;
  }
  options.relative_tolerance = 0.01;
  options.method = "no-such-method";
  EXPECT_THROW(robustness_radius(network, x, 0, options), Error);
}

}  // namespace
}  // namespace certnn::attack
