// Network values as affine forms of a few variables, for the small LPs of exact sub-box
// decisions: a form is a matrix whose rows are the value's elements and whose columns are the
// coefficients of the variables, then the constant. Computed in float64 and not rigorous: the
// LPs built on them only guide searches whose proofs are re-checked by back-substitution.
#pragma once

#include <Eigen/Core>
#include <vector>

#include "certnn/model/network.hpp"

namespace certnn::verify {

// Layers that map forms to forms exactly: everything but activations and max pooling.
bool is_affine_layer(const model::LayerOp& op);

// The slope of a ReLU-like activation below its kink (0 for ReLU).
double leak_of(const model::LayerOp& op);

// The forms of an affine layer's output given those of its operands (`variables` columns of
// coefficients, then the constant): the coefficient columns map to f(column) − f(0), the
// constant to f(constant).
Eigen::MatrixXd affine_image(const model::Network& network, const model::Node& node,
                             const std::vector<const Eigen::MatrixXd*>& operands, Eigen::Index variables);

}  // namespace certnn::verify
