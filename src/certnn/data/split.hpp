// Train/test splits and sample selection: deterministic for a given seed on every platform (own
// Fisher-Yates shuffle over mt19937_64, no implementation-defined distributions).
#pragma once

#include <cstdint>
#include <vector>

#include "certnn/data/dataset.hpp"

namespace certnn::data {

struct Split {
  Dataset train, test;
};

// The samples at `indices`, in that order; name, shape and classes are kept.
Dataset select_samples(const Dataset& dataset, const std::vector<std::int64_t>& indices);

// A seeded shuffle of the samples, the first round(size * test_fraction) going to the test set.
// test_fraction must lie in (0, 1) and leave at least one sample on each side.
Split shuffle_split(const Dataset& dataset, double test_fraction, std::uint64_t seed);

// The samples whose label is in `classes`, relabelled to their position in that list (so
// {0, 1} of a digit set gives a two-class set); classes becomes classes.size().
Dataset keep_classes(const Dataset& dataset, const std::vector<std::int64_t>& classes);

}  // namespace certnn::data
