// Named datasets: the digits file as Debian installs it (scripts/setup), labelled CSV and IDX
// paths, split determinism, and errors for unknown names (Fashion-MNIST: fashion_mnist_test.cpp).
#include "certnn/data/datasets.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>

#include <unistd.h>

#include "certnn/core/error.hpp"
#include "certnn/data/digits.hpp"
#include "certnn/data/idx.hpp"

namespace certnn::data {
namespace {

bool same_samples(const Dataset& a, const Dataset& b) {
  return a.labels == b.labels && a.inputs == b.inputs;
}

TEST(Datasets, Names) {
  EXPECT_EQ(dataset_names(), (std::vector<std::string>{"fashion-mnist", "digits", "mnist", "mnist01"}));
}

TEST(Datasets, Digits) {
  if (!std::filesystem::exists(kDigitsPath)) GTEST_SKIP() << kDigitsPath << " absent: apt-get install python3-sklearn";
  const Dataset digits = load_digits();
  EXPECT_EQ(digits.size(), 1797);
  EXPECT_EQ(digits.classes, 10);
  EXPECT_EQ(digits.sample_shape, (Shape{1, 8, 8}));
  EXPECT_EQ(digits.inputs.rows(), 64);
  EXPECT_EQ(digits.inputs.minCoeff(), 0.0);
  EXPECT_EQ(digits.inputs.maxCoeff(), 1.0);
  for (auto count : class_counts(digits)) EXPECT_GT(count, 170);
  // The first image is a 0; its row starts 0,0,5,13,9,1.
  EXPECT_EQ(digits.labels[0], 0);
  EXPECT_EQ(digits.inputs(2, 0), 5 / 16.0);
  EXPECT_EQ(digits.inputs(3, 0), 13 / 16.0);

  const Split split = load_split("digits", kDefaultTestFraction, 3);
  EXPECT_EQ(split.test.size(), 359);  // round(1797 * 0.2)
  EXPECT_EQ(split.train.size(), 1797 - 359);
  EXPECT_EQ(split.train.name, "digits");
  const Split again = load_split("digits", kDefaultTestFraction, 3);
  EXPECT_TRUE(same_samples(split.test, again.test));
  EXPECT_TRUE(same_samples(split.train, again.train));
  EXPECT_FALSE(same_samples(split.test, load_split("digits", kDefaultTestFraction, 4).test));
}

TEST(Datasets, MissingDigitsFileNamesThePackage) {
  try {
    load_digits("/nonexistent/digits.csv.gz");
    ADD_FAILURE();
  } catch (const Error& error) {
    const std::string message = error.what();
    EXPECT_NE(message.find("/nonexistent/digits.csv.gz not found"), std::string::npos) << message;
    EXPECT_NE(message.find("apt-get install python3-sklearn"), std::string::npos) << message;
  }
}

class DatasetFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    directory_ = std::filesystem::temp_directory_path() / ("certnn_datasets_test_" + std::to_string(getpid()));
    std::filesystem::create_directories(directory_);
  }
  void TearDown() override { std::filesystem::remove_all(directory_); }
  std::string path(const std::string& name) const { return (directory_ / name).string(); }
  std::filesystem::path directory_;
};

TEST_F(DatasetFiles, LabelledCsvPathIsShuffledAndSplit) {
  {
    std::ofstream out(path("points.csv"));
    out << "label,x,y\n";
    for (int i = 0; i < 50; ++i) out << i % 2 << "," << i << "," << -i << "\n";
  }
  const Split split = load_split(path("points.csv"), 0.2, 9);
  EXPECT_EQ(split.train.size(), 40);
  EXPECT_EQ(split.test.size(), 10);
  EXPECT_EQ(split.train.classes, 2);
  EXPECT_EQ(split.train.sample_shape, (Shape{2}));
  std::set<double> seen;
  for (const Dataset* part : {&split.train, &split.test})
    for (Eigen::Index i = 0; i < part->size(); ++i) {
      EXPECT_TRUE(seen.insert(part->inputs(0, i)).second);
      EXPECT_EQ(part->labels[static_cast<std::size_t>(i)], static_cast<std::int64_t>(part->inputs(0, i)) % 2);
    }
  EXPECT_EQ(seen.size(), 50u);
}

TEST_F(DatasetFiles, IdxPathFindsItsLabelsByName) {
  IdxArray images{{10, 2, 2}, std::vector<std::uint8_t>(40, 255)};
  write_idx(path("my-images-idx3-ubyte.gz"), images, true);
  write_idx(path("my-labels-idx1-ubyte.gz"), IdxArray{{10}, {0, 1, 2, 0, 1, 2, 0, 1, 2, 0}}, true);
  const Split split = load_split(path("my-images-idx3-ubyte.gz"), 0.3, 1);
  EXPECT_EQ(split.test.size(), 3);
  EXPECT_EQ(split.train.classes, 3);
  EXPECT_EQ(split.train.sample_shape, (Shape{1, 2, 2}));
  EXPECT_EQ(split.train.inputs.minCoeff(), 1.0);
}

TEST_F(DatasetFiles, UnknownNamesAndTypes) {
  try {
    load_split("cifar-10", 0.2, 1);
    ADD_FAILURE();
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find("not a dataset name"), std::string::npos) << error.what();
  }
  std::ofstream(path("weights.bin")) << "x";
  EXPECT_THROW(load_split(path("weights.bin"), 0.2, 1), Error);
  EXPECT_THROW(load_split("digits", 0.0, 1), Error);
}

}  // namespace
}  // namespace certnn::data
