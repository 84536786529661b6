// Train/test splits: the same seed gives the same split, different seeds differ, the two sides
// are disjoint and together hold every sample once, and keep_classes relabels.
#include "certnn/data/split.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "certnn/core/error.hpp"

namespace certnn::data {
namespace {

// Sample i has the single feature i and label i % 3.
Dataset numbered(std::int64_t size) {
  Dataset dataset;
  dataset.name = "numbered";
  dataset.sample_shape = {1};
  dataset.classes = 3;
  dataset.inputs.resize(1, size);
  for (std::int64_t i = 0; i < size; ++i) {
    dataset.inputs(0, i) = static_cast<double>(i);
    dataset.labels.push_back(i % 3);
  }
  return dataset;
}

std::vector<std::int64_t> ids(const Dataset& dataset) {
  std::vector<std::int64_t> out;
  for (Eigen::Index i = 0; i < dataset.size(); ++i) out.push_back(static_cast<std::int64_t>(dataset.inputs(0, i)));
  return out;
}

TEST(ShuffleSplit, SameSeedSameSplit) {
  const Dataset dataset = numbered(101);
  const Split first = shuffle_split(dataset, 0.2, 7), second = shuffle_split(dataset, 0.2, 7);
  EXPECT_EQ(ids(first.train), ids(second.train));
  EXPECT_EQ(ids(first.test), ids(second.test));
  EXPECT_NE(ids(shuffle_split(dataset, 0.2, 8).test), ids(first.test));
}

TEST(ShuffleSplit, KnownSplitForSeedOne) {
  // Pins the shuffle: a change of engine or draw would silently change every reported result.
  const Split split = shuffle_split(numbered(10), 0.3, 1);
  EXPECT_EQ(ids(split.test), (std::vector<std::int64_t>{1, 7, 3}));
}

TEST(ShuffleSplit, DisjointAndComplete) {
  const Dataset dataset = numbered(1000);
  const Split split = shuffle_split(dataset, 0.25, 42);
  EXPECT_EQ(split.test.size(), 250);
  EXPECT_EQ(split.train.size(), 750);
  std::set<std::int64_t> seen;
  for (auto id : ids(split.train)) EXPECT_TRUE(seen.insert(id).second) << id;
  for (auto id : ids(split.test)) EXPECT_TRUE(seen.insert(id).second) << id;
  EXPECT_EQ(seen.size(), 1000u);
  // Labels travel with their samples.
  for (Eigen::Index i = 0; i < split.test.size(); ++i)
    EXPECT_EQ(split.test.labels[static_cast<std::size_t>(i)], static_cast<std::int64_t>(split.test.inputs(0, i)) % 3);
  EXPECT_EQ(split.train.classes, 3);
  EXPECT_EQ(split.test.sample_shape, (Shape{1}));
  // The shuffle mixes: the test set is not a block of consecutive samples.
  const auto test_ids = ids(split.test);
  EXPECT_GT(*std::max_element(test_ids.begin(), test_ids.end()) - *std::min_element(test_ids.begin(), test_ids.end()),
            500);
}

TEST(ShuffleSplit, RejectsFractionsThatLeaveASideEmpty) {
  const Dataset dataset = numbered(10);
  for (double fraction : {0.0, 1.0, -0.1, 1.5, 0.01, 0.99, std::nan("")}) {
    EXPECT_THROW(shuffle_split(dataset, fraction, 1), Error) << fraction;
  }
}

TEST(KeepClasses, RelabelsInListOrder) {
  const Dataset kept = keep_classes(numbered(9), {2, 0});
  EXPECT_EQ(kept.classes, 2);
  EXPECT_EQ(ids(kept), (std::vector<std::int64_t>{0, 2, 3, 5, 6, 8}));
  EXPECT_EQ(kept.labels, (std::vector<std::int64_t>{1, 0, 1, 0, 1, 0}));
}

}  // namespace
}  // namespace certnn::data
