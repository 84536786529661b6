// Weights as pictures: the rows of a weight matrix whose columns are the pixels of a one-channel
// input image, drawn as a grid of tiles in a diverging colour map (blue < 0, white = 0, red > 0).
#pragma once

#include <Eigen/Core>
#include <array>
#include <cstdint>

#include "certnn/core/shape.hpp"
#include "certnn/report/png.hpp"

namespace certnn::report {

// One tile: height x width weights, row-major (the order of a flattened [1, H, W] input).
struct TileShape {
  std::int64_t height = 0;
  std::int64_t width = 0;
};

// The image shape of a network input: unit dimensions (batch, single channel) are dropped;
// two dimensions left are H x W ([1,H,W], [1,1,H,W]); one left (a flat [1,N]) must be a
// perfect square N = S·S, drawn S x S. Anything else (several channels, say) is a ShapeError.
TileShape image_shape_of(const Shape& input_shape);

struct WeightImageOptions {
  std::int64_t scale = 4;  // each weight is drawn as scale x scale pixels; >= 1
};

struct WeightImage {
  RgbImage image;
  double max_abs = 0.0;  // the weight drawn as full red (and its negation as full blue)
};

// Colour of one weight: value / max_abs clamped to [-1, 1] runs linearly from blue (0,0,255)
// through white (255,255,255) to red (255,0,0); max_abs = 0 draws white.
std::array<std::uint8_t, 3> diverging_colour(double value, double max_abs);

// rows: one tile per row, rows.cols() == tile.height * tile.width. The tiles are laid out in a
// near-square grid (ceil(sqrt(n)) columns), row 0 at the top left, with 1-pixel grey separators
// and border. One colour scale for all tiles, the largest |w| among them, so that tiles compare
// by colour: a row of small weights looks pale beside a row of large ones. Throws certnn::Error
// on a non-finite weight, a shape mismatch, no rows, scale < 1, or an image over 2^26 pixels.
WeightImage render_weight_rows(const Eigen::MatrixXd& rows, TileShape tile, const WeightImageOptions& options);

// Inputs as pictures, in the same grid: grey from black at `lower` to white at `upper` (values
// outside are clamped). The same errors, and lower < upper.
RgbImage render_input_rows(const Eigen::MatrixXd& rows, TileShape tile, double lower, double upper,
                           const WeightImageOptions& options);

}  // namespace certnn::report
