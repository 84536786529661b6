// The network's Jacobian J(x) = ∂f/∂x (output_size x input_size) at given points, built from one
// vector-Jacobian product per output (grad/backward.hpp), and its spectral norm ‖J(x)‖₂: where f
// is differentiable at x, a lower bound of f's Lipschitz constant (kinks as in grad/layer_vjp.hpp).
#pragma once

#include <Eigen/Core>
#include <vector>

#include "certnn/model/network.hpp"

namespace certnn::stability {

// One matrix per column of points (input_size x batch): J at that point, output_size x input_size.
std::vector<Eigen::MatrixXd> jacobians(const model::Network& network, const Eigen::MatrixXd& points);

struct JacobianNorms {
  Eigen::VectorXd norms;       // ‖J(x_s)‖₂ per point
  Eigen::MatrixXd directions;  // input_size x batch: a unit v with ‖J(x_s) v‖ = ‖J(x_s)‖₂
};
JacobianNorms jacobian_norms(const model::Network& network, const Eigen::MatrixXd& points);

}  // namespace certnn::stability
