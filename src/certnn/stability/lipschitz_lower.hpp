// A lower bound of the network's global L2 Lipschitz constant, found by search (no guarantee of
// being close): the largest ‖J(x)‖₂ over random points of the given regions, then gradient
// ascent on the difference quotient q(x, y) = ‖f(x) − f(y)‖² / ‖x − y‖² started from the best
// points with y a small step along J's top right singular vector. Each reported figure is a
// value of sup ‖J‖₂ resp. of a quotient, so it lies below the Lipschitz constant (up to the
// rounding of the forward pass).
#pragma once

#include <Eigen/Core>
#include <algorithm>
#include <cstdint>
#include <vector>

#include "certnn/bounds/box.hpp"
#include "certnn/model/network.hpp"

namespace certnn::stability {

struct LowerBoundOptions {
  std::int64_t samples = 64;    // random points, spread over the regions in turn
  std::int64_t ascent_starts = 8;  // the best points refined by ascent
  int ascent_steps = 40;
  std::uint64_t seed = 0;
};

struct LipschitzLower {
  double jacobian_norm = 0.0;        // max ‖J(x)‖₂ over the sampled points
  double difference_quotient = 0.0;  // max ‖f(x) − f(y)‖ / ‖x − y‖ after the ascent
  double value() const { return std::max(jacobian_norm, difference_quotient); }
};

// regions: boxes to draw points from (uniformly; a region of zero width gives its centre). The
// ascent itself moves freely in the input space. Throws ShapeError when a region's size is not
// the network's input size, certnn::Error when there is no region.
LipschitzLower lipschitz_lower(const model::Network& network, const std::vector<bounds::Box>& regions,
                               const LowerBoundOptions& options = {});

}  // namespace certnn::stability
