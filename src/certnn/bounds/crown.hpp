// The linear-relaxation bound methods (bounds/back_substitution.hpp):
//   crown        CROWN/DeepPoly: every activation's pre-activation box is tightened by
//                back-substitution in turn, then each output's lower and upper bound is
//                back-substituted with CROWN's adaptive lower slopes;
//   alpha-crown  the same, with the output bounds' lower slopes optimised per neuron and per
//                output (bounds/slope_optimisation.hpp), warm-started from CROWN's.
// Both intersect their result with the IBP box, which is sound and never looser. Softmax layers are
// refused (BackSubstitutionRejects).
#pragma once

#include "certnn/bounds/method.hpp"

namespace certnn::bounds {

class CrownMethod final : public Method {
 public:
  std::string_view name() const override { return "crown"; }
  std::vector<std::string_view> refused_kinds() const override;
  Result propagate(const model::Network& network, const Box& input, const Options& options) const override;
};

class AlphaCrownMethod final : public Method {
 public:
  std::string_view name() const override { return "alpha-crown"; }
  std::vector<std::string_view> refused_kinds() const override;
  Result propagate(const model::Network& network, const Box& input, const Options& options) const override;
};

}  // namespace certnn::bounds
