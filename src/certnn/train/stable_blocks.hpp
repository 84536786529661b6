// Keeping the stable blocks x ← x − h Wᵀ relu(W x + b) non-expansive (h ‖W‖₂² ≤ 2, the Euler
// step condition with the ReLU's Lipschitz constant 1) and the capped dense layers within their
// norm cap (‖A‖₂ ≤ cap) during training, and proving both after.
#pragma once

#include <Eigen/Core>
#include <vector>

#include "certnn/train/trainable_network.hpp"

namespace certnn::train {

// After every optimiser step: ‖W‖₂ is estimated by power iteration on WᵀW, warm-started from
// the previous step's vector (the weights move little per step, so a few iterations track it),
// and W is scaled down onto h ‖W‖₂² = 2 · margin (a capped dense layer: ‖W‖₂² = cap² · margin)
// where it exceeds that. The estimate is a lower bound of ‖W‖₂, which is why the margin stays
// below 1 and why certify_stability re-checks.
class StableConstraint {
 public:
  explicit StableConstraint(const TrainableNetwork& network, double margin = 0.98, int iterations = 2);
  void enforce(TrainableNetwork& network);

 private:
  struct Tracked {
    std::size_t weight;      // the parameter block
    double limit_squared;    // the largest ‖W‖₂² allowed
    Eigen::VectorXd vector;  // the current right singular vector estimate
  };
  std::vector<Tracked> blocks_;
  double margin_;
  int iterations_;
};

struct StabilityCertificate {
  // h · ‖W‖₂² per stable block with ‖W‖₂ rigorously bounded above (for the float32 weights the
  // network exports): ≤ 2 proves the block non-expansive.
  std::vector<double> step_products;
  bool non_expansive = true;
  bool within_caps = true;  // every capped dense layer proved within its cap
  // A rigorous upper bound of the exported network's global L2 Lipschitz constant
  // (stability/lipschitz_upper.hpp, which bounds a proved stable block by 1).
  double lipschitz_upper = 0.0;
};

StabilityCertificate certify_stability(const TrainableNetwork& network);

// Scales every stable block whose rigorous h ‖W‖₂² exceeds 2, and every capped dense layer whose
// rigorous ‖W‖₂ exceeds its cap, down until the proof holds; the final step of training, so that
// what is exported is proved.
void make_provably_stable(TrainableNetwork& network);

}  // namespace certnn::train
