#include "certnn/spec/result.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "certnn/core/error.hpp"
#include "certnn/core/output_file.hpp"
#include "certnn/core/real_text.hpp"
#include "certnn/core/shape.hpp"
#include "certnn/core/text_file.hpp"

namespace certnn::spec {
namespace {

constexpr std::array<std::string_view, 5> kVerdicts = {"sat", "unsat", "timeout", "unknown", "error"};

bool is_verdict(std::string_view name) {
  return std::find(kVerdicts.begin(), kVerdicts.end(), name) != kVerdicts.end();
}

struct Position {
  int line = 1, column = 1;
};

std::string describe(Position at) { return std::to_string(at.line) + ":" + std::to_string(at.column); }

// A token of the witness: "(", ")" or an atom (a name or a number).
struct Token {
  std::string text;
  Position at;
};

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

class Parser {
 public:
  Parser(std::string_view text, const std::string& source) : text_(text), source_(source) {}

  Result parse() {
    Result result;
    result.verdict = read_verdict();
    tokenize();
    if (result.verdict != "sat") {
      if (!tokens_.empty())
        fail(tokens_.front().at, "unexpected '" + tokens_.front().text + "' after the verdict '" + result.verdict +
                                     "' (only sat carries a witness)");
      return result;
    }
    if (tokens_.empty()) fail(end_, "sat result without a counterexample: expected (X_0 value) entries");
    read_witness();
    result.input = assemble('X', inputs_);
    result.output = assemble('Y', outputs_);
    if (result.input.size() == 0) fail(tokens_.front().at, "the counterexample gives no input value X_0");
    return result;
  }

 private:
  struct Entry {
    double value = 0;
    Position at;
  };

  [[noreturn]] void fail(Position at, const std::string& message) const {
    throw ParseError(source_ + ":" + describe(at) + ": " + message);
  }

  // The first line, trimmed and lower-cased, with the synonyms some tools write mapped.
  std::string read_verdict() {
    if (text_.substr(0, 3) == "\xEF\xBB\xBF") advance_to(3);  // a UTF-8 byte-order mark
    const std::size_t newline = text_.find('\n', i_);
    const std::size_t end = newline == std::string_view::npos ? text_.size() : newline;
    std::size_t first = i_, last = end;
    while (first < last && is_space(text_[first])) ++first;
    while (last > first && is_space(text_[last - 1])) --last;
    std::string verdict(text_.substr(first, last - first));
    std::transform(verdict.begin(), verdict.end(), verdict.begin(),
                   [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; });
    if (verdict.empty()) fail(pos_, "expected a verdict (sat, unsat, timeout, unknown or error) on the first line");
    if (verdict == "holds") verdict = "unsat";
    if (verdict == "violated") verdict = "sat";
    if (!is_verdict(verdict))
      fail({1, static_cast<int>(first - i_) + 1},
           "unknown verdict '" + std::string(text_.substr(first, last - first)) +
               "' (expected sat, unsat, timeout, unknown, error, holds or violated)");
    advance_to(end);
    return verdict;
  }

  void advance_to(std::size_t target) {
    for (; i_ < target; ++i_) {
      if (text_[i_] == '\n') {
        ++pos_.line;
        pos_.column = 1;
      } else {
        ++pos_.column;
      }
    }
  }

  void tokenize() {
    while (i_ < text_.size()) {
      const char c = text_[i_];
      if (is_space(c)) {
        advance_to(i_ + 1);
      } else if (c == '(' || c == ')') {
        tokens_.push_back({std::string(1, c), pos_});
        advance_to(i_ + 1);
      } else {
        const Position at = pos_;
        std::size_t end = i_;
        while (end < text_.size() && !is_space(text_[end]) && text_[end] != '(' && text_[end] != ')') ++end;
        tokens_.push_back({std::string(text_.substr(i_, end - i_)), at});
        advance_to(end);
      }
    }
    end_ = pos_;
  }

  bool is(std::size_t k, const char* text) const { return k < tokens_.size() && tokens_[k].text == text; }

  // ( (X_0 v) ... )  or  (X_0 v) ...
  void read_witness() {
    const bool wrapped = is(0, "(") && (is(1, "(") || is(1, ")"));
    std::size_t k = wrapped ? 1 : 0;
    while (k < tokens_.size() && !(wrapped && is(k, ")"))) k = read_entry(k);
    if (wrapped) {
      if (k == tokens_.size()) fail(end_, "the witness's '(' at " + describe(tokens_[0].at) + " is never closed");
      ++k;
    }
    if (k < tokens_.size()) fail(tokens_[k].at, "unexpected '" + tokens_[k].text + "' after the witness");
  }

