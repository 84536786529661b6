// A synthetic 2-class dataset in [0, 1]ⁿ for the training tests: feature 0 separates the classes
// with a wide gap (|x₀ − 0.5| ≥ 0.25), the `weak` other features each carry a small, noisy shift
// (0.5 ± 0.05 plus uniform noise of half-width 0.15). Together the weak features separate the
// classes as well, and the gradient of a standard loss spreads weight over them; but an L∞
// perturbation of 0.05 erases all of them at once: a classifier robust at ε ∈ (0.05, 0.25) must
// lean on feature 0 alone.
#pragma once

#include <random>

#include "certnn/data/dataset.hpp"

namespace certnn::testing {

inline data::Dataset synthetic_binary_dataset(Eigen::Index samples, Eigen::Index weak, std::uint32_t seed) {
  std::mt19937 generator(seed);
  std::uniform_real_distribution<double> unit(-1.0, 1.0);
  data::Dataset dataset;
  dataset.name = "synthetic";
  dataset.classes = 2;
  dataset.sample_shape = {1 + weak};
  dataset.inputs.resize(1 + weak, samples);
  for (Eigen::Index s = 0; s < samples; ++s) {
    const std::int64_t label = s % 2;
    const double y = label == 1 ? 1.0 : -1.0;
    dataset.labels.push_back(label);
    dataset.inputs(0, s) = 0.5 + y * (0.3 + 0.05 * unit(generator));
    for (Eigen::Index i = 1; i <= weak; ++i) dataset.inputs(i, s) = 0.5 + y * 0.05 + 0.15 * unit(generator);
  }
  return dataset;
}

}  // namespace certnn::testing
