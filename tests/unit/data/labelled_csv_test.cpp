// Labelled CSV datasets: the label column and features, scaling and shapes, and errors that name
// file, line and column.
#include "certnn/data/labelled_csv.hpp"

#include <gtest/gtest.h>

#include <sstream>

#include "certnn/core/error.hpp"

namespace certnn::data {
namespace {

Dataset parse(const std::string& text, const LabelledCsvOptions& options = {}) {
  std::istringstream in(text);
  return read_labelled_csv(in, "train.csv", options);
}

void expect_error(const std::string& text, const std::string& prefix, const std::string& detail,
                  const LabelledCsvOptions& options = {}) {
  try {
    parse(text, options);
    ADD_FAILURE() << "no error for:\n" << text;
  } catch (const Error& error) {
    const std::string message = error.what();
    EXPECT_EQ(message.rfind(prefix, 0), 0u) << "message does not start with '" << prefix << "': " << message;
    EXPECT_NE(message.find(detail), std::string::npos) << "'" << detail << "' missing from: " << message;
  }
}

TEST(LabelledCsv, FirstColumnIsTheLabelByDefault) {
  const Dataset dataset = parse("label,x,y\n1,0.5,0.25\n0,-1,2\n2,3,4\n");
  EXPECT_EQ(dataset.size(), 3);
  EXPECT_EQ(dataset.labels, (std::vector<std::int64_t>{1, 0, 2}));
  EXPECT_EQ(dataset.classes, 3);
  EXPECT_EQ(dataset.sample_shape, (Shape{2}));
  EXPECT_EQ(dataset.inputs(0, 0), 0.5);
  EXPECT_EQ(dataset.inputs(1, 1), 2.0);
  EXPECT_EQ(dataset.name, "train.csv");
}

TEST(LabelledCsv, LastColumnLabelScaleAndShape) {
  LabelledCsvOptions options;
  options.label_column = -1;
  options.feature_scale = 4;
  options.sample_shape = Shape{1, 2, 2};
  options.classes = 10;
  options.name = "tiny";
  const Dataset dataset = parse("4,0,2,1,7\n", options);
  EXPECT_EQ(dataset.labels, (std::vector<std::int64_t>{7}));
  EXPECT_EQ(dataset.classes, 10);
  EXPECT_EQ(dataset.sample_shape, (Shape{1, 2, 2}));
  EXPECT_EQ(dataset.inputs(0, 0), 1.0);
  EXPECT_EQ(dataset.inputs(2, 0), 0.5);
  EXPECT_EQ(dataset.name, "tiny");
}

TEST(LabelledCsv, LabelErrorsNameLineAndColumn) {
  expect_error("1,2\n\n2.5,3\n", "train.csv:3:1:", "label 2.5");
  expect_error("1,2\n-1,3\n", "train.csv:2:1:", "not a non-negative integer");
  LabelledCsvOptions options;
  options.classes = 2;
  expect_error("1,2\n2,3\n", "train.csv:2:1:", "not below the 2 classes", options);
}

TEST(LabelledCsv, FieldErrorsComeFromTheCsvReader) {
  expect_error("1,2\n0,abc\n", "train.csv:2:2:", "'abc' is not a number");
  expect_error("1,2\n0,1,2\n", "train.csv:2:", "expected 2");
}

TEST(LabelledCsv, ShapeAndColumnErrors) {
  expect_error("1\n2\n", "train.csv:", "label column and at least one feature");
  LabelledCsvOptions options;
  options.sample_shape = Shape{3};
  expect_error("1,2,3\n", "train.csv:", "does not hold the 2 features", options);
  options = {};
  options.label_column = 5;
  expect_error("1,2,3\n", "train.csv:", "label column 5", options);
}

TEST(LabelledCsv, MissingFileNamesThePath) {
  try {
    read_labelled_csv("/nonexistent/certnn/train.csv");
    ADD_FAILURE();
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find("/nonexistent/certnn/train.csv"), std::string::npos);
  }
}

}  // namespace
}  // namespace certnn::data
