// A rigorous upper bound of the network's L2 Lipschitz constant over an input box: interval
// bounds of every value by IBP (bounds/ibp.hpp), an interval enclosure of each layer's
// (generalised) Jacobian on the box (Relu' ∈ {0}, {1} or [0, 1] per neuron; sigmoid' and tanh'
// ranges; MaxPool's selection among the taps that can be maximal), multiplied from the output
// back to the input in interval arithmetic, and ‖J‖₂ ≤ min(‖mag J‖₂, ‖mid J‖₂ + ‖rad J‖₂) for
// every J in the enclosure, each norm bounded by dense_spectral_norm().upper.
//
// Why it bounds the Lipschitz constant: for x, y in the (convex) box, f(y) − f(x) = M (y − x)
// with M in the closed convex hull of Clarke's generalised Jacobians of f along the segment
// (Clarke, Optimization and Nonsmooth Analysis, 1983, Prop. 2.6.5); by the chain rule (Thm
// 2.6.6) these lie in the convex hull of products of the layers' generalised Jacobians, which
// the interval product encloses (an interval matrix is convex).
#pragma once

#include "certnn/bounds/box.hpp"
#include "certnn/model/network.hpp"
#include "certnn/stability/spectral_norm.hpp"

namespace certnn::stability {

// Throws certnn::Unsupported naming every layer it cannot enclose (Softmax), kind and node.
void check_local_lipschitz(const model::Network& network);

// sup over x ≠ y in the box of ‖f(x) − f(y)‖₂ / ‖x − y‖₂ ≤ the result. Throws as
// check_local_lipschitz, and ShapeError when the box's size is not the input size.
double local_lipschitz_upper(const model::Network& network, const bounds::Box& box,
                             const SpectralOptions& options = {});

}  // namespace certnn::stability
