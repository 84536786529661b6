// The deployment gate (report/gate.hpp) on a linear classifier whose figures are known in closed
// form: y = [x0 − x1, x1 − x0] has Lipschitz constant 2, and at a point with x0 − x1 = m > 0 the
// exact L∞ radius of class 0 is m / 2. Thresholds are inclusive; non-finite weights fail the gate
// without running the rest; the policy's parse errors name the key.
#include "certnn/report/gate.hpp"

#include <gtest/gtest.h>

#include "certnn/core/error.hpp"

namespace certnn::report {
namespace {

model::Network difference_classifier() {
  model::Network network({1, 2});
  Eigen::MatrixXd weight(2, 2);
  weight << 1, -1, -1, 1;
  network.set_output(network.add("dense", model::Dense{weight, Eigen::VectorXd::Zero(2)}, {model::kInputValue}));
  return network;
}

// Three points of class 0 with margins m = 0.4, 0.2, 0.1 (radii 0.2, 0.1, 0.05), one of class 1.
data::Dataset points() {
  data::Dataset d;
  d.name = "points";
  d.sample_shape = {2};
  d.classes = 2;
  d.inputs.resize(2, 4);
  d.inputs << 0.7, 0.6, 0.55, 0.3,  //
      0.3, 0.4, 0.45, 0.6;
  d.labels = {0, 0, 0, 1};
  return d;
}

const CheckOutcome& named(const GateOutcome& outcome, const std::string& name) {
  for (const auto& c : outcome.checks)
    if (c.name == name) return c;
  throw std::runtime_error("no check " + name);
}

TEST(Gate, MeasuresWhatTheClosedFormSaysAndJudgesInclusively) {
  Policy policy = parse_policy(R"({"data": "points", "eps": 0.06,
      "checks": {"max_lipschitz_upper": 2.0000001, "min_clean_accuracy": 1.0, "min_certified_accuracy": 0.75,
                 "min_median_certified_radius": 0.07, "max_condition_number": 1e300}})",
                               "policy");
  const data::Dataset test = points();
  const GateOutcome outcome = run_gate(difference_classifier(), {}, &test, policy);
  EXPECT_EQ(outcome.samples, 4);
  EXPECT_NEAR(*named(outcome, "max_lipschitz_upper").value, 2.0, 1e-9);
  EXPECT_EQ(*named(outcome, "min_clean_accuracy").value, 1.0);
  EXPECT_TRUE(named(outcome, "min_clean_accuracy").passed);  // equal to the threshold passes
  // At eps 0.06 the radii 0.2, 0.1 and the class-1 point's 0.15 are certified, 0.05 is not.
  EXPECT_EQ(*named(outcome, "min_certified_accuracy").value, 0.75);
  EXPECT_TRUE(named(outcome, "min_certified_accuracy").passed);
  // Median of {0.2, 0.1, 0.05, 0.15}: 0.125, each certified radius within 1% below the exact one.
  const double median = *named(outcome, "min_median_certified_radius").value;
  EXPECT_LE(median, 0.125);
  EXPECT_GE(median, 0.125 * 0.99);
  // The matrix is singular: its condition number is infinite, which no threshold admits.
  EXPECT_FALSE(named(outcome, "max_condition_number").passed);
  EXPECT_FALSE(outcome.passed());

  policy.checks.max_condition_number.reset();
  policy.checks.max_lipschitz_upper = 1.99;
  const GateOutcome stricter = run_gate(difference_classifier(), {}, &test, policy);
  EXPECT_FALSE(named(stricter, "max_lipschitz_upper").passed);
  EXPECT_EQ(stricter.checks.size(), 4u);
}

TEST(Gate, NonFiniteWeightsFailEveryCheckUnrun) {
  const Policy policy = parse_policy(
      R"({"data": "points", "checks": {"finite_weights": true, "gradient_check": true, "min_clean_accuracy": 0.1}})",
      "policy");
  const data::Dataset test = points();
  const GateOutcome outcome = run_gate(difference_classifier(), {"dense.weight"}, &test, policy);
  ASSERT_EQ(outcome.checks.size(), 3u);
  EXPECT_EQ(*outcome.checks[0].value, 1.0);
  EXPECT_NE(outcome.checks[0].detail.find("dense.weight"), std::string::npos);
  for (const auto& c : outcome.checks) {
    EXPECT_FALSE(c.passed) << c.name;
    if (c.name != "finite_weights") {
      EXPECT_FALSE(c.value.has_value()) << c.name;
    }
  }
}

TEST(Gate, DataChecksNeedData) {
  const Policy policy = parse_policy(R"({"data": "points", "checks": {"min_clean_accuracy": 0.1}})", "policy");
  EXPECT_THROW(run_gate(difference_classifier(), {}, nullptr, policy), Error);
}

TEST(Policy, ReadsEveryKeyAndRefusesTyposByName) {
  const Policy p = parse_policy(R"({"data": "digits", "eps": 0.05, "norm": "l2", "method": "ibp", "limit": 500,
      "radius_limit": 20, "test_fraction": 0.3, "seed": 7, "steps": 10, "restarts": 2, "gradient_tolerance": 1e-6,
      "checks": {"finite_weights": true, "gradient_check": false, "min_pgd_accuracy": 0.6}})",
                                "p.json");
  EXPECT_EQ(p.data, "digits");
  EXPECT_EQ(*p.eps, 0.05);
  EXPECT_EQ(p.norm, attack::Norm::L2);
  EXPECT_EQ(p.method, "ibp");
  EXPECT_EQ(*p.limit, 500);
  EXPECT_EQ(p.radius_limit, 20);
  EXPECT_EQ(p.test_fraction, 0.3);
  EXPECT_EQ(p.seed, 7u);
  EXPECT_EQ(p.steps, 10);
  EXPECT_EQ(p.restarts, 2);
  EXPECT_EQ(p.gradient_tolerance, 1e-6);
  EXPECT_TRUE(p.checks.finite_weights);
  EXPECT_FALSE(p.checks.gradient_check);
  EXPECT_EQ(*p.checks.min_pgd_accuracy, 0.6);
  EXPECT_FALSE(p.checks.min_clean_accuracy.has_value());

  try {
    parse_policy(R"({"checks": {"max_lipschitz": 3}})", "p.json");
    FAIL() << "a misspelt check must be refused";
  } catch (const Error& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("p.json: \"checks\": \"max_lipschitz\" is not a known key"), std::string::npos) << message;
  }
  EXPECT_THROW(parse_policy(R"({"limit": 0, "checks": {"finite_weights": true}})", "p"), Error);
  EXPECT_THROW(parse_policy(R"({"limit": 2.5, "checks": {"finite_weights": true}})", "p"), Error);
  EXPECT_THROW(parse_policy(R"({"eps": -1, "checks": {"finite_weights": true}})", "p"), Error);
  EXPECT_THROW(parse_policy(R"({"checks": {"max_condition_number": 0.5}})", "p"), Error);
  EXPECT_THROW(parse_policy(R"({"checks": {"finite_weights": true}} trailing)", "p"), Error);
}

}  // namespace
}  // namespace certnn::report
