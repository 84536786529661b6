#include "certnn/data/split.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>

#include "certnn/core/error.hpp"

namespace certnn::data {
namespace {

// Uniform in [0, bound) by rejection, so the result depends only on the engine's output.
std::uint64_t uniform_below(std::mt19937_64& engine, std::uint64_t bound) {
  const std::uint64_t limit = std::numeric_limits<std::uint64_t>::max() - std::numeric_limits<std::uint64_t>::max() % bound;
  std::uint64_t draw = engine();
  while (draw >= limit) draw = engine();
  return draw % bound;
}

}  // namespace

Dataset select_samples(const Dataset& dataset, const std::vector<std::int64_t>& indices) {
  Dataset selected;
  selected.name = dataset.name;
  selected.sample_shape = dataset.sample_shape;
  selected.classes = dataset.classes;
  selected.inputs.resize(dataset.inputs.rows(), static_cast<Eigen::Index>(indices.size()));
  selected.labels.reserve(indices.size());
  for (std::size_t i = 0; i < indices.size(); ++i) {
    const std::int64_t index = indices[i];
    if (index < 0 || index >= dataset.size())
      throw Error(dataset.name + ": sample index " + std::to_string(index) + " is outside the " +
                  std::to_string(dataset.size()) + " samples");
    selected.inputs.col(static_cast<Eigen::Index>(i)) = dataset.inputs.col(index);
    selected.labels.push_back(dataset.labels[static_cast<std::size_t>(index)]);
  }
  return selected;
}

Split shuffle_split(const Dataset& dataset, double test_fraction, std::uint64_t seed) {
  if (!(test_fraction > 0 && test_fraction < 1))
    throw Error(dataset.name + ": the test fraction must lie strictly between 0 and 1, got " +
                std::to_string(test_fraction));
  const std::int64_t size = dataset.size();
  const auto test_size = static_cast<std::int64_t>(std::llround(static_cast<double>(size) * test_fraction));
  if (test_size < 1 || test_size >= size)
    throw Error(dataset.name + ": a test fraction of " + std::to_string(test_fraction) + " of " +
                std::to_string(size) + " samples leaves one side of the split empty");
  std::vector<std::int64_t> order(static_cast<std::size_t>(size));
  std::iota(order.begin(), order.end(), 0);
  std::mt19937_64 engine(seed);
  for (std::int64_t i = size - 1; i > 0; --i)
    std::swap(order[static_cast<std::size_t>(i)],
              order[uniform_below(engine, static_cast<std::uint64_t>(i) + 1)]);
  const auto middle = order.begin() + test_size;
  std::vector<std::int64_t> test_indices(order.begin(), middle), train_indices(middle, order.end());
  return {select_samples(dataset, train_indices), select_samples(dataset, test_indices)};
}

Dataset keep_classes(const Dataset& dataset, const std::vector<std::int64_t>& classes) {
  std::vector<std::int64_t> indices, new_labels;
  for (std::int64_t i = 0; i < dataset.size(); ++i) {
    const auto found = std::find(classes.begin(), classes.end(), dataset.labels[static_cast<std::size_t>(i)]);
    if (found == classes.end()) continue;
    indices.push_back(i);
    new_labels.push_back(found - classes.begin());
  }
  Dataset kept = select_samples(dataset, indices);
  kept.labels = std::move(new_labels);
  kept.classes = static_cast<std::int64_t>(classes.size());
  return kept;
}

}  // namespace certnn::data
