// Boxes of real vectors [lower, upper] (element-wise), the input sets and per-layer enclosures of
// the bound methods, and the input sets users ask for (L∞ balls clipped to a domain).
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <optional>
#include <string>

namespace certnn::bounds {

struct Box {
  Eigen::VectorXd lower, upper;

  Eigen::Index size() const { return lower.size(); }
  Eigen::VectorXd width() const { return upper - lower; }
  bool contains(const Eigen::VectorXd& x) const {
    return (x.array() >= lower.array()).all() && (x.array() <= upper.array()).all();
  }
};

// Centre and radius with [lower, upper] ⊆ [mid − rad, mid + rad] exactly (rad rounded up).
struct CentreRadius {
  Eigen::VectorXd mid, rad;
};
CentreRadius centre_radius(const Box& box);

// Narrows `box` to its intersection with `other` (both enclosures of the same value).
void intersect(Box& box, const Box& other);

// max(|lower|, |upper|) per element: the largest magnitude a value of the box can have.
Eigen::VectorXd magnitude(const Box& box);

// The value range inputs may take, such as [0, 1] for pixels.
struct Domain {
  double lower = 0.0, upper = 1.0;
};

// inputs: one input per column. Throws certnn::Error for the first value outside the domain:
// "<source>: input <column> has element <row> = <value> outside the domain [lo, hi]; <remedy>",
// the remedy saying how the caller widens or drops the domain. Nothing to check without one.
void check_inside_domain(const Eigen::Ref<const Eigen::MatrixXd>& inputs, const std::optional<Domain>& domain,
                         const std::string& source, const std::string& remedy);

// {x : |x − center|∞ ≤ eps} ∩ domain, with the float endpoints rounded outward so the box
// contains every real point of the ball. Throws certnn::Error for eps < 0, a NaN or a centre
// outside the domain.
Box linf_ball(const Eigen::VectorXd& center, double eps, std::optional<Domain> domain);

// The seed paper's partially masked set: round(fraction · n) coordinates, drawn at random with
// `seed`, range over the whole domain; the others stay at the point. Throws certnn::Error for a
// fraction outside [0, 1] or a point outside the domain.
Box masked_set(const Eigen::VectorXd& point, double fraction, Domain domain, std::uint64_t seed);

}  // namespace certnn::bounds
