// The linear layers on affine forms (bounds/affine_form.hpp): y = A x + b maps the centre and
// every generator column exactly in real arithmetic, so only rounding errors are added, bounded a
// priori with Higham's γ_n (core/rounding.hpp) and folded into the radius.
#pragma once

#include "certnn/bounds/affine_form.hpp"
#include "certnn/model/layers.hpp"

namespace certnn::bounds {

// y = W x + b.
AffineForm apply_dense(const AffineForm& x, const model::Dense& dense);
// The convolution of x's [C, H, W] tensor (the centre and each generator column alike).
AffineForm apply_conv(const AffineForm& x, const model::Conv2d& conv);
// The mean over each window (sum, then one division by the count).
AffineForm apply_average_pool(const AffineForm& x, const model::AveragePool& pool);

}  // namespace certnn::bounds
