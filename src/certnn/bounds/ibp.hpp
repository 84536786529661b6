// Interval bound propagation (Gowal et al. 2018, "On the effectiveness of interval bound
// propagation"): each value is a box; affine layers map centre and radius, W·c + b ± |W|·r, and
// monotone activations map end points. Every floating-point step is rounded outward
// (core/rounding.hpp), so the boxes enclose the exact real-arithmetic values.
#pragma once

#include <vector>

#include "certnn/bounds/method.hpp"

namespace certnn::bounds {

class IbpMethod final : public Method {
 public:
  std::string_view name() const override { return "ibp"; }
  std::vector<std::string_view> refused_kinds() const override;
  Result propagate(const model::Network& network, const Box& input, const Options& options) const override;

  // Boxes of every network value (index = ValueId), for methods that build on IBP. `enclosing`,
  // when given, holds boxes of every value over a superset of the input box (a parent sub-problem's):
  // each box is intersected with them before the next layer is computed.
  std::vector<Box> propagate_all(const model::Network& network, const Box& input,
                                 Inference inference = Inference::Exact,
                                 const std::vector<Box>* enclosing = nullptr) const;
};

// The box of one node's output from boxes of its operands (one per node input), as propagate_all
// computes it.
Box ibp_layer(const model::Network& network, const model::Node& node, const std::vector<const Box*>& operands,
              Inference inference);

}  // namespace certnn::bounds
