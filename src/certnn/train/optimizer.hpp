// First-order optimisers over one flat parameter vector θ (a network trainer concatenates its
// weights and biases): SGD with (heavy-ball) momentum, and Adam (Kingma & Ba, 2015, Algorithm 1).
// The learning rate is passed to every step, so one schedule (schedule.hpp) serves both.
#pragma once

#include <Eigen/Core>
#include <cstdint>

namespace certnn::train {

enum class OptimizerKind { Sgd, Adam };

struct OptimizerOptions {
  OptimizerKind kind = OptimizerKind::Sgd;
  double momentum = 0.9;    // SGD: μ in v ← μ v + g, θ ← θ − η v (0: plain gradient descent)
  double beta1 = 0.9;       // Adam: decay of the first-moment estimate
  double beta2 = 0.999;     // Adam: decay of the second-moment estimate
  double epsilon = 1e-8;    // Adam: added to √v̂ so that a zero gradient does not divide by zero
};

// Throws certnn::Error naming the setting: momentum outside [0, 1), beta1 or beta2 outside
// [0, 1), epsilon not > 0.
void check_optimizer_options(const OptimizerOptions& options);

class Optimizer {
 public:
  // parameter_count: the length of θ, fixed for the optimiser's life (its state has that size).
  Optimizer(OptimizerOptions options, Eigen::Index parameter_count);

  // One update of θ in place with gradient g (same length) and learning rate η > 0:
  //   SGD   v ← μ v + g;  θ ← θ − η v
  //   Adam  t ← t + 1;  m ← β₁ m + (1 − β₁) g;  v ← β₂ v + (1 − β₂) g²;
  //         θ ← θ − η · (m / (1 − β₁ᵗ)) / (√(v / (1 − β₂ᵗ)) + ε)
  // Throws ShapeError when the lengths differ.
  void step(Eigen::VectorXd& parameters, const Eigen::VectorXd& gradient, double learning_rate);

  std::int64_t steps_taken() const { return steps_; }

 private:
  OptimizerOptions options_;
  Eigen::VectorXd first_moment_;   // SGD: the velocity v; Adam: m
  Eigen::VectorXd second_moment_;  // Adam: v (unused by SGD)
  std::int64_t steps_ = 0;
};

}  // namespace certnn::train
