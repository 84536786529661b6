// IDX files: round trips through plain and gzip files written here, and every kind of damage
// (bad magic, wrong rank, truncation, extra bytes, huge dimensions, count mismatch) rejected with
// a message naming the file.
#include "certnn/data/idx.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <unistd.h>

#include "certnn/core/error.hpp"

namespace certnn::data {
namespace {

class IdxTest : public ::testing::Test {
 protected:
  void SetUp() override {
    directory_ = std::filesystem::temp_directory_path() / ("certnn_idx_test_" + std::to_string(getpid()));
    std::filesystem::create_directories(directory_);
  }
  void TearDown() override { std::filesystem::remove_all(directory_); }

  std::string path(const std::string& name) const { return (directory_ / name).string(); }

  std::string write_bytes(const std::string& name, const std::vector<std::uint8_t>& bytes) const {
    std::ofstream out(path(name), std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    return path(name);
  }

  // Expects a ParseError naming `file` and containing `detail`.
  static void expect_error(const std::string& file, std::int64_t rank, const std::string& detail) {
    try {
      read_idx(file, rank);
      ADD_FAILURE() << "no error for " << file;
    } catch (const Error& error) {
      const std::string message = error.what();
      EXPECT_NE(message.find(file), std::string::npos) << message;
      EXPECT_NE(message.find(detail), std::string::npos) << "'" << detail << "' missing from: " << message;
    }
  }

  std::filesystem::path directory_;
};

IdxArray sample_images() {
  IdxArray images{{3, 2, 4}, {}};
  for (int i = 0; i < 24; ++i) images.values.push_back(static_cast<std::uint8_t>(i * 11));
  return images;
}

// A 3-image, 2x4 IDX image header followed by `values` bytes.
std::vector<std::uint8_t> image_file_bytes(std::size_t values) {
  const std::vector<std::uint8_t> header = {0, 0, 8, 3, 0, 0, 0, 3, 0, 0, 0, 2, 0, 0, 0, 4};
  std::vector<std::uint8_t> bytes(header.size() + values, 7);
  std::copy(header.begin(), header.end(), bytes.begin());
  return bytes;
}

TEST_F(IdxTest, PlainAndGzipRoundTrips) {
  const IdxArray images = sample_images();
  for (bool compress : {false, true}) {
    const std::string file = path(compress ? "images.gz" : "images.idx");
    write_idx(file, images, compress);
    const IdxArray back = read_idx(file, 3);
    EXPECT_EQ(back.dims, images.dims);
    EXPECT_EQ(back.values, images.values);
  }
  // A plain file is exactly header + values; the gzip one starts with the gzip magic.
  EXPECT_EQ(std::filesystem::file_size(path("images.idx")), 16u + 24u);
  std::ifstream gz(path("images.gz"), std::ios::binary);
  EXPECT_EQ(gz.get(), 0x1f);
  EXPECT_EQ(gz.get(), 0x8b);
}

TEST_F(IdxTest, DatasetScalesPixelsAndKeepsSampleOrder) {
  write_idx(path("train-images-idx3-ubyte"), sample_images(), false);
  write_idx(path("train-labels-idx1-ubyte.gz"), IdxArray{{3}, {2, 0, 1}}, true);
  const Dataset dataset =
      read_idx_dataset(path("train-images-idx3-ubyte"), path("train-labels-idx1-ubyte.gz"), "tiny", 3);
  EXPECT_EQ(dataset.size(), 3);
  EXPECT_EQ(dataset.sample_shape, (Shape{1, 2, 4}));
  EXPECT_EQ(dataset.inputs.rows(), 8);
  EXPECT_EQ(dataset.labels, (std::vector<std::int64_t>{2, 0, 1}));
  EXPECT_EQ(dataset.classes, 3);
  // Sample 1, pixel 5 is value 13, i.e. 143.
  EXPECT_EQ(dataset.inputs(5, 1), 143 / 255.0);
  EXPECT_EQ(dataset.inputs.maxCoeff(), 253 / 255.0);
}

TEST_F(IdxTest, BadMagicNumber) {
  std::vector<std::uint8_t> bytes = image_file_bytes(24);
  bytes[0] = 0x1f;
  expect_error(write_bytes("bad_magic", bytes), 3, "bad magic number 0x1f000803");
}

TEST_F(IdxTest, UnsupportedDataType) {
  std::vector<std::uint8_t> bytes = image_file_bytes(24);
  bytes[2] = 0x0d;  // float
  expect_error(write_bytes("floats", bytes), 3, "data type 0x0d is not supported");
}

TEST_F(IdxTest, WrongDimensionCount) {
  expect_error(write_bytes("images", image_file_bytes(24)), 1, "has 3 dimensions, expected 1");
}

TEST_F(IdxTest, EmptyAndHeaderOnlyFiles) {
  expect_error(write_bytes("empty", {}), 3, "not an IDX file");
  expect_error(write_bytes("short_header", {0, 0, 8, 3, 0, 0, 0, 3}), 3, "truncated IDX header");
}

TEST_F(IdxTest, TruncatedData) {
  expect_error(write_bytes("truncated", image_file_bytes(23)), 3, "truncated");
}

TEST_F(IdxTest, TruncatedGzipStream) {
  write_idx(path("whole.gz"), sample_images(), true);
  std::ifstream in(path("whole.gz"), std::ios::binary);
  std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  bytes.resize(bytes.size() - 12);
  const std::string file = write_bytes("cut.gz", bytes);
  try {
    read_idx(file, 3);
    ADD_FAILURE() << "no error for a cut gzip file";
  } catch (const ParseError& error) {
    EXPECT_NE(std::string(error.what()).find(file), std::string::npos) << error.what();
  }
}

TEST_F(IdxTest, OversizedFile) {
  expect_error(write_bytes("oversized", image_file_bytes(25)), 3, "more data than the header");
}

TEST_F(IdxTest, HugeDimensionsFailBeforeAllocating) {
  // 65535 x 65535 x 65535 bytes declared in a 16-byte file.
  const std::string file = write_bytes("huge", {0, 0, 8, 3, 0, 0, 255, 255, 0, 0, 255, 255, 0, 0, 255, 255});
  expect_error(file, 3, "exceed the limit");
  // Just under the limit, yet far more than the file holds: truncated, found after reading what is there.
  const std::string big = write_bytes("big", {0, 0, 8, 3, 0, 0, 16, 0, 0, 0, 0, 16, 0, 0, 0, 16});
  expect_error(big, 3, "truncated");
}

TEST_F(IdxTest, MissingFile) { expect_error(path("absent.gz"), 3, "cannot open"); }

TEST_F(IdxTest, ImageAndLabelCountsMustAgree) {
  write_idx(path("images"), sample_images(), false);
  write_idx(path("labels"), IdxArray{{2}, {0, 1}}, false);
  try {
    read_idx_dataset(path("images"), path("labels"), "tiny", 10);
    ADD_FAILURE() << "no error for 3 images and 2 labels";
  } catch (const ParseError& error) {
    const std::string message = error.what();
    EXPECT_NE(message.find("3 images"), std::string::npos) << message;
    EXPECT_NE(message.find("2 labels"), std::string::npos) << message;
    EXPECT_NE(message.find(path("labels")), std::string::npos) << message;
  }
}

TEST_F(IdxTest, LabelsAboveTheClassCount) {
  write_idx(path("images"), sample_images(), false);
  write_idx(path("labels"), IdxArray{{3}, {0, 10, 1}}, false);
  try {
    read_idx_dataset(path("images"), path("labels"), "tiny", 10);
    ADD_FAILURE() << "no error for label 10 of 10 classes";
  } catch (const ParseError& error) {
    EXPECT_NE(std::string(error.what()).find(path("labels") + ": label 10 of sample 1"), std::string::npos)
        << error.what();
  }
}

}  // namespace
}  // namespace certnn::data
