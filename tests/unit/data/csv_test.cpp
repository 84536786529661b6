// Numeric CSV input files: what is accepted (headers, blank lines, spacing, CRLF) and that every
// rejection names the source, line and, for a bad field, its column.
#include "certnn/data/csv.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <unistd.h>

#include "certnn/core/error.hpp"

namespace certnn::data {
namespace {

Eigen::MatrixXd parse(const std::string& text, std::optional<std::int64_t> expected_columns = {}) {
  std::istringstream in(text);
  return read_csv(in, "inputs.csv", expected_columns);
}

// Expects a ParseError whose message starts with `prefix` (the place) and contains `detail`.
void expect_parse_error(const std::string& text, const std::string& prefix, const std::string& detail = "",
                        std::optional<std::int64_t> expected_columns = {}) {
  try {
    parse(text, expected_columns);
    ADD_FAILURE() << "no ParseError for:\n" << text;
  } catch (const ParseError& error) {
    const std::string message = error.what();
    EXPECT_EQ(message.rfind(prefix, 0), 0u) << "message does not start with '" << prefix << "': " << message;
    EXPECT_NE(message.find(detail), std::string::npos) << "'" << detail << "' missing from: " << message;
  }
}

TEST(ReadCsv, ReadsRowsAndColumnsInOrder) {
  const Eigen::MatrixXd values = parse("1,2,3\n4.5,-6,7e-3\n");
  ASSERT_EQ(values.rows(), 2);
  ASSERT_EQ(values.cols(), 3);
  EXPECT_EQ(values(0, 0), 1.0);
  EXPECT_EQ(values(0, 2), 3.0);
  EXPECT_EQ(values(1, 0), 4.5);
  EXPECT_EQ(values(1, 1), -6.0);
  EXPECT_EQ(values(1, 2), 7e-3);
}

TEST(ReadCsv, ParsesDecimalTextToTheNearestDouble) {
  // 0.1 and 1e-320 (a subnormal) must come back exactly as the compiler reads the same literals.
  // The last field is the largest double written out in full (309 digits).
  const std::string largest = "17976931348623157" + std::string(292, '0');
  const Eigen::MatrixXd values = parse("0.1,1e-320,-0," + largest + "\n");
  EXPECT_EQ(values(0, 0), 0.1);
  EXPECT_EQ(values(0, 1), 1e-320);
  EXPECT_EQ(values(0, 2), 0.0);
  EXPECT_TRUE(std::signbit(values(0, 2)));
  EXPECT_EQ(values(0, 3), 1.7976931348623157e308);
}

TEST(ReadCsv, FinalLineWithoutNewline) {
  const Eigen::MatrixXd values = parse("1,2\n3,4");
  ASSERT_EQ(values.rows(), 2);
  EXPECT_EQ(values(1, 1), 4.0);
}

TEST(ReadCsv, SkipsAHeaderLineOfNames) {
  const Eigen::MatrixXd values = parse("x0,x1,label\n1,2,3\n");
  ASSERT_EQ(values.rows(), 1);
  EXPECT_EQ(values(0, 2), 3.0);
}

TEST(ReadCsv, HeaderAfterBlankLinesIsStillSkipped) {
  const Eigen::MatrixXd values = parse("\n\nx0,x1\n1,2\n");
  EXPECT_EQ(values.rows(), 1);
}

TEST(ReadCsv, AFirstLineMixingNamesAndNumbersIsAnError) {
  // Not a header (it has a number), so it is data with a bad field in column 1.
  expect_parse_error("x0,2\n1,2\n", "inputs.csv:1:1:", "'x0' is not a number");
}

TEST(ReadCsv, AHeaderNamedNanIsNotTakenForAHeader) {
  // "nan" parses as a number, so this line is data, and data must be finite.
  expect_parse_error("nan,x\n1,2\n", "inputs.csv:1:1:", "not a finite number");
}

TEST(ReadCsv, SkipsBlankAndWhitespaceOnlyLines) {
  const Eigen::MatrixXd values = parse("\n1,2\n\n   \n\t\n3,4\n\n");
  ASSERT_EQ(values.rows(), 2);
  EXPECT_EQ(values(1, 0), 3.0);
}

TEST(ReadCsv, AcceptsSpacesAndTabsAroundFields) {
  const Eigen::MatrixXd values = parse("  1 ,\t2\t, 3\n4,5,6   \n");
  EXPECT_EQ(values(0, 0), 1.0);
  EXPECT_EQ(values(0, 1), 2.0);
  EXPECT_EQ(values(0, 2), 3.0);
  EXPECT_EQ(values(1, 2), 6.0);
}

TEST(ReadCsv, AcceptsALeadingPlusSign) {
  const Eigen::MatrixXd values = parse("+1.5,+0,-2\n");
  EXPECT_EQ(values(0, 0), 1.5);
  EXPECT_EQ(values(0, 1), 0.0);
  EXPECT_EQ(values(0, 2), -2.0);
}

TEST(ReadCsv, RejectsSignsThatAreNotOneLeadingSign) {
  expect_parse_error("1,++2\n", "inputs.csv:1:2:", "'++2' is not a number");
  expect_parse_error("1,+\n", "inputs.csv:1:2:", "'+' is not a number");
  expect_parse_error("1,--2\n", "inputs.csv:1:2:", "'--2' is not a number");
  expect_parse_error("1,+-2\n", "inputs.csv:1:2:", "'+-2' is not a number");
  expect_parse_error("1,-+2\n", "inputs.csv:1:2:", "'-+2' is not a number");
  expect_parse_error("1,2-\n", "inputs.csv:1:2:", "'2-' is not a number");
}

TEST(ReadCsv, AcceptsCrLfLineEndings) {
  const Eigen::MatrixXd values = parse("a,b\r\n1,2\r\n\r\n3,4\r\n");
  ASSERT_EQ(values.rows(), 2);
  ASSERT_EQ(values.cols(), 2);
  EXPECT_EQ(values(0, 1), 2.0);
  EXPECT_EQ(values(1, 1), 4.0);
}

TEST(ReadCsv, RowOfWrongWidthNamesSourceAndLine) {
  expect_parse_error("1,2,3\n4,5\n", "inputs.csv:2:", "has 2 values, expected 3");
  expect_parse_error("1,2\n\n3,4\n5,6,7\n", "inputs.csv:4:", "has 3 values, expected 2");
}

TEST(ReadCsv, TrailingCommaIsAnEmptyField) {
  expect_parse_error("1,2,\n", "inputs.csv:1:3:", "'' is not a number");
}

TEST(ReadCsv, NonNumberNamesSourceLineAndColumn) {
  expect_parse_error("1,2,3\n4,five,6\n", "inputs.csv:2:2:", "'five' is not a number");
  expect_parse_error("1,2,3\n4,5,6x\n", "inputs.csv:2:3:", "'6x' is not a number");
  expect_parse_error("1,2 3\n", "inputs.csv:1:2:", "'2 3' is not a number");
  expect_parse_error("1,,3\n", "inputs.csv:1:2:", "is not a number");
  expect_parse_error("1\n0x10\n", "inputs.csv:2:1:", "'0x10' is not a number");
}

TEST(ReadCsv, NanAndInfinityAreRejected) {
  for (const std::string field : {"nan", "NaN", "-nan", "inf", "-inf", "+inf", "infinity", "INF"})
    expect_parse_error("1,2\n3," + field + "\n", "inputs.csv:2:2:", "not a finite number");
  // Finite text that overflows a double is out of range, not infinity.
  expect_parse_error("1,1e400\n", "inputs.csv:1:2:", "1e400 is outside the range of a double");
}

TEST(ReadCsv, AByteOrderMarkIsSkipped) {
  EXPECT_EQ(parse("\xEF\xBB\xBF" "0.5,1\n").coeff(0, 0), 0.5);
  EXPECT_EQ(parse("\xEF\xBB\xBF" "x0,x1\n0.5,1\n").rows(), 1);
}

TEST(ReadCsv, AnUnreadableOnlyRowIsReportedNotTakenForAHeader) {
  expect_parse_error("1e400,2\n", "inputs.csv:1:1:", "1e400 is outside the range of a double");
  expect_parse_error("-1e999\n", "inputs.csv:1:1:", "outside the range of a double");
  expect_parse_error("0.1;0.2;0.3\n", "inputs.csv:1:1:", "'0.1;0.2;0.3' is not a number (fields must be separated by commas)");
  expect_parse_error("0.1\t0.2\n", "inputs.csv:1:1:", "(fields must be separated by commas)");
  expect_parse_error(".5x,1\n", "inputs.csv:1:1:", "'.5x' is not a number");
  // Names are still a header, also with other separators.
  expect_parse_error("x0;x1\n", "inputs.csv:", "no data rows after the header line");
  EXPECT_EQ(parse("pixel 1,pixel 2\n1,2\n").rows(), 1);
}

TEST(ReadCsv, EmptyInputHasNoDataRows) {
  expect_parse_error("", "inputs.csv:", "no data rows");
  expect_parse_error("\n\n  \n", "inputs.csv:", "no data rows");
  expect_parse_error("x0,x1\n", "inputs.csv:", "no data rows");
}

TEST(ReadCsv, ExpectedColumnsIsCheckedOnEveryRowIncludingTheFirst) {
  EXPECT_EQ(parse("1,2,3\n", 3).cols(), 3);
  expect_parse_error("1,2,3\n", "inputs.csv:1:", "has 3 values, expected 4", 4);
  expect_parse_error("1,2,3,4\n1,2\n", "inputs.csv:2:", "has 2 values, expected 4", 4);
  // The header is skipped before the width check, so a header of another width is fine.
  EXPECT_EQ(parse("a,b\n1,2,3\n", 3).rows(), 1);
}

TEST(ReadCsv, ReadsFromAFileAndNamesItInErrors) {
  const std::filesystem::path path =
      std::filesystem::temp_directory_path() / ("certnn_csv_test_" + std::to_string(::getpid()) + ".csv");
  {
    std::ofstream file(path);
    file << "1,2\n3,oops\n";
  }
  try {
    read_csv(path.string());
    ADD_FAILURE() << "no ParseError";
  } catch (const ParseError& error) {
    EXPECT_EQ(std::string(error.what()).rfind(path.string() + ":2:2:", 0), 0u) << error.what();
  }
  {
    std::ofstream file(path);
    file << "1,2\n3,4\n";
  }
  EXPECT_EQ(read_csv(path.string(), 2).rows(), 2);
  std::filesystem::remove(path);
}

TEST(ReadCsv, MissingFileIsAnErrorNamingThePath) {
  const std::string path = "/nonexistent/certnn/inputs.csv";
  try {
    read_csv(path);
    ADD_FAILURE() << "no Error";
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find(path), std::string::npos) << error.what();
  }
}

}  // namespace
}  // namespace certnn::data
