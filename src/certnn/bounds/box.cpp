#include "certnn/bounds/box.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <vector>
#include <string>

#include "certnn/core/error.hpp"
#include "certnn/core/real_text.hpp"
#include "certnn/core/rounding.hpp"

namespace certnn::bounds {

CentreRadius centre_radius(const Box& box) {
  CentreRadius cr{(box.lower + box.upper) * 0.5, Eigen::VectorXd(box.size())};
  for (Eigen::Index i = 0; i < box.size(); ++i)
    cr.rad[i] = std::max(rounding::sub_up(box.upper[i], cr.mid[i]), rounding::sub_up(cr.mid[i], box.lower[i]));
  return cr;
}

void intersect(Box& box, const Box& other) {
  box.lower = box.lower.cwiseMax(other.lower);
  box.upper = box.upper.cwiseMin(other.upper);
}

Eigen::VectorXd magnitude(const Box& box) { return box.lower.cwiseAbs().cwiseMax(box.upper.cwiseAbs()); }

void check_inside_domain(const Eigen::Ref<const Eigen::MatrixXd>& inputs, const std::optional<Domain>& domain,
                         const std::string& source, const std::string& remedy) {
  if (!domain) return;
  for (Eigen::Index c = 0; c < inputs.cols(); ++c)
    for (Eigen::Index i = 0; i < inputs.rows(); ++i)
      if (!(domain->lower <= inputs(i, c) && inputs(i, c) <= domain->upper))
        throw Error(source + ": input " + std::to_string(c) + " has element " + std::to_string(i) + " = " +
                    format_real(inputs(i, c)) + " outside the domain [" + format_real(domain->lower) + ", " +
                    format_real(domain->upper) + "]; " + remedy);
}

Box linf_ball(const Eigen::VectorXd& center, double eps, std::optional<Domain> domain) {
  if (!(eps >= 0.0) || !std::isfinite(eps)) throw Error("eps must be a finite number >= 0");
  if (domain && !(domain->lower <= domain->upper)) throw Error("the domain's lower end exceeds its upper end");
  Box box{Eigen::VectorXd(center.size()), Eigen::VectorXd(center.size())};
  for (Eigen::Index i = 0; i < center.size(); ++i) {
    const double x = center[i];
    if (!std::isfinite(x)) throw Error("input value " + std::to_string(i) + " is not finite");
    box.lower[i] = eps == 0.0 ? x : rounding::sub_down(x, eps);
    box.upper[i] = eps == 0.0 ? x : rounding::add_up(x, eps);
    if (domain) {
      if (x < domain->lower || x > domain->upper)
        throw Error("input value " + std::to_string(i) + " (" + std::to_string(x) + ") lies outside the domain [" +
                    std::to_string(domain->lower) + ", " + std::to_string(domain->upper) + "]");
      box.lower[i] = std::max(box.lower[i], domain->lower);
      box.upper[i] = std::min(box.upper[i], domain->upper);
    }
  }
  return box;
}

Box masked_set(const Eigen::VectorXd& point, double fraction, Domain domain, std::uint64_t seed) {
  if (!(fraction >= 0.0 && fraction <= 1.0)) throw Error("the mask fraction must lie in [0, 1]");
  Box box = linf_ball(point, 0.0, domain);
  std::vector<Eigen::Index> order(static_cast<std::size_t>(point.size()));
  std::iota(order.begin(), order.end(), Eigen::Index{0});
  std::mt19937_64 rng(seed);
  std::shuffle(order.begin(), order.end(), rng);
  const auto free = static_cast<std::size_t>(std::llround(fraction * static_cast<double>(point.size())));
  for (std::size_t k = 0; k < free; ++k) {
    box.lower[order[k]] = domain.lower;
    box.upper[order[k]] = domain.upper;
  }
  return box;
}

}  // namespace certnn::bounds
