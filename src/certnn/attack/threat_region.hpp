// The threat region of a batch of inputs: for column s of `centres` (input_size x batch), the
// ball {x : ‖x − centres.col(s)‖ ≤ eps} in the L∞ or L2 norm intersected with the domain box.
// Projection onto it, membership and random starting points; every attack iterate goes through
// project(), and every reported point through contains().
#pragma once

#include <Eigen/Core>
#include <optional>
#include <random>
#include <span>

#include "certnn/attack/options.hpp"
#include "certnn/bounds/box.hpp"

namespace certnn::attack {

// ‖delta‖∞ or ‖delta‖₂, as computed in float64.
double perturbation_norm(const Eigen::VectorXd& delta, Norm norm);

class ThreatRegion {
 public:
  // Throws certnn::Error for eps < 0 or not finite, a non-finite centre, or a centre outside the
  // domain (the region would not contain its own centre).
  ThreatRegion(Eigen::MatrixXd centres, double eps, Norm norm, std::optional<bounds::Domain> domain);

  Eigen::Index size() const { return centres_.cols(); }
  Eigen::Index dimension() const { return centres_.rows(); }
  const Eigen::MatrixXd& centres() const { return centres_; }
  double eps() const { return eps_; }
  Norm norm() const { return norm_; }
  // L∞ only (empty for L2): the box [lower, upper] of ball ∩ domain, one column per input, its
  // ends rounded inward (see contains()).
  const Eigen::MatrixXd& lower() const { return lower_; }
  const Eigen::MatrixXd& upper() const { return upper_; }

  // points: dimension x k, column j a point for region columns[j]. Each column is moved into its
  // region: L∞ clips every coordinate to the box [lower, upper] of ball ∩ domain (the exact
  // Euclidean projection); L2 scales the perturbation back to the sphere when it is longer than
  // eps, then clips to the domain (clipping moves every coordinate towards the centre, so the
  // point stays in the ball; this is a point of the intersection, not always the nearest one).
  // Non-finite coordinates are replaced by the centre's.
  void project(Eigen::MatrixXd& points, std::span<const Eigen::Index> columns) const;

  // Whether point lies in region `column`. L∞: every coordinate in [lower, upper], whose ends
  // are rounded inward so that |x − centre| ≤ eps holds in exact arithmetic; L2: the float64 norm
  // of x − centre is ≤ eps (projection leaves slack for the rounding of that norm).
  bool contains(const Eigen::VectorXd& point, Eigen::Index column) const;

  // ‖point − centre‖ of region `column` in the region's norm.
  double distance(const Eigen::VectorXd& point, Eigen::Index column) const;

  // One random point per entry of columns, dimension x columns.size(): uniform in the L∞ box;
  // for L2 uniform in the ball (a Gaussian direction, radius eps · U^(1/n)), then clipped to the
  // domain.
  Eigen::MatrixXd random_points(std::span<const Eigen::Index> columns, std::mt19937_64& random) const;

 private:
  Eigen::MatrixXd centres_;
  double eps_;
  Norm norm_;
  std::optional<bounds::Domain> domain_;
  // L∞ only: the box of ball ∩ domain per column, dimension x size.
  Eigen::MatrixXd lower_, upper_;
};

}  // namespace certnn::attack
