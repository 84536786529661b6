// The PNG writer, checked by an independent reader: the signature, every chunk's CRC-32, the
// IHDR fields, and the IDAT stream inflated with zlib's uncompress equal to filter-0 scanlines.
#include "certnn/report/png.hpp"

#include <gtest/gtest.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>

#include "certnn/core/error.hpp"
#include "random_seed.hpp"

namespace certnn::report {
namespace {

struct Chunk {
  std::string type;
  std::string data;
};

std::uint32_t read_u32(const std::string& bytes, std::size_t at) {
  return (std::uint32_t{static_cast<unsigned char>(bytes[at])} << 24) |
         (std::uint32_t{static_cast<unsigned char>(bytes[at + 1])} << 16) |
         (std::uint32_t{static_cast<unsigned char>(bytes[at + 2])} << 8) |
         std::uint32_t{static_cast<unsigned char>(bytes[at + 3])};
}

// Splits a PNG file into its chunks, checking the signature and each CRC on the way.
std::vector<Chunk> read_chunks(const std::string& png) {
  const std::string signature = "\x89PNG\r\n\x1a\n";
  EXPECT_EQ(png.substr(0, 8), signature);
  std::vector<Chunk> chunks;
  std::size_t at = 8;
  while (at + 12 <= png.size()) {
    const std::uint32_t length = read_u32(png, at);
    EXPECT_LE(at + 12 + length, png.size());
    Chunk chunk{png.substr(at + 4, 4), png.substr(at + 8, length)};
    const std::string covered = png.substr(at + 4, 4 + length);
    const uLong crc = crc32(crc32(0L, Z_NULL, 0), reinterpret_cast<const Bytef*>(covered.data()),
                            static_cast<uInt>(covered.size()));
    EXPECT_EQ(read_u32(png, at + 8 + length), static_cast<std::uint32_t>(crc)) << "CRC of " << chunk.type;
    chunks.push_back(std::move(chunk));
    at += 12 + length;
  }
  EXPECT_EQ(at, png.size()) << "bytes after the last chunk";
  return chunks;
}

RgbImage random_image(std::int64_t width, std::int64_t height, std::mt19937& generator) {
  std::uniform_int_distribution<int> byte(0, 255);
  RgbImage image{width, height, {}};
  image.pixels.resize(static_cast<std::size_t>(3 * width * height));
  for (auto& p : image.pixels) p = static_cast<std::uint8_t>(byte(generator));
  return image;
}

// Decodes what encode_png wrote and compares it with the image, byte for byte.
void expect_round_trip(const RgbImage& image) {
  SCOPED_TRACE(std::to_string(image.width) + " x " + std::to_string(image.height));
  const std::vector<Chunk> chunks = read_chunks(encode_png(image));
  ASSERT_GE(chunks.size(), 3u);
  EXPECT_EQ(chunks.front().type, "IHDR");
  EXPECT_EQ(chunks.back().type, "IEND");
  EXPECT_EQ(chunks.back().data, "");

  const std::string& header = chunks.front().data;
  ASSERT_EQ(header.size(), 13u);
  EXPECT_EQ(read_u32(header, 0), image.width);
  EXPECT_EQ(read_u32(header, 4), image.height);
  EXPECT_EQ(header.substr(8), std::string("\x08\x02\x00\x00\x00", 5));  // 8-bit RGB, deflate, no interlace

  std::string idat;
  for (std::size_t k = 1; k + 1 < chunks.size(); ++k) {
    EXPECT_EQ(chunks[k].type, "IDAT");
    idat += chunks[k].data;
  }
  const std::size_t row_bytes = static_cast<std::size_t>(3 * image.width);
  std::string expected;
  for (std::int64_t y = 0; y < image.height; ++y) {
    expected += '\0';
    expected.append(reinterpret_cast<const char*>(image.pixels.data()) + y * row_bytes, row_bytes);
  }
  std::string inflated(expected.size() + 1, '\0');  // one spare byte catches a stream too long
  uLongf size = inflated.size();
  ASSERT_EQ(uncompress(reinterpret_cast<Bytef*>(inflated.data()), &size,
                       reinterpret_cast<const Bytef*>(idat.data()), idat.size()),
            Z_OK);
  inflated.resize(size);
  EXPECT_EQ(inflated, expected);
}

TEST(Png, RandomImagesDecodeToTheirScanlines) {
  std::mt19937 generator = testing::seeded_generator();
  std::uniform_int_distribution<std::int64_t> side(1, 40);
  for (int trial = 0; trial < 20; ++trial) expect_round_trip(random_image(side(generator), side(generator), generator));
}

TEST(Png, OnePixelAndOneRowImages) {
  std::mt19937 generator(1);
  expect_round_trip(random_image(1, 1, generator));
  expect_round_trip(random_image(300, 1, generator));
  expect_round_trip(random_image(1, 300, generator));
}

TEST(Png, RefusesEmptyAndMismatchedImages) {
  EXPECT_THROW(encode_png(RgbImage{0, 3, {}}), Error);
  EXPECT_THROW(encode_png(RgbImage{3, 0, {}}), Error);
  EXPECT_THROW(encode_png(RgbImage{-1, -1, std::vector<std::uint8_t>(3)}), Error);
  EXPECT_THROW(encode_png(RgbImage{2, 2, std::vector<std::uint8_t>(11)}), Error);
  EXPECT_THROW(encode_png(RgbImage{std::int64_t{1} << 31, 1, {}}), Error);
}

TEST(Png, WritesTheEncodedBytes) {
  std::mt19937 generator(2);
  const RgbImage image = random_image(7, 5, generator);
  const auto path = std::filesystem::temp_directory_path() / "certnn_png_test.png";
  write_png(path.string(), image);
  std::ifstream file(path, std::ios::binary);
  const std::string written((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  EXPECT_EQ(written, encode_png(image));
  std::filesystem::remove(path);
}

TEST(Png, UnwritablePathNamesThePath) {
  std::mt19937 generator(3);
  const std::string path = "/nonexistent-certnn-dir/weights.png";
  try {
    write_png(path, random_image(2, 2, generator));
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace certnn::report
