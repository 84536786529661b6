// Fashion-MNIST as Debian's dataset-fashion-mnist installs it (scripts/setup does): the official
// 60,000/10,000 split, ten balanced classes, pixels in [0, 1]. A program of its own, since loading
// 70,000 images takes about a second.
#include "certnn/data/datasets.hpp"

#include <gtest/gtest.h>

#include <filesystem>

namespace certnn::data {
namespace {

TEST(FashionMnist, OfficialSplit) {
  const std::string images = std::string(kFashionMnistDirectory) + "/train-images-idx3-ubyte.gz";
  if (!std::filesystem::exists(images)) GTEST_SKIP() << images << " absent: apt-get install dataset-fashion-mnist";
  const Split split = load_split("fashion-mnist", 0.5, 1);  // the fraction does not apply
  EXPECT_EQ(split.train.size(), 60000);
  EXPECT_EQ(split.test.size(), 10000);
  for (const Dataset* part : {&split.train, &split.test}) {
    EXPECT_EQ(part->classes, 10);
    EXPECT_EQ(part->sample_shape, (Shape{1, 28, 28}));
    EXPECT_EQ(part->inputs.rows(), 784);
    EXPECT_GE(part->inputs.minCoeff(), 0.0);
    EXPECT_LE(part->inputs.maxCoeff(), 1.0);
  }
  // Fashion-MNIST is balanced: 6,000 and 1,000 of each class.
  for (auto count : class_counts(split.train)) EXPECT_EQ(count, 6000);
  for (auto count : class_counts(split.test)) EXPECT_EQ(count, 1000);
}

}  // namespace
}  // namespace certnn::data
