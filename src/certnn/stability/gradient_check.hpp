// The gradient check: the analytic gradients of certnn::grad against central finite differences in
// float64, layer by layer and through the whole network, at the values a forward pass records.
// Finite differences that straddle a kink (Relu, LeakyRelu at 0, a MaxPool window changing its
// maximum) are no reference for the one-sided derivative there; they are skipped and counted.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "certnn/grad/layer_vjp.hpp"
#include "certnn/grad/parameter_gradient.hpp"
#include "certnn/model/forward.hpp"
#include "certnn/model/network.hpp"

namespace certnn::stability {

// The functions under test, with the signatures of grad::input_vjp and grad::parameter_gradient.
using InputVjp = std::function<std::vector<model::Batch<double>>(
    const model::Node&, const std::vector<const model::Batch<double>*>&, const model::Batch<double>& output,
    const model::Batch<double>& output_cotangent, const model::Network&)>;
using ParameterVjp = std::function<grad::ParameterGradient(
    const model::Node&, const std::vector<const model::Batch<double>*>&, const model::Batch<double>& output_cotangent)>;

struct GradientCheckOptions {
  // An entry fails when relative_error(analytic, numeric, floor) exceeds the tolerance.
  double tolerance = 1e-5;
  // Below this magnitude a gradient entry is compared absolutely. The rounding error of a
  // central difference is absolute, about u·|f| / h = u^(2/3)·|f| ≈ 2·10⁻¹¹·|f| for the step
  // h = u^(1/3) and a function value f, however small the derivative is. With a floor of 1 that
  // noise stays over an order below the default tolerance for |f| up to 10³ even when the
  // evaluation amplifies its rounding errors tenfold, while any entry off by more than 10⁻⁵ in
  // absolute terms still fails.
  double floor = 1.0;
  // Entries compared per layer input, per layer's parameters and for the whole network: all of
  // them when there are at most this many, else a random sample of this many drawn with `seed`
  // (a finite difference costs two evaluations of the layer or the network).
  std::int64_t max_entries = 256;
  std::uint64_t seed = 0;
  // Swappable so that a test can check the check: a wrong VJP of one kind must fail its layers.
  InputVjp input_vjp = grad::input_vjp;
  ParameterVjp parameter_gradient = grad::parameter_gradient;
};

// |analytic − numeric| / max(|analytic|, |numeric|, floor); +∞ where either is not finite.
double relative_error(double analytic, double numeric, double floor);

// The outcome of one comparison: one layer, or the whole network.
struct GradientCheckEntry {
  std::string name;  // the node's name ("network" for the whole network)
  std::string kind;  // model::kind_name of the layer (empty for the whole network)
  double max_relative_error = 0;  // over the compared entries; +∞ for a VJP of the wrong shape
  std::int64_t compared = 0;      // gradient entries compared (inputs and parameters)
  std::int64_t skipped = 0;       // finite differences straddling a kink, not compared
};

struct GradientCheckReport {
  // Per layer (network.nodes() order): the VJP of the layer for a random output cotangent r,
  // J(x)ᵀ r, against the central differences of r·layer(x) with respect to each input element;
  // for Dense, Conv2d and BatchNorm also the parameter gradient (summed over the batch) against
  // the differences of Σ_s r_s·layer_θ(x_s) with respect to each trainable parameter θ.
  std::vector<GradientCheckEntry> layers;
  // The input gradient of r·f(x), f the network and r a random output cotangent, from a reverse
  // sweep of the VJPs under test, against central differences through the whole network.
  GradientCheckEntry total;
  double tolerance = 0;

  double max_relative_error() const;  // over the layers and the total
  bool passed() const;                // every error within the tolerance
  // The layer with the largest error, unless it is within the tolerance and the total's error is
  // larger: then the total. A failure is laid to a failing layer wherever there is one, since a
  // wrong layer also spoils the total.
  const GradientCheckEntry& worst() const;
};

// Checks every layer and the whole network at the columns of `inputs` (input_size x batch, batch
// ≥ 1). The step for a coordinate t is h = u^(1/3)·max(1, |t|), u the unit roundoff, which
// balances the truncation error h²/6·|f'''| against the rounding error of the two evaluations;
// the quotient divides by the difference of the rounded points t ± h. Throws ShapeError for
// inputs of the wrong size and certnn::Error for an empty batch or invalid options.
GradientCheckReport check_gradients(const model::Network& network, const model::Batch<double>& inputs,
                                    const GradientCheckOptions& options = {});

}  // namespace certnn::stability
