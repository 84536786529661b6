// The threat region (attack/threat_region.hpp): projected and random points lie in ball ∩ domain
// for both norms, checked independently (long double distances for L∞, a plain loop for L2);
// projection is the identity inside and the clip / radial scaling outside; the errors.
#include "certnn/attack/threat_region.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <numeric>
#include <vector>

#include "attack/attack_test_networks.hpp"
#include "certnn/core/error.hpp"
#include "random_seed.hpp"

namespace certnn::attack {
namespace {

using Eigen::Index;
using Eigen::MatrixXd;
using testing::points_in_unit_box;
using testing::uniform;

std::vector<Index> all_columns(Index count) {
  std::vector<Index> columns(static_cast<std::size_t>(count));
  std::iota(columns.begin(), columns.end(), Index{0});
  return columns;
}

// Independent of ThreatRegion: L∞ in long double, where the difference of two doubles in [−2, 2]
// is exact (64-bit significand); L2 as a plain sum of squares.
bool in_ball_and_domain(const Eigen::VectorXd& x, const Eigen::VectorXd& centre, double eps, Norm norm,
                        const std::optional<bounds::Domain>& domain) {
  long double sum = 0;
  for (Index i = 0; i < x.size(); ++i) {
    if (domain && !(domain->lower <= x[i] && x[i] <= domain->upper)) return false;
    const long double d = static_cast<long double>(x[i]) - static_cast<long double>(centre[i]);
    if (norm == Norm::Linf && std::fabs(d) > eps) return false;
    sum += d * d;
  }
  // L2: the float64 norm is at most eps by contract; its real value may exceed eps by the
  // rounding of the norm, a few ulps.
  return norm == Norm::Linf || std::sqrt(sum) <= eps * (1 + 1e-14);
}

class ThreatRegionTest : public ::testing::TestWithParam<Norm> {};

TEST_P(ThreatRegionTest, ProjectedAndRandomPointsStayInsideBallAndDomain) {
  std::mt19937 random = certnn::testing::seeded_generator();
  const Norm norm = GetParam();
  for (int trial = 0; trial < 20; ++trial) {
    const Index n = 1 + trial * 3, count = 8;
    const MatrixXd centres = points_in_unit_box(random, n, count);
    const double eps = std::pow(10.0, uniform(random, 1, 1, -4, 0)(0, 0));
    for (const auto& domain : {std::optional<bounds::Domain>{}, std::optional<bounds::Domain>{bounds::Domain{0, 1}}}) {
      const ThreatRegion region(centres, eps, norm, domain);
      const std::vector<Index> columns = all_columns(count);
      // Points far outside in every direction, and points just across the boundary.
      MatrixXd far = centres + uniform(random, n, count, -3, 3);
      MatrixXd near = centres + eps * uniform(random, n, count, -1.01, 1.01);
      std::mt19937_64 draws(trial);
      const MatrixXd starts = region.random_points(columns, draws);
      region.project(far, columns);
      region.project(near, columns);
      for (Index s = 0; s < count; ++s) {
        for (const MatrixXd* points : std::array<const MatrixXd*, 3>{&far, &near, &starts}) {
          EXPECT_TRUE(in_ball_and_domain(points->col(s), centres.col(s), eps, norm, domain))
              << "n " << n << " eps " << eps << " column " << s;
          EXPECT_TRUE(region.contains(points->col(s), s));
          EXPECT_LE(region.distance(points->col(s), s), eps);
        }
      }
    }
  }
}

TEST_P(ThreatRegionTest, ProjectionKeepsPointsThatAreInside) {
  std::mt19937 random = certnn::testing::seeded_generator();
  const Index n = 12, count = 6;
  const MatrixXd centres = points_in_unit_box(random, n, count);
  const ThreatRegion region(centres, 0.1, GetParam(), bounds::Domain{0, 1});
  std::mt19937_64 draws(1);
  const MatrixXd inside = region.random_points(all_columns(count), draws);
  MatrixXd projected = inside;
  region.project(projected, all_columns(count));
  EXPECT_EQ(projected, inside);
}

INSTANTIATE_TEST_SUITE_P(BothNorms, ThreatRegionTest, ::testing::Values(Norm::Linf, Norm::L2),
                         [](const auto& info) { return info.param == Norm::Linf ? "Linf" : "L2"; });

TEST(ThreatRegion, LinfProjectionIsTheClipToTheBox) {
  std::mt19937 random = certnn::testing::seeded_generator();
  const Index n = 30;
  const MatrixXd centre = points_in_unit_box(random, n, 1);
  const double eps = 0.05;
  const ThreatRegion region(centre, eps, Norm::Linf, bounds::Domain{0, 1});
  MatrixXd x = centre + uniform(random, n, 1, -0.2, 0.2);
  const MatrixXd before = x;
  region.project(x, all_columns(1));
  for (Index i = 0; i < n; ++i) {
    const double expected = std::clamp(before(i, 0), std::max(0.0, centre(i, 0) - eps), std::min(1.0, centre(i, 0) + eps));
    // Equal up to the inward rounding of the ball's ends (one ulp at most).
    EXPECT_NEAR(x(i, 0), expected, 2 * std::numeric_limits<double>::epsilon()) << i;
  }
}

TEST(ThreatRegion, L2ProjectionScalesOntoTheSphere) {
  std::mt19937 random = certnn::testing::seeded_generator();
  const Index n = 50;
  const MatrixXd centre = uniform(random, n, 1, -1, 1);
  const double eps = 0.3;
  const ThreatRegion region(centre, eps, Norm::L2, std::nullopt);
  const Eigen::VectorXd delta = uniform(random, n, 1, -1, 1);  // norm ≈ 4, far outside
  MatrixXd x = centre + delta;
  region.project(x, all_columns(1));
  const Eigen::VectorXd moved = x.col(0) - centre.col(0);
  EXPECT_NEAR(moved.norm(), eps, 1e-12);
  EXPECT_NEAR(moved.normalized().dot(delta.normalized()), 1.0, 1e-12);
  EXPECT_LE(moved.norm(), eps);
}

TEST(ThreatRegion, LinfEndsHoldInExactArithmetic) {
  // centre + eps often rounds past the ball; the region's ends must not.
  std::mt19937 random = certnn::testing::seeded_generator();
  const MatrixXd centres = uniform(random, 1, 2000, 0, 1);
  const double eps = 0.1;
  const ThreatRegion region(centres, eps, Norm::Linf, std::nullopt);
  for (Index s = 0; s < centres.cols(); ++s) {
    const long double c = centres(0, s);
    EXPECT_LE(static_cast<long double>(region.upper()(0, s)) - c, static_cast<long double>(eps));
    EXPECT_LE(c - static_cast<long double>(region.lower()(0, s)), static_cast<long double>(eps));
    // ... and lose at most one ulp of the ball.
    EXPECT_GE(region.upper()(0, s), std::nextafter(centres(0, s) + eps, -1.0));
  }
}

TEST(ThreatRegion, ZeroRadiusIsThePoint) {
  const MatrixXd centre = MatrixXd::Constant(4, 1, 0.25);
  for (Norm norm : {Norm::Linf, Norm::L2}) {
    const ThreatRegion region(centre, 0.0, norm, bounds::Domain{0, 1});
    MatrixXd x = MatrixXd::Constant(4, 1, 0.9);
    region.project(x, all_columns(1));
    EXPECT_EQ(x, centre);
  }
}

TEST(ThreatRegion, RefusesBadRadiiAndCentresOutsideTheDomain) {
  const MatrixXd centre = MatrixXd::Constant(3, 2, 0.5);
  EXPECT_THROW(ThreatRegion(centre, -0.1, Norm::Linf, std::nullopt), Error);
  EXPECT_THROW(ThreatRegion(centre, std::nan(""), Norm::L2, std::nullopt), Error);
  EXPECT_THROW(ThreatRegion(centre, INFINITY, Norm::Linf, std::nullopt), Error);
  MatrixXd outside = centre;
  outside(2, 1) = 1.5;
  try {
    ThreatRegion(outside, 0.1, Norm::Linf, bounds::Domain{0, 1});
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("input 1 has element 2"), std::string::npos) << e.what();
  }
  EXPECT_NO_THROW(ThreatRegion(outside, 0.1, Norm::Linf, std::nullopt));
}

}  // namespace
}  // namespace certnn::attack
