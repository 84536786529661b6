// The empirical inner bound: the hull of the network's outputs at the box's centre, its vertices
// (when there are at most 2^12 of them), uniformly random points, and the points found by a few
// steps of projected gradient ascent on each output in both directions, started from the best
// of those points. Not a sound bound: it shows how tight the sound methods are (their width ≥
// this width).
#pragma once

#include "certnn/bounds/method.hpp"

namespace certnn::bounds {

class SampleMethod final : public Method {
 public:
  static constexpr int kMaxVertexDimensions = 12;

  std::string_view name() const override { return "sample"; }
  std::vector<std::string_view> refused_kinds() const override;
  Result propagate(const model::Network& network, const Box& input, const Options& options) const override;
};

}  // namespace certnn::bounds
