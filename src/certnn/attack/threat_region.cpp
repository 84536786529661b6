#include "certnn/attack/threat_region.hpp"

#include <cmath>
#include <limits>
#include <string>

#include "certnn/core/error.hpp"

namespace certnn::attack {
namespace {

using Eigen::Index;

// The float nearest to centre + offset that does not pass it in exact arithmetic: with the
// error-free sum s + e = centre + offset (Knuth's TwoSum), s overshoots exactly when e has the
// sign opposite to offset, and one step back towards the centre then lies within half an ulp.
double inner_end(double centre, double offset) {
  const double s = centre + offset;
  const double shifted = s - centre;
  const double e = (centre - (s - shifted)) + (offset - shifted);
  if (offset > 0 && e < 0) return std::nextafter(s, -std::numeric_limits<double>::infinity());
  if (offset < 0 && e > 0) return std::nextafter(s, std::numeric_limits<double>::infinity());
  return s;
}

std::string format_domain(const bounds::Domain& domain) {
  return "[" + std::to_string(domain.lower) + ", " + std::to_string(domain.upper) + "]";
}

}  // namespace

double perturbation_norm(const Eigen::VectorXd& delta, Norm norm) {
  if (delta.size() == 0) return 0.0;
  return norm == Norm::Linf ? delta.cwiseAbs().maxCoeff() : delta.norm();
}

ThreatRegion::ThreatRegion(Eigen::MatrixXd centres, double eps, Norm norm, std::optional<bounds::Domain> domain)
    : centres_(std::move(centres)), eps_(eps), norm_(norm), domain_(domain) {
  if (!(eps >= 0.0) || !std::isfinite(eps)) throw Error("attack: eps must be a finite number >= 0, got " + std::to_string(eps));
  if (domain && !(domain->lower <= domain->upper))
    throw Error("attack: the domain " + format_domain(*domain) + " is empty");
  for (Index s = 0; s < centres_.cols(); ++s)
    for (Index i = 0; i < centres_.rows(); ++i) {
      const double v = centres_(i, s);
      if (!std::isfinite(v))
        throw Error("attack: input " + std::to_string(s) + " has a non-finite element " + std::to_string(i));
      if (domain && !(domain->lower <= v && v <= domain->upper))
        throw Error("attack: input " + std::to_string(s) + " has element " + std::to_string(i) + " = " +
                    std::to_string(v) + " outside the domain " + format_domain(*domain));
    }
  if (norm_ != Norm::Linf) return;
  lower_.resize(centres_.rows(), centres_.cols());
  upper_.resize(centres_.rows(), centres_.cols());
  for (Index s = 0; s < centres_.cols(); ++s)
    for (Index i = 0; i < centres_.rows(); ++i) {
      const double c = centres_(i, s);
      double lo = eps > 0 ? inner_end(c, -eps) : c, hi = eps > 0 ? inner_end(c, eps) : c;
      if (domain) {
        lo = std::max(lo, domain->lower);
        hi = std::min(hi, domain->upper);
      }
      lower_(i, s) = lo;
      upper_(i, s) = hi;
    }
}

void ThreatRegion::project(Eigen::MatrixXd& points, std::span<const Index> columns) const {
  for (Index j = 0; j < points.cols(); ++j) {
    const Index s = columns[static_cast<std::size_t>(j)];
    auto x = points.col(j);
    const auto centre = centres_.col(s);
    for (Index i = 0; i < x.size(); ++i)
      if (!std::isfinite(x[i])) x[i] = centre[i];
    if (norm_ == Norm::Linf) {
      x = x.cwiseMax(lower_.col(s)).cwiseMin(upper_.col(s));
      continue;
    }
    const Eigen::VectorXd delta = x - centre;
    double length = delta.norm();
    if (length > eps_) {
      // eps / length rounds, and so does the norm of the scaled point: shrink the factor by a
      // growing relative slack until the computed norm is within eps (one pass, nearly always).
      double scale = eps_ / length, slack = 4 * std::numeric_limits<double>::epsilon();
      x = centre + scale * delta;
      while ((x - centre).norm() > eps_) {
        scale *= 1.0 - slack;
        slack *= 2;
        x = centre + scale * delta;
      }
    }
    if (domain_) x = x.cwiseMax(domain_->lower).cwiseMin(domain_->upper);
  }
}

bool ThreatRegion::contains(const Eigen::VectorXd& point, Index column) const {
  if (point.size() != centres_.rows() || !point.allFinite()) return false;
  if (domain_ && !((point.array() >= domain_->lower).all() && (point.array() <= domain_->upper).all())) return false;
  if (norm_ == Norm::Linf)
    return (point.array() >= lower_.col(column).array()).all() && (point.array() <= upper_.col(column).array()).all();
  return distance(point, column) <= eps_;
}

double ThreatRegion::distance(const Eigen::VectorXd& point, Index column) const {
  return perturbation_norm(point - centres_.col(column), norm_);
}

Eigen::MatrixXd ThreatRegion::random_points(std::span<const Index> columns, std::mt19937_64& random) const {
  const Index n = dimension();
  Eigen::MatrixXd points(n, static_cast<Index>(columns.size()));
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  std::normal_distribution<double> normal(0.0, 1.0);
  for (Index j = 0; j < points.cols(); ++j) {
    const Index s = columns[static_cast<std::size_t>(j)];
    if (norm_ == Norm::Linf) {
      for (Index i = 0; i < n; ++i) points(i, j) = lower_(i, s) + unit(random) * (upper_(i, s) - lower_(i, s));
      continue;
    }
    Eigen::VectorXd direction = Eigen::VectorXd::NullaryExpr(n, [&] { return normal(random); });
    const double length = direction.norm();
    const double radius = eps_ * std::pow(unit(random), 1.0 / static_cast<double>(std::max<Index>(n, 1)));
    points.col(j) = centres_.col(s) + (length > 0 ? radius / length : 0.0) * direction;
  }
  project(points, columns);
  return points;
}

}  // namespace certnn::attack