  std::size_t read_entry(std::size_t k) {
    const Token& open = tokens_[k];
    if (open.text != "(") fail(open.at, "expected '(' opening an entry such as (X_0 0.5), found '" + open.text + "'");
    const auto atom = [&](std::size_t j, const char* what) -> const Token& {
      if (j >= tokens_.size()) fail(end_, "the entry opened at " + describe(open.at) + " is never closed");
      if (tokens_[j].text == "(" || tokens_[j].text == ")")
        fail(tokens_[j].at, std::string("expected ") + what + " in the entry opened at " + describe(open.at) +
                                ", found '" + tokens_[j].text + "'");
      return tokens_[j];
    };
    const Token& name = atom(k + 1, "a name X_i or Y_j");
    const Token& value = atom(k + 2, "a value");
    if (k + 3 >= tokens_.size()) fail(end_, "the entry opened at " + describe(open.at) + " is never closed");
    if (tokens_[k + 3].text != ")")
      fail(tokens_[k + 3].at, "expected ')' after the value of " + name.text + ", found '" + tokens_[k + 3].text + "'");
    add_entry(name, value);
    return k + 4;
  }

  void add_entry(const Token& name, const Token& value) {
    const std::string& n = name.text;
    const bool known_prefix = n.size() > 2 && (n[0] == 'X' || n[0] == 'Y') && n[1] == '_';
    std::int64_t index = -1;
    if (known_prefix) {
      const auto parsed = std::from_chars(n.data() + 2, n.data() + n.size(), index);
      if (parsed.ec != std::errc() || parsed.ptr != n.data() + n.size() || index < 0 || index >= kMaxTensorElements)
        index = -1;
    }
    if (index < 0) fail(name.at, "expected a name X_i or Y_j with a decimal index, found '" + n + "'");
    auto& entries = n[0] == 'X' ? inputs_ : outputs_;
    if (const auto seen = entries.find(index); seen != entries.end())
      fail(name.at, n + " is given twice (first at " + describe(seen->second.at) + ")");
    entries[index] = {read_number(value), name.at};
  }

  double read_number(const Token& token) const {
    std::string_view text = token.text;
    if (text.size() > 1 && text[0] == '+' && text[1] != '-') text.remove_prefix(1);
    double value = 0;
    const auto parsed = std::from_chars(text.data(), text.data() + text.size(), value);
    if (parsed.ec == std::errc::result_out_of_range)
      fail(token.at, "'" + token.text + "' lies outside the range of double");
    if (parsed.ec != std::errc() || parsed.ptr != text.data() + text.size())
      fail(token.at, "expected a number, found '" + token.text + "'");
    return value;
  }

  // The values in index order; the indices must run 0..n-1 without gaps.
  Eigen::VectorXd assemble(char prefix, const std::map<std::int64_t, Entry>& entries) const {
    Eigen::VectorXd values(static_cast<Eigen::Index>(entries.size()));
    std::int64_t expected = 0;
    for (const auto& [index, entry] : entries) {
      if (index != expected)
        fail(entry.at, std::string(1, prefix) + "_" + std::to_string(index) + " is given but " + prefix + "_" +
                           std::to_string(expected) + " is missing");
      values[static_cast<Eigen::Index>(index)] = entry.value;
      ++expected;
    }
    return values;
  }

  std::string_view text_;
  const std::string& source_;
  std::size_t i_ = 0;
  Position pos_;
  Position end_;
  std::vector<Token> tokens_;
  std::map<std::int64_t, Entry> inputs_, outputs_;
};

}  // namespace

std::string format_result(const Result& result) {
  if (!is_verdict(result.verdict))
    throw Error("result verdict '" + result.verdict + "' is not one of sat, unsat, timeout, unknown, error");
  if (result.verdict != "sat") {
    if (result.input.size() != 0 || result.output.size() != 0)
      throw Error("a '" + result.verdict + "' result carries no counterexample");
    return result.verdict + "\n";
  }
  if (result.input.size() == 0) throw Error("a sat result needs the counterexample's input values");
  std::string text = "sat\n(\n";
  for (Eigen::Index i = 0; i < result.input.size(); ++i)
    text += "(X_" + std::to_string(i) + " " + format_real(result.input[i]) + ")\n";
  for (Eigen::Index j = 0; j < result.output.size(); ++j)
    text += "(Y_" + std::to_string(j) + " " + format_real(result.output[j]) + ")\n";
  return text + ")\n";
}

Result parse_result(std::string_view text, const std::string& source) { return Parser(text, source).parse(); }

Result read_result(const std::string& path) { return parse_result(read_text_file(path), path); }

void write_result(const Result& result, const std::string& path) { write_file_atomically(path, format_result(result)); }

}  // namespace certnn::spec
