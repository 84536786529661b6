// Small random classifiers for the attack tests: linear ones (a single Dense layer, whose worst
// case is known in closed form) and ReLU MLPs, plus random inputs inside a domain.
#pragma once

#include <Eigen/Core>

#include <cmath>
#include <random>
#include <string>

#include "certnn/model/network.hpp"

namespace certnn::attack::testing {

inline Eigen::MatrixXd uniform(std::mt19937& random, Eigen::Index rows, Eigen::Index cols, double low, double high) {
  std::uniform_real_distribution<double> draw(low, high);
  return Eigen::MatrixXd::NullaryExpr(rows, cols, [&] { return draw(random); });
}

// y = W x + b with entries of W in [−1, 1] and b in [−0.5, 0.5].
inline model::Network random_linear(std::mt19937& random, Eigen::Index inputs, Eigen::Index classes) {
  model::Network network({1, inputs});
  network.set_output(network.add(
      "linear", model::Dense{uniform(random, classes, inputs, -1, 1), uniform(random, classes, 1, -0.5, 0.5)},
      {model::kInputValue}));
  return network;
}

// inputs → width → ReLU → width → ReLU → classes, weights scaled by 1/√fan-in.
inline model::Network random_mlp(std::mt19937& random, Eigen::Index inputs, Eigen::Index width, Eigen::Index classes) {
  model::Network network({1, inputs});
  model::ValueId x = model::kInputValue;
  Eigen::Index fan_in = inputs;
  for (int layer = 0; layer < 2; ++layer) {
    const double scale = 2.0 / std::sqrt(static_cast<double>(fan_in));
    x = network.add("dense" + std::to_string(layer),
                    model::Dense{uniform(random, width, fan_in, -scale, scale), uniform(random, width, 1, -0.1, 0.1)},
                    {x});
    x = network.add("relu" + std::to_string(layer), model::Relu{}, {x});
    fan_in = width;
  }
  const double scale = 2.0 / std::sqrt(static_cast<double>(fan_in));
  network.set_output(network.add(
      "logits", model::Dense{uniform(random, classes, fan_in, -scale, scale), uniform(random, classes, 1, -0.1, 0.1)},
      {x}));
  return network;
}

// input_size x count points of [0, 1], a quarter of their coordinates exactly on 0 or 1 (where
// the domain, not the ball, limits the attack).
inline Eigen::MatrixXd points_in_unit_box(std::mt19937& random, Eigen::Index inputs, Eigen::Index count) {
  Eigen::MatrixXd points = uniform(random, inputs, count, 0, 1);
  std::uniform_int_distribution<int> pick(0, 7);
  for (Eigen::Index s = 0; s < count; ++s)
    for (Eigen::Index i = 0; i < inputs; ++i) {
      const int choice = pick(random);
      if (choice == 0) points(i, s) = 0.0;
      if (choice == 1) points(i, s) = 1.0;
    }
  return points;
}

}  // namespace certnn::attack::testing
