// Element counts and printing of tensor shapes: the overflow guard is what keeps a hostile model
// file from driving a huge allocation, so its edges are tested exactly.
#include "certnn/core/shape.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>

#include "certnn/core/error.hpp"

namespace certnn {
namespace {

TEST(ElementCount, MultipliesTheDimensions) {
  EXPECT_EQ(element_count({1, 3, 32, 32}), 3 * 32 * 32);
  EXPECT_EQ(element_count({7}), 7);
  EXPECT_EQ(element_count({2, 1, 5}), 10);
}

TEST(ElementCount, ScalarShapeHasOneElement) { EXPECT_EQ(element_count({}), 1); }

TEST(ElementCount, ZeroDimensionGivesZero) {
  EXPECT_EQ(element_count({0}), 0);
  EXPECT_EQ(element_count({4, 0, 9}), 0);
}

TEST(ElementCount, NegativeDimensionIsShapeErrorNamingTheShape) {
  try {
    element_count({1, -3, 4});
    FAIL() << "a negative dimension was accepted";
  } catch (const ShapeError& error) {
    EXPECT_NE(std::string(error.what()).find("[1,-3,4]"), std::string::npos) << error.what();
  }
  EXPECT_THROW(element_count({-1}), ShapeError);
  // The negative dimension is refused even after a zero, where the product would be zero.
  EXPECT_THROW(element_count({0, -1}), ShapeError);
}

TEST(ElementCount, AcceptsExactlyTheLimit) {
  EXPECT_EQ(element_count({kMaxTensorElements}), kMaxTensorElements);
  EXPECT_EQ(element_count({2, kMaxTensorElements / 2}), kMaxTensorElements);
  EXPECT_EQ(element_count({kMaxTensorElements, 1, 1}), kMaxTensorElements);
}

TEST(ElementCount, OneAboveTheLimitIsShapeError) {
  EXPECT_THROW(element_count({kMaxTensorElements + 1}), ShapeError);
  EXPECT_THROW(element_count({kMaxTensorElements, 2}), ShapeError);
  EXPECT_THROW(element_count({2, kMaxTensorElements / 2 + 1}), ShapeError);
}

TEST(ElementCount, ProductsThatWouldOverflowInt64AreShapeErrors) {
  // 2^40 * 2^40 overflows a 64-bit product; the guard must refuse before multiplying.
  const std::int64_t huge = std::int64_t{1} << 40;
  EXPECT_THROW(element_count({huge, huge}), ShapeError);
  const std::int64_t largest = std::numeric_limits<std::int64_t>::max();
  EXPECT_THROW(element_count({largest, largest}), ShapeError);
  EXPECT_THROW(element_count({3, largest}), ShapeError);
}

TEST(ShapeToString, WritesBracketedCommaSeparatedDimensions) {
  EXPECT_EQ(to_string(Shape{1, 3, 32, 32}), "[1,3,32,32]");
  EXPECT_EQ(to_string(Shape{5}), "[5]");
  EXPECT_EQ(to_string(Shape{}), "[]");
  EXPECT_EQ(to_string(Shape{-2, 0}), "[-2,0]");
}

}  // namespace
}  // namespace certnn
