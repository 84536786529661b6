// VNN-COMP instance lists and expected answers: the rows as written (CRLF, blank and trailing
// lines, spaces), paths under the root folder, and one error naming file:line per bad row.
#include "certnn/verify/instances.hpp"

#include <gtest/gtest.h>

#include "certnn/core/error.hpp"

namespace certnn::verify {
namespace {

template <class Parse>
void expect_error(Parse parse, const std::string& text, const std::string& prefix, const std::string& fragment) {
  try {
    parse(text, "i.csv");
    ADD_FAILURE() << "no error for:\n" << text;
  } catch (const ParseError& e) {
    const std::string message = e.what();
    EXPECT_EQ(message.rfind(prefix, 0), 0u) << message;
    EXPECT_NE(message.find(fragment), std::string::npos) << message;
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  }
}

void expect_instances_error(const std::string& text, const std::string& prefix, const std::string& fragment) {
  expect_error(parse_instances, text, prefix, fragment);
}

void expect_expected_error(const std::string& text, const std::string& prefix, const std::string& fragment) {
  expect_error(parse_expected, text, prefix, fragment);
}

TEST(Instances, RowsAsTheCompetitionWritesThem) {
  const auto rows = parse_instances(
      "onnx/ACASXU_run2a_1_1_batch_2000.onnx,vnnlib/prop_1.vnnlib,116\n"
      "onnx/mnist-net_256x2.onnx , vnnlib/prop_0_0.03.vnnlib , 12.5\n\n\n",
      "i.csv");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].onnx, "onnx/ACASXU_run2a_1_1_batch_2000.onnx");
  EXPECT_EQ(rows[0].vnnlib, "vnnlib/prop_1.vnnlib");
  EXPECT_EQ(rows[0].timeout_seconds, 116.0);
  EXPECT_EQ(rows[0].line, 1);
  EXPECT_EQ(rows[1].onnx, "onnx/mnist-net_256x2.onnx");
  EXPECT_EQ(rows[1].vnnlib, "vnnlib/prop_0_0.03.vnnlib");
  EXPECT_EQ(rows[1].timeout_seconds, 12.5);
  EXPECT_EQ(rows[1].line, 2);
}

TEST(Instances, WindowsLineEndsBlankLinesAndByteOrderMark) {
  const auto rows = parse_instances("\xEF\xBB\xBF" "a.onnx,p.vnnlib,300\r\n\r\nb.onnx,q.vnnlib.gz,1e2\r\n\r\n", "i.csv");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].onnx, "a.onnx");
  EXPECT_EQ(rows[0].timeout_seconds, 300.0);
  EXPECT_EQ(rows[1].vnnlib, "q.vnnlib.gz");
  EXPECT_EQ(rows[1].timeout_seconds, 100.0);
  EXPECT_EQ(rows[1].line, 3);
  // No newline after the last row.
  EXPECT_EQ(parse_instances("a.onnx,p.vnnlib,3", "i.csv").size(), 1u);
}

TEST(Instances, BadRowsNameFileAndLine) {
  expect_instances_error("a.onnx,p.vnnlib,1\na.onnx,p.vnnlib\n", "i.csv:2: ", "expected 3 comma-separated fields onnx,vnnlib,timeout, found 2");
  expect_instances_error("a.onnx,p.vnnlib,1,extra\n", "i.csv:1: ", "found 4");
  expect_instances_error("\n\na.onnx\n", "i.csv:3: ", "found 1");
  expect_instances_error("a.onnx,p.vnnlib,soon\n", "i.csv:1: ", "timeout 'soon' is not a number");
  expect_instances_error("a.onnx,p.vnnlib,12s\n", "i.csv:1: ", "timeout '12s' is not a number");
  expect_instances_error("a.onnx,p.vnnlib,\n", "i.csv:1: ", "timeout '' is not a number");
  expect_instances_error("a.onnx,p.vnnlib,nan\n", "i.csv:1: ", "is not a number");
  expect_instances_error("a.onnx,p.vnnlib,-5\n", "i.csv:1: ", "timeout '-5' is not a positive finite number");
  expect_instances_error("a.onnx,p.vnnlib,0\n", "i.csv:1: ", "not a positive finite number");
  expect_instances_error("a.onnx,p.vnnlib,inf\n", "i.csv:1: ", "not a positive finite number");
  expect_instances_error(",p.vnnlib,1\n", "i.csv:1: ", "the onnx path is empty");
  expect_instances_error("a.onnx, ,1\n", "i.csv:1: ", "the vnnlib path is empty");
  expect_instances_error("\r\n\n", "i.csv: ", "no instances");
}

TEST(Instances, PathsAreTakenUnderTheRoot) {
  EXPECT_EQ(instance_path("/bench/acasxu", "onnx/a.onnx"), "/bench/acasxu/onnx/a.onnx");
  EXPECT_EQ(instance_path("bench", "vnnlib/p.vnnlib"), "bench/vnnlib/p.vnnlib");
  EXPECT_EQ(instance_path("/bench", "/elsewhere/a.onnx"), "/elsewhere/a.onnx");
}

TEST(ExpectedAnswers, KeyedByThePathsAsWritten) {
  const ExpectedAnswers answers = parse_expected(
      "onnx,vnnlib,expected\r\nonnx/a.onnx,vnnlib/p.vnnlib,sat\r\nonnx/a.onnx,vnnlib/q.vnnlib, unsat\r\n\r\n", "e.csv");
  ASSERT_EQ(answers.size(), 2u);
  EXPECT_EQ(answers.at({"onnx/a.onnx", "vnnlib/p.vnnlib"}), Verdict::Sat);
  EXPECT_EQ(answers.at({"onnx/a.onnx", "vnnlib/q.vnnlib"}), Verdict::Unsat);
  EXPECT_EQ(answers.count({"a.onnx", "vnnlib/p.vnnlib"}), 0u);
  // The header may be left out.
  EXPECT_EQ(parse_expected("a.onnx,p.vnnlib,unsat", "e.csv").size(), 1u);
  EXPECT_TRUE(parse_expected("onnx,vnnlib,expected\n", "e.csv").empty());
}

TEST(ExpectedAnswers, BadRowsNameFileAndLine) {
  expect_expected_error("onnx,vnnlib,expected\na.onnx,p.vnnlib,maybe\n", "i.csv:2: ", "expected answer 'maybe' is neither sat nor unsat");
  expect_expected_error("onnx,vnnlib,expected\na.onnx,p.vnnlib,timeout\n", "i.csv:2: ", "'timeout' is neither");
  expect_expected_error("onnx,vnnlib,expected\na.onnx,p.vnnlib\n", "i.csv:2: ", "expected 3 comma-separated fields onnx,vnnlib,expected, found 2");
  expect_expected_error("a.onnx,p.vnnlib,sat\n\na.onnx,p.vnnlib,sat\n", "i.csv:3: ", "a second answer for a.onnx p.vnnlib (first on line 1)");
  // A header anywhere but first is a row with a bad answer.
  expect_expected_error("a.onnx,p.vnnlib,sat\nonnx,vnnlib,expected\n", "i.csv:2: ", "'expected' is neither");
}

}  // namespace
}  // namespace certnn::verify
