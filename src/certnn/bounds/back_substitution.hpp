// Backward linear bound propagation (CROWN, Zhang et al. 2018; DeepPoly, Singh et al. 2019): a
// linear objective C·v of some network value v is rewritten layer by layer, back to the input,
// by replacing every linear layer with its exact adjoint and every activation with one of two
// linear lines that bound it over its input box (the lower line where the objective's coefficient
// is non-negative, the upper one elsewhere). What is left is C·v ≥ Λ·x + c for every input x of
// the region, and minimising Λ·x over the input box gives a lower bound of each objective.
//
// Soundness (DESIGN §4): the coefficients Λ are computed in float64, so each step records how far
// the computed coefficients may be from the exact ones (γ_n of |Λ|·|J| for a linear layer J, one
// rounding per element-wise product) and charges that difference against the magnitude of the
// value it multiplies, taken from the value boxes. Offsets are summed with directed rounding.
// The result is a lower bound of the exact real-arithmetic objective for any float coefficients.
#pragma once

#include <Eigen/Core>
#include <vector>

#include "certnn/bounds/region.hpp"
#include "certnn/model/kind_dispatch.hpp"
#include "certnn/model/network.hpp"

namespace certnn::bounds {

// The kinds back-substitution refuses: softmax has no linear relaxation here.
using BackSubstitutionRejects = model::KindList<model::Softmax>;

// Optimisable parameters of the relaxation, per node (empty matrices where not used), each
// size(node output) x objectives:
//   lower_slope  the lower line's slope of unstable ReLU/LeakyReLU (α of alpha-CROWN), clipped
//                into the range where the line stays below the activation;
//   beta         Lagrange multipliers β ≥ 0 of the split constraints (β-CROWN): a split z ≥ 0
//                adds −β·z to the objective's coefficient of z, a split z ≤ 0 adds +β·z, which
//                only lowers the objective on the sub-problem.
struct RelaxationParameters {
  std::vector<Eigen::MatrixXd> lower_slope;
  std::vector<Eigen::MatrixXd> beta;
};

struct LinearBound {
  Eigen::VectorXd lower;                 // per objective, a rigorous lower bound over the region
  Eigen::MatrixXd input_coefficients;    // Λ, input_size x objectives
  // Per node, the objective's coefficients of the node's output (size x objectives), kept for
  // ReLU-like nodes when asked for: the gradients of the bound need them.
  std::vector<Eigen::MatrixXd> activation_coefficients;
};

// Lower bounds of the columns of `objectives` (size(value) x m) applied to `value` over the region.
// Throws Unsupported for Softmax layers on the way back.
LinearBound back_substitute(const model::Network& network, const Region& region, model::ValueId value,
                            const Eigen::MatrixXd& objectives, const RelaxationParameters* parameters = nullptr,
                            bool keep_activation_coefficients = false);

// The gradient of each objective's bound with respect to the lower slopes and the betas (same
// layout as the parameters), given the bound computed with them: the derivative of a bound
// min_x Λ(α, β)·x + c(α, β) is the objective's coefficient of the parameter's term evaluated at
// the minimising input, found by one forward pass of the relaxed (linear) network. When asked,
// `relaxed_value` receives that pass's value of `value` (size x objectives): the objective of a
// column is C·(relaxed value), so its derivative in C is the relaxed value itself.
RelaxationParameters bound_gradient(const model::Network& network, const Region& region, model::ValueId value,
                                    const LinearBound& bound, const RelaxationParameters& parameters,
                                    Eigen::MatrixXd* relaxed_value = nullptr);

}  // namespace certnn::bounds
