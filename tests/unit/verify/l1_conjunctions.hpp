// The conjunctions y0 ≤ t ∧ y1 ≥ s of the closed-form network l1_network() over [-1, 1]²: where
// all four ReLUs are unstable, the conjunction is satisfiable exactly when s ≤ t (at x = (s, 0)
// when 0 ≤ s ≤ t ≤ 1), a fact separate bounds of its two constraints cannot see. The check runs an
// exact decision procedure on random ones: unsatisfiable conjunctions must be proved, satisfiable
// ones never are, and a counterexample it returns must be one.
#pragma once

#include <gtest/gtest.h>

#include <optional>
#include <random>

#include "certnn/bounds/region.hpp"
#include "certnn/model/forward.hpp"
#include "certnn/verify/problem.hpp"
#include "certnn/verify/search.hpp"
#include "l1_network.hpp"
#include "random_seed.hpp"

namespace certnn::testing {

inline verify::Group l1_conjunction(double t, double s) {
  spec::Disjunct d{Eigen::VectorXd::Constant(2, -1.0), Eigen::VectorXd::Constant(2, 1.0), {}};
  d.output.push_back(spec::OutputConstraint{(Eigen::VectorXd(2) << 1, 0).finished(), Interval::point(t)});
  d.output.push_back(spec::OutputConstraint{(Eigen::VectorXd(2) << 0, -1).finished(), Interval::point(-s)});
  return verify::group_disjuncts(spec::Property{2, 2, {d}}).front();
}

// decide(network, region, group, open) → std::optional<verify::Witness>, closing proved disjuncts.
template <class Decide>
void check_l1_conjunctions(int trials, Decide decide) {
  std::mt19937 rng = seeded_generator();
  std::uniform_real_distribution<double> threshold(0.05, 0.95), gap(1e-3, 0.2);
  const model::Network network = l1_network();
  int witnesses = 0;
  for (int trial = 0; trial < trials; ++trial) {
    const double t = threshold(rng);
    const bool satisfiable = trial % 2 == 0;
    const double s = satisfiable ? t - gap(rng) : t + gap(rng);
    const verify::Group group = l1_conjunction(t, s);
    const bounds::Region region = bounds::crown_region(network, group.box, bounds::Inference::Exact);
    verify::OpenDisjuncts open{1};
    const std::optional<verify::Witness> witness = decide(network, region, group, open);
    if (satisfiable) {
      EXPECT_EQ(open[0], 1) << "t " << t << " s " << s;
      if (witness) {
        EXPECT_TRUE(group.box.contains(witness->input)) << "t " << t << " s " << s;
        const Eigen::VectorXd y = model::forward<double>(network, model::Batch<double>(witness->input)).col(0);
        EXPECT_LE(y[0], t) << "t " << t << " s " << s;
        EXPECT_GE(y[1], s) << "t " << t << " s " << s;
        ++witnesses;
      }
    } else {
      EXPECT_FALSE(witness.has_value()) << "t " << t << " s " << s;
      EXPECT_EQ(open[0], 0) << "t " << t << " s " << s;
    }
  }
  // A piece's LP point is an interior point of a satisfiable piece: most of them confirm.
  EXPECT_GT(witnesses, 0);
}

}  // namespace certnn::testing
