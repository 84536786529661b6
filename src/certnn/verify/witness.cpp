#include "certnn/verify/witness.hpp"

#include "certnn/bounds/ibp.hpp"
#include "certnn/core/rounding.hpp"
#include "certnn/model/forward.hpp"

namespace certnn::verify {

std::optional<Witness> confirm_witness(const model::Network& network, const Group& group, const Eigen::VectorXd& x) {
  namespace r = certnn::rounding;
  if (x.size() != group.box.size() || !group.box.contains(x)) return std::nullopt;
  const bounds::Box point{x, x};
  const bounds::Box y = bounds::IbpMethod().propagate_all(network, point)[network.output()];
  for (const auto& disjunct : group.disjuncts) {
    bool violated = true;
    for (Eigen::Index c : disjunct) {
      double upper = 0.0;  // an upper bound of a·y over the enclosure
      for (Eigen::Index j = 0; j < y.size(); ++j) {
        const double a = group.coefficients(j, c);
        if (a != 0.0) upper = r::add_up(upper, r::mul_up(a, a > 0 ? y.upper[j] : y.lower[j]));
      }
      if (!(upper <= group.bound_lo[c])) {
        violated = false;
        break;
      }
    }
    if (violated) {
      const model::Batch<double> column = x;
      return Witness{x, model::forward<double>(network, column).col(0)};
    }
  }
  return std::nullopt;
}

}  // namespace certnn::verify
