// Doubleton arithmetic as a bound method (Lohner's method as in the CAPD library), after the seed
// paper "Make Interval Bound Propagation great again" with its strategies 1–3 for re-choosing the
// error coordinates (Options::doubleton_strategy): every value is a doubleton set
// (bounds/doubleton_set.hpp), exact on affine layers, relaxed per neuron on activations.
#pragma once

#include "certnn/bounds/method.hpp"

namespace certnn::bounds {

// Every layer is an affine map y = L·x + β with β in an interval vector (activations and softmax
// through their linear enclosures, max pooling through dominance or a box), applied exactly to
// c and C, its rounding and β's radius becoming fresh errors. Linear layers then re-express the
// errors by the strategy; element-wise layers under the QR strategies first append them as new
// error coordinates (bounds/doubleton_set.hpp), so that the next linear layer factors them in.
//
// Layer kinds: all supported. A layer wider than Options::doubleton_max_width is refused by
// propagate() with certnn::Unsupported naming its node, width and the limit, before any work (the
// QR strategies cost O(width³) per layer).
class DoubletonMethod final : public Method {
 public:
  std::string_view name() const override { return "doubleton"; }
  std::vector<std::string_view> refused_kinds() const override;
  Result propagate(const model::Network& network, const Box& input, const Options& options) const override;
};

}  // namespace certnn::bounds
