// The width sweep (bounds/width_sweep.hpp): log-spaced radii hit both ends; softmax is appended
// once; widths grow with eps, a sound method is never narrower than sampling, and a raised stop
// flag returns only whole points.
#include "certnn/bounds/width_sweep.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "certnn/core/error.hpp"
#include "random_seed.hpp"

namespace certnn::bounds {
namespace {

model::Network small_mlp() {
  std::mt19937 random = certnn::testing::seeded_generator();
  std::normal_distribution<double> normal(0.0, 0.5);
  model::Network network({1, 4});
  Eigen::MatrixXd w1(6, 4), w2(3, 6);
  for (auto* w : {&w1, &w2})
    for (Eigen::Index i = 0; i < w->size(); ++i) w->data()[i] = normal(random);
  const model::ValueId h = network.add("dense1", model::Dense{w1, Eigen::VectorXd::Zero(6)}, {model::kInputValue});
  const model::ValueId r = network.add("relu", model::Relu{}, {h});
  network.set_output(network.add("dense2", model::Dense{w2, Eigen::VectorXd::Zero(3)}, {r}));
  return network;
}

TEST(WidthSweep, LogSpacedRadiiHitBothEndsAtAConstantRatio) {
  const std::vector<double> eps = log_spaced(1e-3, 1e-1, 5);
  ASSERT_EQ(eps.size(), 5u);
  EXPECT_EQ(eps.front(), 1e-3);
  EXPECT_EQ(eps.back(), 1e-1);
  for (std::size_t k = 1; k < eps.size(); ++k) EXPECT_NEAR(eps[k] / eps[k - 1], std::sqrt(10.0), 1e-12);
  EXPECT_EQ(log_spaced(0.2, 0.2, 1), std::vector<double>{0.2});
  EXPECT_THROW(log_spaced(0.0, 1.0, 3), Error);
  EXPECT_THROW(log_spaced(0.5, 0.1, 3), Error);
  EXPECT_THROW(log_spaced(0.1, 0.5, 0), Error);
}

TEST(WidthSweep, SoftmaxIsAppendedOnce) {
  const model::Network once = with_softmax_output(small_mlp());
  EXPECT_TRUE(std::holds_alternative<model::Softmax>(once.nodes().back().op));
  EXPECT_EQ(with_softmax_output(once).nodes().size(), once.nodes().size());
}

TEST(WidthSweep, SoundWidthsGrowWithEpsAndCoverTheSampledOnes) {
  const model::Network network = with_softmax_output(small_mlp());
  const auto ibp = make_method("ibp");
  const auto sample = make_method("sample");
  Eigen::MatrixXd centres(2, 4);
  centres << 0.2, 0.4, 0.6, 0.8, 0.5, 0.5, 0.1, 0.9;
  int points_reported = 0;
  WidthSweepOptions options;
  options.point_done = [&](const WidthSweepPoint&) { ++points_reported; };
  const auto points = width_sweep(network, {ibp.get(), sample.get()}, centres, log_spaced(1e-3, 0.3, 6), options);
  ASSERT_EQ(points.size(), 6u);
  EXPECT_EQ(points_reported, 6);
  for (std::size_t k = 0; k < points.size(); ++k) {
    ASSERT_EQ(points[k].methods.size(), 2u);
    EXPECT_EQ(points[k].methods[0].method, "ibp");
    EXPECT_GE(points[k].methods[0].mean_max_width, points[k].methods[1].mean_max_width);
    if (k > 0) {
      EXPECT_GE(points[k].methods[0].mean_max_width, points[k - 1].methods[0].mean_max_width);
    }
  }
}

TEST(WidthSweep, AStopKeepsOnlyWholePoints) {
  const model::Network network = small_mlp();
  const auto ibp = make_method("ibp");
  const auto crown = make_method("crown");
  std::atomic<bool> stop = false;
  WidthSweepOptions options;
  options.stop = &stop;
  // Raised during the second point's crown bounds: the first point alone comes back.
  options.progress = [&](std::size_t k, const Method& m, Eigen::Index) {
    if (k == 1 && m.name() == "crown") stop = true;
  };
  const auto points =
      width_sweep(network, {ibp.get(), crown.get()}, Eigen::MatrixXd::Constant(3, 4, 0.5), {0.01, 0.02, 0.03}, options);
  ASSERT_EQ(points.size(), 1u);
  EXPECT_EQ(points[0].eps, 0.01);
  EXPECT_EQ(points[0].methods.size(), 2u);
}

}  // namespace
}  // namespace certnn::bounds
