// The fast gradient sign method (Goodfellow et al., 2015, "Explaining and Harnessing Adversarial
// Examples", §4): one step of length eps from each input, x₀ + eps · sign(∇ₓL) for L∞ and
// x₀ + eps · ∇ₓL / ‖∇ₓL‖₂ for L2, then projected onto the threat region (the domain clips it).
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <span>
#include <vector>

#include "certnn/attack/options.hpp"
#include "certnn/model/network.hpp"

namespace certnn::attack {

// As pgd() (pgd.hpp), with the contract and errors of pgd; of the options it reads norm, eps,
// loss, target, domain and stop_at_success (steps, restarts, step size, schedule, random start
// and seed have no role in one deterministic step).
std::vector<Outcome> fgsm(const model::Network& network, const Eigen::MatrixXd& inputs,
                          std::span<const std::int64_t> labels, const Options& options);

}  // namespace certnn::attack
