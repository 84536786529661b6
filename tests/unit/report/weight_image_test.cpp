// Weight tiles: the colour map's fixed points (−max → blue, 0 → white, +max → red), the grid
// geometry with its separators, one shared colour scale, and the input shapes read as images.
#include "certnn/report/weight_image.hpp"

#include <gtest/gtest.h>

#include <limits>

#include "certnn/core/error.hpp"

namespace certnn::report {
namespace {

using Colour = std::array<std::uint8_t, 3>;
constexpr Colour kBlue = {0, 0, 255}, kWhite = {255, 255, 255}, kRed = {255, 0, 0}, kGrey = {128, 128, 128};

Colour pixel(const RgbImage& image, std::int64_t x, std::int64_t y) {
  const auto at = static_cast<std::size_t>(3 * (y * image.width + x));
  return {image.pixels[at], image.pixels[at + 1], image.pixels[at + 2]};
}

TEST(DivergingColour, EndsAndMiddle) {
  EXPECT_EQ(diverging_colour(-2.5, 2.5), kBlue);
  EXPECT_EQ(diverging_colour(0.0, 2.5), kWhite);
  EXPECT_EQ(diverging_colour(-0.0, 2.5), kWhite);
  EXPECT_EQ(diverging_colour(2.5, 2.5), kRed);
  // Halfway: the faded channels are 255 / 2 = 127.5, rounded to 128.
  EXPECT_EQ(diverging_colour(1.25, 2.5), (Colour{255, 128, 128}));
  EXPECT_EQ(diverging_colour(-1.25, 2.5), (Colour{128, 128, 255}));
  // Beyond the scale: clamped to the ends.
  EXPECT_EQ(diverging_colour(10.0, 2.5), kRed);
  EXPECT_EQ(diverging_colour(-10.0, 2.5), kBlue);
  // An all-zero layer has scale 0: white, not a division by zero.
  EXPECT_EQ(diverging_colour(0.0, 0.0), kWhite);
  // A weight far below the scale is drawn white; on its own scale it keeps its sign.
  const double tiny = std::numeric_limits<double>::denorm_min();
  EXPECT_EQ(diverging_colour(tiny, 1.0), kWhite);
  EXPECT_EQ(diverging_colour(-tiny, tiny), kBlue);
}

TEST(RenderWeightRows, GridGeometrySeparatorsAndSharedScale) {
  // Two 2 x 3 tiles at scale 2: a grid of 2 columns, 1 row; each tile 6 x 4 pixels.
  Eigen::MatrixXd rows(2, 6);
  rows << -4, 0, 4, 2, -2, 1,  //
      1, 1, 1, 1, 1, 1;
  const WeightImage drawn = render_weight_rows(rows, {2, 3}, {.scale = 2});
  EXPECT_EQ(drawn.max_abs, 4.0);
  ASSERT_EQ(drawn.image.width, 2 * (6 + 1) + 1);
  ASSERT_EQ(drawn.image.height, 4 + 2);
  ASSERT_EQ(drawn.image.pixels.size(), static_cast<std::size_t>(3 * 15 * 6));

  // Border and the separator between the tiles.
  for (std::int64_t x = 0; x < drawn.image.width; ++x) {
    EXPECT_EQ(pixel(drawn.image, x, 0), kGrey) << x;
    EXPECT_EQ(pixel(drawn.image, x, 5), kGrey) << x;
  }
  for (std::int64_t y = 0; y < drawn.image.height; ++y)
    for (std::int64_t x : {0, 7, 14}) EXPECT_EQ(pixel(drawn.image, x, y), kGrey) << x << "," << y;

  // Tile 0 starts at (1, 1); weight (i, j) covers pixels (1 + 2j .. 2 + 2j, 1 + 2i .. 2 + 2i).
  for (int dy = 0; dy < 2; ++dy) {
    for (int dx = 0; dx < 2; ++dx) {
      EXPECT_EQ(pixel(drawn.image, 1 + dx, 1 + dy), kBlue);
      EXPECT_EQ(pixel(drawn.image, 3 + dx, 1 + dy), kWhite);
      EXPECT_EQ(pixel(drawn.image, 5 + dx, 1 + dy), kRed);
      EXPECT_EQ(pixel(drawn.image, 1 + dx, 3 + dy), diverging_colour(2, 4));
    }
  }
  // Tile 1, all weights 1, is drawn on the shared scale 4: pale red, not full red.
  EXPECT_EQ(pixel(drawn.image, 8, 1), diverging_colour(1, 4));
  EXPECT_EQ(pixel(drawn.image, 13, 4), (Colour{255, 191, 191}));
}

TEST(RenderWeightRows, EmptyGridCellsAreGrey) {
  // Three 1 x 1 tiles: 2 columns, 2 rows, the last cell empty.
  const Eigen::MatrixXd rows = Eigen::Vector3d(1, -1, 1);
  const WeightImage drawn = render_weight_rows(rows, {1, 1}, {.scale = 1});
  ASSERT_EQ(drawn.image.width, 5);
  ASSERT_EQ(drawn.image.height, 5);
  EXPECT_EQ(pixel(drawn.image, 1, 1), kRed);
  EXPECT_EQ(pixel(drawn.image, 3, 1), kBlue);
  EXPECT_EQ(pixel(drawn.image, 1, 3), kRed);
  EXPECT_EQ(pixel(drawn.image, 3, 3), kGrey);
}

TEST(RenderWeightRows, RefusesBadInput) {
  const Eigen::MatrixXd rows = Eigen::MatrixXd::Ones(2, 4);
  EXPECT_THROW(render_weight_rows(rows, {2, 3}, {}), ShapeError);
  EXPECT_THROW(render_weight_rows(rows, {2, 2}, {.scale = 0}), Error);
  EXPECT_THROW(render_weight_rows(Eigen::MatrixXd(0, 4), {2, 2}, {}), Error);
  EXPECT_THROW(render_weight_rows(Eigen::MatrixXd::Ones(1, 1 << 20), {1 << 10, 1 << 10}, {.scale = 64}), Error);
  for (const double bad : {std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity()}) {
    Eigen::MatrixXd with_bad = rows;
    with_bad(1, 3) = bad;
    EXPECT_THROW(render_weight_rows(with_bad, {2, 2}, {}), Error);
  }
}

TEST(RenderInputRows, GreyFromLowerToUpperClampedOutside) {
  Eigen::MatrixXd rows(1, 4);
  rows << 0.0, 0.5, 1.0, 2.0;  // 2.0 lies above the range: drawn white
  const RgbImage image = render_input_rows(rows, {1, 4}, 0.0, 1.0, {.scale = 1});
  ASSERT_EQ(image.width, 6);   // one tile of 4 and a 1-pixel border on each side
  ASSERT_EQ(image.height, 3);
  const auto pixel = [&](std::int64_t x, std::int64_t y) { return image.pixels[static_cast<std::size_t>(3 * (y * image.width + x))]; };
  EXPECT_EQ(pixel(1, 1), 0);
  EXPECT_EQ(pixel(2, 1), 128);
  EXPECT_EQ(pixel(3, 1), 255);
  EXPECT_EQ(pixel(4, 1), 255);
  EXPECT_THROW(render_input_rows(rows, {1, 4}, 1.0, 1.0, {}), Error);
}

TEST(ImageShapeOf, OneChannelImagesAndSquareVectors) {
  auto shape = [](const Shape& s) {
    const TileShape t = image_shape_of(s);
    return std::pair{t.height, t.width};
  };
  EXPECT_EQ(shape({1, 1, 28, 28}), (std::pair<std::int64_t, std::int64_t>{28, 28}));
  EXPECT_EQ(shape({1, 8, 5}), (std::pair<std::int64_t, std::int64_t>{8, 5}));
  EXPECT_EQ(shape({1, 784}), (std::pair<std::int64_t, std::int64_t>{28, 28}));
  EXPECT_EQ(shape({64}), (std::pair<std::int64_t, std::int64_t>{8, 8}));
  EXPECT_EQ(shape({1, 1}), (std::pair<std::int64_t, std::int64_t>{1, 1}));
  EXPECT_THROW(image_shape_of({1, 3, 28, 28}), ShapeError);
  EXPECT_THROW(image_shape_of({1, 10}), ShapeError);
  EXPECT_THROW(image_shape_of({1, 0}), ShapeError);
}

}  // namespace
}  // namespace certnn::report
