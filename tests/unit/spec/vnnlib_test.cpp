// The VNN-LIB reader: the benchmarks' properties, exact and rounded constants, DNF expansion, and
// one clear error (file:line:column) for each kind of malformed file.
#include "certnn/spec/vnnlib.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include "certnn/core/error.hpp"

namespace certnn::spec {
namespace {

namespace fs = std::filesystem;

const std::string kHeader =
    "(declare-const X_0 Real)\n(declare-const X_1 Real)\n(declare-const Y_0 Real)\n(declare-const Y_1 Real)\n";
const std::string kInputBox = "(assert (>= X_0 -1))\n(assert (<= X_0 1))\n(assert (>= X_1 0))\n(assert (<= X_1 0.5))\n";

Property parse(const std::string& text) { return parse_vnnlib(text, "p.vnnlib"); }

void expect_error(const std::string& text, const std::string& fragment) {
  try {
    parse(text);
    ADD_FAILURE() << "no error for:\n" << text;
  } catch (const ParseError& e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
    EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos) << e.what();
  }
}

TEST(Vnnlib, InputBoxAndOneOutputConstraint) {
  const Property p = parse(kHeader + kInputBox + "(assert (<= Y_0 Y_1))\n");
  EXPECT_EQ(p.input_count, 2);
  EXPECT_EQ(p.output_count, 2);
  ASSERT_EQ(p.disjuncts.size(), 1u);
  const Disjunct& d = p.disjuncts[0];
  EXPECT_EQ(d.input_lower, Eigen::Vector2d(-1.0, 0.0));
  EXPECT_EQ(d.input_upper, Eigen::Vector2d(1.0, 0.5));
  ASSERT_EQ(d.output.size(), 1u);
  EXPECT_EQ(d.output[0].coefficients, Eigen::Vector2d(1.0, -1.0));  // Y_0 − Y_1 ≤ 0
  EXPECT_EQ(d.output[0].bound.lo, 0.0);
  EXPECT_EQ(d.output[0].bound.hi, 0.0);
}

TEST(Vnnlib, DecimalConstantsThatAreNotDoublesAreRoundedOutward) {
  const Property p = parse(kHeader + "(assert (>= X_0 0.1))(assert (<= X_0 0.7))(assert (>= X_1 0))(assert (<= X_1 1))"
                                     "(assert (>= Y_0 0.3))");
  const Disjunct& d = p.disjuncts.at(0);
  EXPECT_LT(d.input_lower[0], 0.1);
  EXPECT_GT(d.input_upper[0], 0.7);
  EXPECT_EQ(d.input_upper[1], 1.0);
  // −Y_0 ≤ −0.3 with −0.3 enclosed by its two neighbours.
  EXPECT_EQ(d.output[0].coefficients, Eigen::Vector2d(-1.0, 0.0));
  EXPECT_LT(d.output[0].bound.lo, -0.3);
  EXPECT_GT(d.output[0].bound.hi, -0.3);
}

TEST(Vnnlib, LinearTermsAndEquality) {
  const Property p = parse(kHeader + kInputBox + "(assert (<= (+ Y_0 (* 2 Y_1)) (- 3 (- Y_1))))(assert (= X_1 0.25))");
  const Disjunct& d = p.disjuncts.at(0);
  EXPECT_EQ(d.output[0].coefficients, Eigen::Vector2d(1.0, 1.0));  // Y_0 + 2Y_1 − Y_1 ≤ 3
  EXPECT_EQ(d.output[0].bound.hi, 3.0);
  EXPECT_EQ(d.input_lower[1], 0.25);
  EXPECT_EQ(d.input_upper[1], 0.25);
}

TEST(Vnnlib, DisjunctionsExpandToDisjunctiveNormalForm) {
  const Property p = parse(kHeader +
                           "(assert (or (and (>= X_0 0) (<= X_0 1)) (and (>= X_0 2) (<= X_0 3))))"
                           "(assert (>= X_1 0))(assert (<= X_1 1))"
                           "(assert (or (and (<= Y_0 1)) (and (<= Y_1 1) (>= Y_0 0)) (<= Y_1 Y_0)))");
  ASSERT_EQ(p.disjuncts.size(), 6u);
  EXPECT_EQ(p.disjuncts[0].input_upper[0], 1.0);
  EXPECT_EQ(p.disjuncts[3].input_lower[0], 2.0);
  EXPECT_EQ(p.disjuncts[1].output.size(), 2u);
}

TEST(Vnnlib, InfeasibleConjunctionsAreDropped) {
  const Property p = parse(kHeader + "(assert (or (and (>= X_0 2) (<= X_0 1)) (and (>= X_0 0) (<= X_0 1))))"
                                     "(assert (>= X_1 0))(assert (<= X_1 1))(assert (<= Y_0 0))");
  EXPECT_EQ(p.disjuncts.size(), 1u);
}

TEST(Vnnlib, CommentsAndWhitespace) {
  const Property p = parse("; a comment\n" + kHeader + "  ; another\n" + kInputBox + "(assert\n (<= Y_0 ; inline\n 1))");
  EXPECT_EQ(p.disjuncts.size(), 1u);
}

TEST(Vnnlib, MalformedFilesGiveOneLineErrorsWithPositions) {
  expect_error(kHeader + "(assert (<= X_0 1)", "p.vnnlib:5:1: '(' is never closed");
  expect_error(kHeader + "(assert (<= X_0 1)))", "p.vnnlib:5:20: unbalanced ')'");
  expect_error(kHeader + kInputBox + "(assert (<= Y_2 1))", "p.vnnlib:9:13: variable 'Y_2' is not declared");
  expect_error(kHeader + kInputBox + "(assert (<= Y_0 abc))", "'abc' is neither a number nor a declared variable");
  expect_error(kHeader + kInputBox + "(assert (<= Y_0 1e999))", "'1e999' is neither a number");
  expect_error(kHeader + kInputBox + "(assert (<== Y_0 1))", "unknown operator '<=='");
  expect_error(kHeader + kInputBox + "(assert (<= Y_0))", "'<=' takes two terms");
  expect_error(kHeader + kInputBox + "(assert (<= (* Y_0 Y_1) 1))", "only products with a constant are linear");
  expect_error(kHeader + kInputBox + "(assert (<= (+ X_0 Y_0) 1))", "mixing inputs and outputs");
  expect_error(kHeader + kInputBox + "(assert (<= (+ X_0 X_1) 1))", "must bound one variable");
  expect_error(kHeader + "(assert (>= X_0 0))(assert (<= X_0 1))(assert (<= X_1 1))", "X_1 has no lower bound");
  expect_error("(declare-const X_0 Int)", "only Real variables");
  expect_error("(declare-const Z Real)", "must be named X_<n> or Y_<n>");
  expect_error("(declare-const X_0 Real)(declare-const X_0 Real)", "declared twice");
  expect_error("(check-sat)", "unknown command 'check-sat'");
  expect_error("(declare-const Y_0 Real)", "no input variables");
  expect_error("", "no input variables");
  expect_error(std::string("(declare-const X_0 Real)\x01"), "unexpected character");
  expect_error("()", "empty list");
}

TEST(Vnnlib, AByteOrderMarkIsSkipped) {
  EXPECT_EQ(parse("\xEF\xBB\xBF" + kHeader + kInputBox + "(assert (<= Y_0 Y_1))").disjuncts.size(), 1u);
}

TEST(Vnnlib, PropertyWithoutOutputConstraintIsRefused) {
  // What a file cut short before its output assertions reads as: every input would violate it.
  expect_error(kHeader + kInputBox, "no output constraint");
  expect_error(kHeader + kInputBox + "(assert (<= (- Y_0 Y_0) 1))", "no output constraint");
}

TEST(Vnnlib, DeepNestingIsRefusedNotOverflowed) {
  const auto nested = [](int depth) {
    std::string formula = "(<= Y_0 1)";
    for (int k = 1; k < depth; ++k) formula = "(and " + formula + ")";
    return kHeader + kInputBox + "(assert " + formula + ")";
  };
  EXPECT_EQ(parse(nested(900)).disjuncts.size(), 1u);
  expect_error(nested(1200), "nested more than 1000 deep");
  expect_error(kHeader + std::string(30'000, '(') + std::string(30'000, ')'), "nested more than 1000 deep");
  expect_error(std::string(30'000, '('), "nested more than 1000 deep");
}

TEST(Vnnlib, ExplodingDisjunctionsAreRefused) {
  std::string text = kHeader + kInputBox;
  for (int k = 0; k < 20; ++k) text += "(assert (or (<= Y_0 1) (<= Y_1 1)))";
  expect_error(text, "more than");
}

TEST(Vnnlib, ReadsEveryBenchmarkProperty) {
  const fs::path root = CERTNN_BENCHMARKS_DIR;
  ASSERT_TRUE(fs::exists(root)) << "no benchmarks at " << root;
  int files = 0;
  for (const char* benchmark : {"acasxu", "mnist_fc"})
    for (const auto& entry : fs::directory_iterator(root / benchmark / "vnnlib")) {
      const std::string name = entry.path().filename().string();
      if (!name.ends_with(".vnnlib") && !name.ends_with(".vnnlib.gz")) continue;  // other tools' caches
      SCOPED_TRACE(entry.path().string());
      const Property p = read_vnnlib(entry.path().string());
      EXPECT_FALSE(p.disjuncts.empty());
      EXPECT_EQ(p.input_count, std::string(benchmark) == "acasxu" ? 5 : 784);
      EXPECT_EQ(p.output_count, std::string(benchmark) == "acasxu" ? 5 : 10);
      for (const Disjunct& d : p.disjuncts) EXPECT_TRUE((d.input_lower.array() <= d.input_upper.array()).all());
      ++files;
    }
  EXPECT_GE(files, 10);
}

TEST(Vnnlib, MissingFileIsAClearError) {
  EXPECT_THROW(read_vnnlib("/nonexistent/p.vnnlib"), Error);
}

}  // namespace
}  // namespace certnn::spec
