#include "certnn/report/weight_image.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "certnn/core/error.hpp"

namespace certnn::report {
namespace {

// Guards the allocation: 2^26 RGB pixels is 192 MiB, far more than a readable figure needs.
constexpr std::int64_t kMaxPixels = std::int64_t{1} << 26;

// Separators, border and empty grid cells: no colour of the map is grey, so tiles stand out.
constexpr std::array<std::uint8_t, 3> kSeparator = {128, 128, 128};

std::int64_t isqrt(std::int64_t n) {
  auto root = static_cast<std::int64_t>(std::sqrt(static_cast<double>(n)));
  while (root * root > n) --root;
  while ((root + 1) * (root + 1) <= n) ++root;
  return root;
}

void check_rows(const Eigen::MatrixXd& rows, TileShape tile, const WeightImageOptions& options) {
  if (options.scale < 1) throw Error("weight image: scale " + std::to_string(options.scale) + " (must be >= 1)");
  if (rows.rows() == 0) throw Error("weight image: no rows to draw");
  if (tile.height < 1 || tile.width < 1 || rows.cols() != tile.height * tile.width)
    throw ShapeError("weight image: rows of " + std::to_string(rows.cols()) + " weights for tiles of " +
                     std::to_string(tile.height) + " x " + std::to_string(tile.width));
  for (Eigen::Index r = 0; r < rows.rows(); ++r)
    for (Eigen::Index c = 0; c < rows.cols(); ++c)
      if (!std::isfinite(rows(r, c)))
        throw Error("weight image: weight " + std::to_string(c) + " of row " + std::to_string(r) + " is not finite");
}

}  // namespace

TileShape image_shape_of(const Shape& input_shape) {
  Shape kept;
  for (const std::int64_t d : input_shape)
    if (d != 1) kept.push_back(d);
  if (kept.size() == 2) return {kept[0], kept[1]};
  if (kept.size() <= 1) {
    const std::int64_t n = kept.empty() ? 1 : kept[0];
    const std::int64_t side = n > 0 ? isqrt(n) : 0;
    if (side > 0 && side * side == n) return {side, side};
  }
  throw ShapeError("weight image: input shape " + to_string(input_shape) +
                   " is not a one-channel image ([1,H,W], [1,1,H,W] or a flat size that is a perfect square)");
}

std::array<std::uint8_t, 3> diverging_colour(double value, double max_abs) {
  const double t = max_abs > 0.0 ? std::clamp(value / max_abs, -1.0, 1.0) : 0.0;
  // The other two channels fade from 255 at 0 to 0 at ±max_abs.
  const auto fade = static_cast<std::uint8_t>(std::lround(255.0 * (1.0 - std::abs(t))));
  if (t > 0.0) return {255, fade, fade};
  if (t < 0.0) return {fade, fade, 255};
  return {255, 255, 255};
}

namespace {

// The tile grid of render_weight_rows, each weight painted by colour(value).
template <class Colour>
RgbImage render_tiles(const Eigen::MatrixXd& rows, TileShape tile, const WeightImageOptions& options, Colour&& colour) {
  check_rows(rows, tile, options);
  const std::int64_t count = rows.rows();
  const std::int64_t grid_cols = isqrt(count - 1) + 1;  // ceil(sqrt(count))
  const std::int64_t grid_rows = (count + grid_cols - 1) / grid_cols;
  // Each side is checked before the product so that neither can overflow.
  const double tile_w = static_cast<double>(tile.width) * static_cast<double>(options.scale);
  const double tile_h = static_cast<double>(tile.height) * static_cast<double>(options.scale);
  const double width_d = static_cast<double>(grid_cols) * (tile_w + 1.0) + 1.0;
  const double height_d = static_cast<double>(grid_rows) * (tile_h + 1.0) + 1.0;
  if (width_d * height_d > static_cast<double>(kMaxPixels))
    throw Error("weight image: " + std::to_string(count) + " tiles of " + std::to_string(tile.height) + " x " +
                std::to_string(tile.width) + " at scale " + std::to_string(options.scale) +
                " exceed 2^26 pixels; draw fewer rows or a smaller scale");

  RgbImage image;
  image.width = static_cast<std::int64_t>(width_d);
  image.height = static_cast<std::int64_t>(height_d);
  image.pixels.resize(static_cast<std::size_t>(3 * image.width * image.height));
  for (std::size_t p = 0; p < image.pixels.size(); p += 3) std::copy(kSeparator.begin(), kSeparator.end(), &image.pixels[p]);

  const std::int64_t scale = options.scale;
  for (std::int64_t k = 0; k < count; ++k) {
    const std::int64_t left = (k % grid_cols) * (tile.width * scale + 1) + 1;
    const std::int64_t top = (k / grid_cols) * (tile.height * scale + 1) + 1;
    for (std::int64_t y = 0; y < tile.height * scale; ++y) {
      for (std::int64_t x = 0; x < tile.width * scale; ++x) {
        const std::array<std::uint8_t, 3> c = colour(rows(k, (y / scale) * tile.width + x / scale));
        const auto offset = static_cast<std::size_t>(3 * ((top + y) * image.width + left + x));
        std::copy(c.begin(), c.end(), &image.pixels[offset]);
      }
    }
  }
  return image;
}

}  // namespace

WeightImage render_weight_rows(const Eigen::MatrixXd& rows, TileShape tile, const WeightImageOptions& options) {
  WeightImage out;
  out.max_abs = rows.size() > 0 && rows.allFinite() ? rows.cwiseAbs().maxCoeff() : 0.0;
  out.image = render_tiles(rows, tile, options, [&](double w) { return diverging_colour(w, out.max_abs); });
  return out;
}

RgbImage render_input_rows(const Eigen::MatrixXd& rows, TileShape tile, double lower, double upper,
                           const WeightImageOptions& options) {
  if (!(lower < upper)) throw Error("input image: the value range must have lower < upper");
  return render_tiles(rows, tile, options, [&](double v) {
    const auto grey = static_cast<std::uint8_t>(std::lround(255.0 * std::clamp((v - lower) / (upper - lower), 0.0, 1.0)));
    return std::array<std::uint8_t, 3>{grey, grey, grey};
  });
}

}  // namespace certnn::report
