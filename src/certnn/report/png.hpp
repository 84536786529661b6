// A minimal PNG writer for 8-bit RGB images (PNG specification, ISO/IEC 15948): signature,
// IHDR, one zlib-compressed IDAT of filter-0 scanlines, IEND. Enough for figures; reads nothing.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace certnn::report {

// width x height pixels, row-major from the top left, 3 bytes (R, G, B) per pixel:
// pixels.size() == 3 * width * height.
struct RgbImage {
  std::int64_t width = 0;
  std::int64_t height = 0;
  std::vector<std::uint8_t> pixels;
};

// The PNG file's bytes. Throws certnn::Error when the image is empty, larger than PNG allows
// (2^31 - 1 per side) or its pixel buffer does not match its size.
std::string encode_png(const RgbImage& image);

// encode_png written to path; throws certnn::Error naming the path when it cannot be written.
void write_png(const std::string& path, const RgbImage& image);

}  // namespace certnn::report
