#include "certnn/verify/lp_certificate.hpp"

namespace certnn::verify {

namespace {

// Multiples of 2^-30 times coefficients like ±1 are exact in float64 (exact_combination checks it).
constexpr double kWeightGrid = 0x1p-30;

}  // namespace

double& parameter_at(std::vector<Eigen::MatrixXd>& per_node, const model::Network& network, const Neuron& neuron) {
  const auto k = static_cast<std::size_t>(neuron.node);
  if (per_node.size() < network.nodes().size()) per_node.resize(network.nodes().size());
  Eigen::MatrixXd& m = per_node[k];
  if (m.size() == 0) m = Eigen::MatrixXd::Zero(network.size(network.nodes()[k].inputs[0]), 1);
  return m(neuron.index, 0);
}

std::optional<CertifiedCombination> certify_combination(const model::Network& network, const Group& group,
                                                        const bounds::Region& region,
                                                        const std::vector<Eigen::Index>& constraints,
                                                        const Eigen::VectorXd& weights,
                                                        const bounds::RelaxationParameters& parameters,
                                                        bool keep_activation_coefficients) {
  const Eigen::VectorXd lambda = (weights / kWeightGrid).array().round() * kWeightGrid;
  Combination combination{Eigen::VectorXd::Zero(group.coefficients.rows()), 0.0};
  if ((lambda.array() > 0.0).any()) {
    auto exact = exact_combination(group, constraints, lambda);
    if (!exact) return std::nullopt;
    combination = std::move(*exact);
  }
  bounds::LinearBound bound = bounds::back_substitute(network, region, network.output(), combination.coefficients,
                                                      &parameters, keep_activation_coefficients);
  return CertifiedCombination{bound.lower[0] > combination.bound_hi, std::move(bound.activation_coefficients)};
}

}  // namespace certnn::verify
