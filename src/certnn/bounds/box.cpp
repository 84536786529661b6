#include "certnn/bounds/box.hpp"

#include <cmath>
#include <string>

#include "certnn/core/error.hpp"
#include "certnn/core/rounding.hpp"

namespace certnn::bounds {

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

}  // namespace certnn::bounds
