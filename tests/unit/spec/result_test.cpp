// VNN-COMP result files: every verdict round-trips, witnesses survive bit for bit (negative,
// subnormal, huge, random doubles), the variants other tools write are read, and each kind of
// malformed text gives one clear error naming file, line and column.
#include "certnn/spec/result.hpp"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>

#include "certnn/core/error.hpp"
#include "random_seed.hpp"

namespace certnn::spec {
namespace {

Result parse(const std::string& text) { return parse_result(text, "r.txt"); }

// Equality of the bit patterns, so -0.0 and 0.0 differ and NaN equals itself.
void expect_same_bits(const Eigen::VectorXd& actual, const Eigen::VectorXd& expected) {
  ASSERT_EQ(actual.size(), expected.size());
  for (Eigen::Index i = 0; i < actual.size(); ++i)
    EXPECT_EQ(std::bit_cast<std::uint64_t>(actual[i]), std::bit_cast<std::uint64_t>(expected[i]))
        << "entry " << i << ": " << actual[i] << " vs " << expected[i];
}

void expect_round_trip(const Result& result) {
  const std::string text = format_result(result);
  SCOPED_TRACE(text);
  const Result back = parse(text);
  EXPECT_EQ(back.verdict, result.verdict);
  expect_same_bits(back.input, result.input);
  expect_same_bits(back.output, result.output);
}

void expect_error(const std::string& text, const std::string& place, const std::string& fragment) {
  try {
    parse(text);
    ADD_FAILURE() << "no error for:\n" << text;
  } catch (const ParseError& e) {
    const std::string message = e.what();
    EXPECT_EQ(message.rfind("r.txt:" + place + ": ", 0), 0u) << message;
    EXPECT_NE(message.find(fragment), std::string::npos) << message;
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  }
}

TEST(Result, EveryVerdictWithoutWitnessIsOneLine) {
  for (const std::string verdict : {"unsat", "timeout", "unknown", "error"}) {
    EXPECT_EQ(format_result({verdict, {}, {}}), verdict + "\n");
    expect_round_trip({verdict, {}, {}});
  }
}

TEST(Result, SatWitnessHasTheCompetitionLayout) {
  const Result sat{"sat", Eigen::Vector2d(0.5, -1.0), Eigen::VectorXd::Constant(1, 2.0)};
  EXPECT_EQ(format_result(sat), "sat\n(\n(X_0 0.5)\n(X_1 -1)\n(Y_0 2)\n)\n");
  expect_round_trip(sat);
}

TEST(Result, ExtremeValuesRoundTripBitForBit) {
  using limits = std::numeric_limits<double>;
  Eigen::VectorXd input(10);
  input << 0.1, -0.0, 0.0, -1.0 / 3.0, limits::denorm_min(), -limits::denorm_min(), limits::min(),
      limits::max(), -limits::max(), 1e-300;
  Eigen::VectorXd output(4);
  output << -123.456, 6.02214076e23, limits::epsilon(), std::nextafter(1.0, 2.0);
  expect_round_trip({"sat", input, output});
}

TEST(Result, RandomBitPatternsRoundTrip) {
  std::mt19937 random = certnn::testing::seeded_generator();
  std::uniform_int_distribution<std::uint64_t> bits;
  Eigen::VectorXd input(200), output(50);
  const auto finite = [&] {
    for (;;)
      if (const double v = std::bit_cast<double>(bits(random)); std::isfinite(v)) return v;
  };
  for (Eigen::Index i = 0; i < input.size(); ++i) input[i] = finite();
  for (Eigen::Index i = 0; i < output.size(); ++i) output[i] = finite();
  expect_round_trip({"sat", input, output});
}

TEST(Result, SynonymsCaseAndLineEndsOfOtherTools) {
  EXPECT_EQ(parse("holds\n").verdict, "unsat");
  EXPECT_EQ(parse("UNSAT\r\n").verdict, "unsat");
  EXPECT_EQ(parse("  timeout  ").verdict, "timeout");
  const Result violated = parse("violated\r\n((X_0 1)\r\n (X_1 2)\r\n (Y_0 3))\r\n");
  EXPECT_EQ(violated.verdict, "sat");
  EXPECT_EQ(violated.input, Eigen::Vector2d(1.0, 2.0));
  EXPECT_EQ(violated.output, Eigen::VectorXd::Constant(1, 3.0));
}

TEST(Result, WitnessWithoutOuterParenthesesAnyOrderAndSpacing) {
  // The 2021 layout: one entry per line, no enclosing list; here also out of order and with a +.
  const Result unwrapped = parse("sat\n(Y_0 -4e-3)\n(X_1 +2.5) (X_0 1E2)\n");
  EXPECT_EQ(unwrapped.input, Eigen::Vector2d(100.0, 2.5));
  EXPECT_EQ(unwrapped.output, Eigen::VectorXd::Constant(1, -4e-3));
  const Result one_line = parse("sat\n((X_0 0.25)(Y_0 1)(Y_1 0))");
  EXPECT_EQ(one_line.input, Eigen::VectorXd::Constant(1, 0.25));
  EXPECT_EQ(one_line.output, Eigen::Vector2d(1.0, 0.0));
  // Y may be left out: the scorer recomputes it.
  EXPECT_EQ(parse("sat\n((X_0 3))").output.size(), 0);
}

TEST(Result, MalformedVerdictLines) {
  expect_error("", "1:1", "expected a verdict");
  expect_error("\nsat\n", "1:1", "expected a verdict");
  expect_error("maybe\n", "1:1", "unknown verdict 'maybe'");
  expect_error("  sat (X_0 1)\n", "1:3", "unknown verdict 'sat (X_0 1)'");
  expect_error("unsat\n(X_0 1)\n", "2:1", "unexpected '(' after the verdict 'unsat'");
  expect_error("timeout\n\n  done", "3:3", "unexpected 'done'");
}

TEST(Result, MalformedWitnesses) {
  expect_error("sat\n", "2:1", "sat result without a counterexample");
  expect_error("sat\n()\n", "2:1", "gives no input value X_0");
  expect_error("sat\n((Y_0 1))\n", "2:1", "gives no input value X_0");
  expect_error("sat\n(\n(X_0 1)\n", "4:1", "the witness's '(' at 2:1 is never closed");
  expect_error("sat\n((X_0 1)\n(X_1 2", "3:7", "the entry opened at 3:1 is never closed");
  expect_error("sat\n((X_0 1) (Z_1 2))", "2:11", "expected a name X_i or Y_j with a decimal index, found 'Z_1'");
  expect_error("sat\n((X_0 1) (X_a 2))", "2:11", "found 'X_a'");
  expect_error("sat\n((X_0 1) (X_-1 2))", "2:11", "found 'X_-1'");
  expect_error("sat\n((X_0 1) (X_1))", "2:14", "expected a value in the entry opened at 2:10, found ')'");
  expect_error("sat\n((X_0 abc))", "2:7", "expected a number, found 'abc'");
  expect_error("sat\n((X_0 1.5.2))", "2:7", "expected a number, found '1.5.2'");
  expect_error("sat\n((X_0 1e999))", "2:7", "'1e999' lies outside the range of double");
  expect_error("sat\n((X_0 1 2))", "2:9", "expected ')' after the value of X_0, found '2'");
  expect_error("sat\n((X_0 1)\n(X_0 2))", "3:2", "X_0 is given twice (first at 2:3)");
  expect_error("sat\n((X_0 1) (X_2 2))", "2:11", "X_2 is given but X_1 is missing");
  expect_error("sat\n((X_0 1) (Y_1 2))", "2:11", "Y_1 is given but Y_0 is missing");
  expect_error("sat\n((X_0 1)) (X_1 2)", "2:11", "unexpected '(' after the witness");
  expect_error("sat\nX_0 1", "2:1", "expected '(' opening an entry such as (X_0 0.5), found 'X_0'");
}

TEST(Result, FormatRefusesInconsistentResults) {
  EXPECT_THROW(format_result({"proved", {}, {}}), Error);
  EXPECT_THROW(format_result({"sat", {}, {}}), Error);
  EXPECT_THROW(format_result({"unsat", Eigen::VectorXd::Zero(1), {}}), Error);
}

}  // namespace
}  // namespace certnn::spec
