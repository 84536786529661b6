// Rigorous re-checks of the certificates of the small LPs that decide sub-boxes exactly
// (verify/minimax_lp.hpp): an LP's dual weights say which combination of constraints is
// infeasible, and a back-substitution (bounds/back_substitution.hpp) of that combination, with the
// weights of the sign constraints of fixed neurons as their β, proves it or does not. Nothing
// the LP computes in float64 is trusted beyond choosing that combination.
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <optional>
#include <vector>

#include "certnn/bounds/back_substitution.hpp"
#include "certnn/verify/problem.hpp"

namespace certnn::verify {

struct Neuron {
  std::int32_t node;  // the ReLU-like node
  Eigen::Index index;
};

// The entry of a per-node relaxation parameter (size of the node x 1, created zero) at a neuron.
double& parameter_at(std::vector<Eigen::MatrixXd>& per_node, const model::Network& network, const Neuron& neuron);

struct CertifiedCombination {
  bool proved = false;
  std::vector<Eigen::MatrixXd> activation_coefficients;  // per node, when asked for
};

// The disjunct `constraints` combined with the weights (rounded to a grid of 2^-30, so that
// combining small coefficients stays exact) and back-substituted with `parameters`: proved when
// the bound clears the combined threshold. Nothing when the combination does not round exactly.
std::optional<CertifiedCombination> certify_combination(const model::Network& network, const Group& group,
                                                        const bounds::Region& region,
                                                        const std::vector<Eigen::Index>& constraints,
                                                        const Eigen::VectorXd& weights,
                                                        const bounds::RelaxationParameters& parameters,
                                                        bool keep_activation_coefficients = false);

}  // namespace certnn::verify
