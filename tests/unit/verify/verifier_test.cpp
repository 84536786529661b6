// Verdicts of the complete verifier on small networks whose answers are known in closed form,
// with both branchings, and the rigour of every reported counterexample.
#include "certnn/verify/verifier.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <random>

#include "certnn/core/error.hpp"
#include "certnn/model/forward.hpp"
#include "certnn/verify/problem.hpp"
#include "certnn/verify/witness.hpp"
#include "l1_network.hpp"
#include "random_seed.hpp"

namespace certnn::verify {
namespace {

using Eigen::MatrixXd;
using Eigen::VectorXd;

using testing::l1_network;

double distance_to_zero(double lo, double hi) { return lo > 0 ? lo : (hi < 0 ? -hi : 0.0); }

// One disjunct: the box and y0 ≤ t (below) or y0 ≥ t (above, written −y0 ≤ −t).
spec::Disjunct l1_disjunct(const VectorXd& lower, const VectorXd& upper, double t, bool below) {
  spec::Disjunct d{lower, upper, {}};
  VectorXd a = VectorXd::Zero(2);
  a[0] = below ? 1.0 : -1.0;
  const double b = below ? t : -t;
  d.output.push_back(spec::OutputConstraint{a, Interval::point(b)});
  return d;
}

spec::Property property_of(std::vector<spec::Disjunct> disjuncts) {
  return spec::Property{2, 2, std::move(disjuncts)};
}

Settings settings_for(Splitting splitting) {
  Settings s;
  s.timeout_seconds = 30;
  s.splitting = splitting;
  return s;
}

void expect_checked_witness(const model::Network& network, const spec::Property& property, const Outcome& outcome) {
  bool in_some_box = false;
  for (const spec::Disjunct& d : property.disjuncts) {
    const bool inside = (outcome.witness.input.array() >= d.input_lower.array()).all() &&
                        (outcome.witness.input.array() <= d.input_upper.array()).all();
    if (!inside) continue;
    in_some_box = true;
  }
  EXPECT_TRUE(in_some_box) << outcome.witness.input.transpose();
  const model::Batch<double> x = outcome.witness.input;
  EXPECT_EQ(model::forward<double>(network, x).col(0), outcome.witness.output);
}

class ClosedForm : public ::testing::TestWithParam<Splitting> {};

// Random boxes and thresholds a small distance either side of the exact extremes: the verdict
// must match the closed form, and every sat witness must hold.
TEST_P(ClosedForm, VerdictsMatchTheExactRangeOfTheL1Norm) {
  std::mt19937 rng = testing::seeded_generator();
  std::uniform_real_distribution<double> coordinate(-2.0, 2.0), gap(1e-3, 0.2);
  const model::Network network = l1_network();
  for (int trial = 0; trial < 24; ++trial) {
    VectorXd lower(2), upper(2);
    for (int i = 0; i < 2; ++i) {
      const double p = coordinate(rng), q = coordinate(rng);
      lower[i] = std::min(p, q);
      upper[i] = std::max(p, q);
    }
    const double min = distance_to_zero(lower[0], upper[0]) + distance_to_zero(lower[1], upper[1]);
    const double max = std::max(-lower[0], upper[0]) + std::max(-lower[1], upper[1]);
    const bool below = trial % 2 == 0;
    const bool reachable = (trial / 2) % 2 == 0;
    // Unsafe y0 ≤ t is reachable iff t ≥ min; unsafe y0 ≥ t iff t ≤ max.
    const double t = below ? (reachable ? min + gap(rng) : min - gap(rng)) : (reachable ? max - gap(rng) : max + gap(rng));
    const spec::Property property = property_of({l1_disjunct(lower, upper, t, below)});
    const Outcome outcome = verify(network, property, settings_for(GetParam()));
    SCOPED_TRACE("box [" + std::to_string(lower[0]) + ", " + std::to_string(upper[0]) + "] x [" +
                 std::to_string(lower[1]) + ", " + std::to_string(upper[1]) + "], t " + std::to_string(t) +
                 (below ? " (y0 <= t)" : " (y0 >= t)"));
    ASSERT_EQ(outcome.verdict, reachable ? Verdict::Sat : Verdict::Unsat);
    if (reachable) {
      expect_checked_witness(network, property, outcome);
      EXPECT_TRUE(below ? outcome.witness.output[0] <= t : outcome.witness.output[0] >= t);
    }
  }
}

// A disjunction is sat when any disjunct is, unsat only when all are.
TEST_P(ClosedForm, DisjunctionsAndSeveralBoxes) {
  const model::Network network = l1_network();
  const VectorXd lo1 = VectorXd::Constant(2, -1.0), hi1 = VectorXd::Constant(2, 1.0);
  const VectorXd lo2 = VectorXd::Constant(2, 0.5), hi2 = VectorXd::Constant(2, 1.5);
  // Over box 1, y0 ∈ [0, 2]; over box 2, y0 ∈ [1, 3].
  const spec::Property unsafe_nowhere = property_of({l1_disjunct(lo1, hi1, 2.1, false), l1_disjunct(lo2, hi2, 0.9, true)});
  EXPECT_EQ(verify(network, unsafe_nowhere, settings_for(GetParam())).verdict, Verdict::Unsat);
  const spec::Property unsafe_in_second = property_of({l1_disjunct(lo1, hi1, 2.1, false), l1_disjunct(lo2, hi2, 2.9, false)});
  const Outcome outcome = verify(network, unsafe_in_second, settings_for(GetParam()));
  ASSERT_EQ(outcome.verdict, Verdict::Sat);
  expect_checked_witness(network, unsafe_in_second, outcome);
  EXPECT_GE(outcome.witness.output[0], 2.9);
}

INSTANTIATE_TEST_SUITE_P(Branching, ClosedForm, ::testing::Values(Splitting::Input, Splitting::Relu),
                         [](const auto& info) { return info.param == Splitting::Input ? "Input" : "Relu"; });

// A conjunction: y0 ≤ 1 and y1 ≥ 1.5 over [-1, 1]²: |x0| + |x1| ≤ 1 forces x0 − x1 ≤ 1, so unsat;
// with y1 ≥ 0.9 it is sat (x = (0.95, 0)).
TEST(Verifier, ConjunctionsNeedEveryConstraint) {
  const model::Network network = l1_network();
  const VectorXd lo = VectorXd::Constant(2, -1.0), hi = VectorXd::Constant(2, 1.0);
  for (const double s : {1.5, 0.9}) {
    spec::Disjunct d = l1_disjunct(lo, hi, 1.0, true);
    d.output.push_back(spec::OutputConstraint{(VectorXd(2) << 0, -1).finished(), Interval::point(-s)});
    const Outcome outcome = verify(network, property_of({d}), settings_for(Splitting::Automatic));
    EXPECT_EQ(outcome.verdict, s > 1.0 ? Verdict::Unsat : Verdict::Sat) << s;
  }
}

TEST(Verifier, ATimeLimitOfZeroGivesTimeoutOrAnAnswerNeverAWrongOne) {
  const model::Network network = l1_network();
  const spec::Property property =
      property_of({l1_disjunct(VectorXd::Constant(2, -1.0), VectorXd::Constant(2, 1.0), 2.0 + 1e-9, false)});
  Settings s = settings_for(Splitting::Input);
  s.timeout_seconds = 0.0;
  const Verdict verdict = verify(network, property, s).verdict;
  EXPECT_TRUE(verdict == Verdict::Timeout || verdict == Verdict::Unsat) << verdict_name(verdict);
}

// On one worker, a stop raised by the first progress report (at the first sub-problem) lets that
// sub-problem finish and ends the search at the next: a timeout that says why, never a verdict.
// The search would never end by itself: y = relu(x) − relu(x) ≥ 1e-300 over x in [−1, 1] is
// unsat, but every sound bound of y keeps a rounding term far above 1e-300.
TEST(Verifier, AStopRaisedDuringTheSearchEndsItAsATimeout) {
  model::Network network({1, 1});
  const model::ValueId hidden =
      network.add("hidden", model::Dense{MatrixXd::Ones(2, 1), VectorXd::Zero(2)}, {model::kInputValue});
  const model::ValueId relu = network.add("relu", model::Relu{}, {hidden});
  network.add("difference", model::Dense{Eigen::RowVector2d(1.0, -1.0), VectorXd::Zero(1)}, {relu});
  spec::Disjunct above{VectorXd::Constant(1, -1.0), VectorXd::Constant(1, 1.0), {}};
  above.output.push_back(spec::OutputConstraint{VectorXd::Constant(1, -1.0), Interval::point(-1e-300)});
  const spec::Property property{1, 1, {above}};
  for (const Splitting splitting : {Splitting::Input, Splitting::Relu}) {
    Settings s = settings_for(splitting);
    s.threads = 1;
    std::atomic<bool> stop{false};
    std::vector<Progress> reports;
    s.stop = &stop;
    s.progress = [&](const Progress& p) {
      reports.push_back(p);
      stop = true;
    };
    const Outcome outcome = verify(network, property, s);
    EXPECT_EQ(outcome.verdict, Verdict::Timeout) << verdict_name(outcome.verdict);
    EXPECT_EQ(outcome.message, "stopped before the time limit");
    EXPECT_EQ(outcome.statistics.subproblems, 1);
    ASSERT_EQ(reports.size(), 1u);
    EXPECT_EQ(reports[0].subproblems, 1);
    EXPECT_EQ(reports[0].open, 1);  // the one being bounded
    EXPECT_LE(reports[0].seconds, outcome.seconds);
  }
}

TEST(Verifier, MismatchedSizesAndUnboundedInputsAreUserErrors) {
  const model::Network network = l1_network();
  spec::Property wrong = property_of({l1_disjunct(VectorXd::Zero(2), VectorXd::Ones(2), 1.0, true)});
  wrong.output_count = 3;
  EXPECT_THROW(verify(network, wrong, settings_for(Splitting::Automatic)), Error);
  VectorXd upper = VectorXd::Ones(2);
  upper[1] = std::numeric_limits<double>::infinity();
  EXPECT_THROW(verify(network, property_of({l1_disjunct(VectorXd::Zero(2), upper, 1.0, true)}),
                      settings_for(Splitting::Automatic)),
               Error);
}

// The witness check rejects points outside the box and points that violate only in float64.
TEST(Witness, ConfirmationIsRigorous) {
  const model::Network network = l1_network();
  const VectorXd lo = VectorXd::Constant(2, -1.0), hi = VectorXd::Constant(2, 1.0);
  const Group loose = group_disjuncts(property_of({l1_disjunct(lo, hi, 0.3, true)})).front();
  EXPECT_TRUE(confirm_witness(network, loose, (VectorXd(2) << 0.1, 0.15).finished()).has_value());
  EXPECT_FALSE(confirm_witness(network, loose, (VectorXd(2) << 0.1, 0.25).finished()).has_value());
  EXPECT_FALSE(confirm_witness(network, loose, (VectorXd(2) << 1.5, 0.0).finished()).has_value());
  // y0 = 1 + 2^-60 exactly, which float64 rounds to 1: the float output meets y0 ≤ 1, the exact
  // one does not.
  const Group tight = group_disjuncts(property_of({l1_disjunct(lo, hi, 1.0, true)})).front();
  const VectorXd fooling = (VectorXd(2) << 1.0, 0x1p-60).finished();
  ASSERT_LE(model::forward<double>(network, model::Batch<double>(fooling))(0, 0), 1.0);
  EXPECT_FALSE(confirm_witness(network, tight, fooling).has_value());
  EXPECT_TRUE(confirm_witness(network, tight, (VectorXd(2) << 0.75, 0.125).finished()).has_value());
}

// Sums of a disjunct's constraints are kept only when they are exact in float64.
TEST(Problem, ConstraintSumsAreExact) {
  spec::Disjunct d{VectorXd::Zero(2), VectorXd::Ones(2), {}};
  d.output.push_back(spec::OutputConstraint{(VectorXd(2) << 1, -1).finished(), Interval{0.25, 0.5}});
  d.output.push_back(spec::OutputConstraint{(VectorXd(2) << 0, 1).finished(), Interval{1.0, 1.0}});
  d.output.push_back(spec::OutputConstraint{(VectorXd(2) << 0.1, 0).finished(), Interval{1.0, 1.0}});
  const Group group = group_disjuncts(property_of({d})).front();
  // {0, 1} and {1, 2} sum exactly; {0, 2} and the triple need 1 + 0.1, which rounds.
  for (Eigen::Index s = 0; s < group.sums.cols(); ++s) EXPECT_EQ(group.sum_disjunct[s], 0);
  ASSERT_EQ(group.sums.cols(), 2);
  EXPECT_EQ(group.sums.col(0), (VectorXd(2) << 1, 0).finished());
  EXPECT_EQ(group.sum_bound_hi[0], 1.5);
  EXPECT_EQ(group.sums.col(1), (VectorXd(2) << 0.1, 1).finished());
}

}  // namespace
}  // namespace certnn::verify
