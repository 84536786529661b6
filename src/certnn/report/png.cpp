#include "certnn/report/png.hpp"

#include <zlib.h>

#include <array>
#include <limits>

#include "certnn/core/error.hpp"
#include "certnn/core/output_file.hpp"

namespace certnn::report {
namespace {

// PNG stores lengths and sizes as 4-byte big-endian numbers limited to 2^31 - 1.
constexpr std::int64_t kMaxPngNumber = std::numeric_limits<std::int32_t>::max();

void append_u32(std::string& out, std::uint32_t value) {
  out += static_cast<char>((value >> 24) & 0xff);
  out += static_cast<char>((value >> 16) & 0xff);
  out += static_cast<char>((value >> 8) & 0xff);
  out += static_cast<char>(value & 0xff);
}

// length, type, data, then the CRC-32 of type and data (not of the length).
void append_chunk(std::string& out, const char (&type)[5], const std::string& data) {
  append_u32(out, static_cast<std::uint32_t>(data.size()));
  const std::size_t type_start = out.size();
  out.append(type, 4);
  out += data;
  const auto* crc_bytes = reinterpret_cast<const Bytef*>(out.data() + type_start);
  uLong crc = crc32(0L, Z_NULL, 0);
  crc = crc32_z(crc, crc_bytes, out.size() - type_start);
  append_u32(out, static_cast<std::uint32_t>(crc));
}

void check_image(const RgbImage& image) {
  if (image.width < 1 || image.height < 1 || image.width > kMaxPngNumber || image.height > kMaxPngNumber)
    throw Error("png: an image of " + std::to_string(image.width) + " x " + std::to_string(image.height) +
                " pixels (each side must be 1 to 2^31 - 1)");
  // Both sides are below 2^31, so 3 * width * height does not overflow 64 bits.
  const auto expected = static_cast<std::uint64_t>(3 * image.width) * static_cast<std::uint64_t>(image.height);
  if (image.pixels.size() != expected)
    throw Error("png: " + std::to_string(image.pixels.size()) + " pixel bytes for " + std::to_string(image.width) +
                " x " + std::to_string(image.height) + " RGB pixels (expected " + std::to_string(expected) + ")");
}

// Each scanline is the filter-type byte 0 (None) followed by the row's bytes unchanged.
std::string scanlines(const RgbImage& image) {
  const auto row_bytes = static_cast<std::size_t>(3 * image.width);
  std::string raw;
  raw.reserve((row_bytes + 1) * static_cast<std::size_t>(image.height));
  for (std::int64_t y = 0; y < image.height; ++y) {
    raw += '\0';
    raw.append(reinterpret_cast<const char*>(image.pixels.data()) + static_cast<std::size_t>(y) * row_bytes, row_bytes);
  }
  return raw;
}

std::string zlib_compress(const std::string& raw) {
  uLongf size = compressBound(static_cast<uLong>(raw.size()));
  std::string compressed(size, '\0');
  const int status = compress2(reinterpret_cast<Bytef*>(compressed.data()), &size,
                               reinterpret_cast<const Bytef*>(raw.data()), static_cast<uLong>(raw.size()),
                               Z_BEST_COMPRESSION);
  if (status != Z_OK) throw Error("png: zlib compression failed (" + std::string(zError(status)) + ")");
  compressed.resize(size);
  return compressed;
}

}  // namespace

std::string encode_png(const RgbImage& image) {
  check_image(image);
  const std::string idat = zlib_compress(scanlines(image));
  if (static_cast<std::int64_t>(idat.size()) > kMaxPngNumber)
    throw Error("png: the compressed image is larger than one PNG chunk allows");

  std::string header;
  append_u32(header, static_cast<std::uint32_t>(image.width));
  append_u32(header, static_cast<std::uint32_t>(image.height));
  header += static_cast<char>(8);  // bit depth
  header += static_cast<char>(2);  // colour type: truecolour (RGB)
  header += static_cast<char>(0);  // compression: deflate
  header += static_cast<char>(0);  // filter method 0 (adaptive, per-scanline filter byte)
  header += static_cast<char>(0);  // no interlace

  static constexpr std::array<unsigned char, 8> kSignature = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  std::string out(kSignature.begin(), kSignature.end());
  append_chunk(out, "IHDR", header);
  append_chunk(out, "IDAT", idat);
  append_chunk(out, "IEND", std::string());
  return out;
}

void write_png(const std::string& path, const RgbImage& image) {
  write_file_atomically(path, encode_png(image));  // a bad image throws before the file is touched
}

}  // namespace certnn::report
