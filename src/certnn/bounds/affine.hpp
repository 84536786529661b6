// Affine arithmetic (zonotopes) as a bound method, after the seed paper "Make Interval Bound
// Propagation great again": every value is an affine form over noise symbols shared across the
// network (bounds/affine_form.hpp), exact on affine layers and relaxed per neuron on the others.
#pragma once

#include <functional>

#include "certnn/bounds/affine_form.hpp"
#include "certnn/bounds/method.hpp"

namespace certnn::bounds {

// Options read: relu_slope (unstable ReLUs), max_noise_symbols (symbols above it are consolidated
// into radii, the smallest first), inference (Float32 adds the float32 engine's error per layer).
// Refuses no layer kind.
class AffineMethod final : public Method {
 public:
  std::string_view name() const override { return "affine"; }
  std::vector<std::string_view> refused_kinds() const override;
  Result propagate(const model::Network& network, const Box& input, const Options& options) const override;

  // Boxes of every network value (index = ValueId).
  std::vector<Box> propagate_all(const model::Network& network, const Box& input, const Options& options) const;

  // Calls visit(value, form) once for every network value, in order, as soon as it is computed;
  // the form is valid only during the call.
  using Visitor = std::function<void(model::ValueId, const AffineForm&)>;
  void propagate_forms(const model::Network& network, const Box& input, const Options& options,
                       const Visitor& visit) const;
};

}  // namespace certnn::bounds
