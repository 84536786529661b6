#include "certnn/spec/vnnlib.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <map>
#include <optional>

#include "certnn/core/error.hpp"
#include "certnn/core/text_file.hpp"

namespace certnn::spec {
namespace {

namespace r = certnn::rounding;
constexpr double kInf = std::numeric_limits<double>::infinity();
// A formula whose disjunctive normal form has more conjunctions than this is refused rather than
// expanded without end.
constexpr std::size_t kMaxConjunctions = 100'000;
// Lists nested deeper than this are refused: reading, parsing and freeing them recurse once per
// level, and the properties of the VNN-COMP benchmarks nest at most 29 deep.
constexpr int kMaxNesting = 1000;

struct Position {
  int line = 1, column = 1;
};

// An s-expression: an atom (symbol or number) or a list.
struct Expr {
  Position at;
  std::string atom;  // empty for a list
  std::vector<Expr> items;
  bool is_list() const { return atom.empty(); }
};

class Reader {
 public:
  Reader(std::string_view text, const std::string& source) : text_(text), source_(source) {}

  const std::string& source() const { return source_; }

  [[noreturn]] void fail(Position at, const std::string& message) const {
    throw ParseError(source_ + ":" + std::to_string(at.line) + ":" + std::to_string(at.column) + ": " + message);
  }

  std::vector<Expr> read_all() {
    std::vector<Expr> top;
    for (skip_space(); i_ < text_.size(); skip_space()) top.push_back(read(0));
    return top;
  }

 private:
  void advance() {
    if (text_[i_] == '\n') {
      ++pos_.line;
      pos_.column = 1;
    } else {
      ++pos_.column;
    }
    ++i_;
  }
  void skip_space() {
    while (i_ < text_.size()) {
      const char c = text_[i_];
      if (c == ';') {
        while (i_ < text_.size() && text_[i_] != '\n') advance();
      } else if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
        advance();
      } else {
        return;
      }
    }
  }
  Expr read(int depth) {
    Expr e{pos_, {}, {}};
    if (text_[i_] == ')') fail(pos_, "unbalanced ')'");
    if (text_[i_] == '(') {
      if (depth >= kMaxNesting) fail(pos_, "lists are nested more than " + std::to_string(kMaxNesting) + " deep");
      advance();
      for (skip_space(); i_ < text_.size() && text_[i_] != ')'; skip_space()) e.items.push_back(read(depth + 1));
      if (i_ >= text_.size()) fail(e.at, "'(' is never closed");
      advance();
      if (e.items.empty()) fail(e.at, "empty list '()'");
      return e;
    }
    while (i_ < text_.size()) {
      const char c = text_[i_];
      if (c == '(' || c == ')' || c == ';' || c == ' ' || c == '\t' || c == '\n' || c == '\r') break;
      if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f)
        fail(pos_, "unexpected character");
      e.atom += c;
      advance();
    }
    return e;
  }

  std::string_view text_;
  const std::string& source_;
  std::size_t i_ = 0;
  Position pos_;
};

// The double nearest to a decimal constant, as an interval that holds the exact value: a point
// when the decimal is exactly a double, else its two neighbours.
std::optional<Interval> parse_constant(const std::string& text) {
  if (text.empty() || !(std::isdigit(static_cast<unsigned char>(text[0])) || text[0] == '-' || text[0] == '+' ||
                        text[0] == '.'))
    return std::nullopt;
  double value = 0.0;
  const char* first = text.data() + (text[0] == '+' ? 1 : 0);
  const auto [end, error] = std::from_chars(first, text.data() + text.size(), value);
  if (error != std::errc{} || end != text.data() + text.size() || !std::isfinite(value)) return std::nullopt;
  // Exact when printing the double with enough digits gives back the same decimal digits; the
  // common exact constants (integers, halves) pass this test, anything else gets its neighbours.
  char buffer[64];
  const auto printed = std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::general, 40);
  const std::string exact(buffer, printed.ptr);
  const auto digits = [](const std::string& s) {
    std::string mantissa, exponent;
    bool in_exponent = false;
    for (char c : s) {
      if (c == 'e' || c == 'E') in_exponent = true;
      else if (in_exponent) exponent += c;
      else if (std::isdigit(static_cast<unsigned char>(c))) mantissa += c;
    }
    // Position of the decimal point relative to the first significant digit.
    long point = 0;
    bool seen_point = false;
    for (char c : s) {
      if (c == 'e' || c == 'E') break;
      if (c == '.') seen_point = true;
      else if (std::isdigit(static_cast<unsigned char>(c)) && !seen_point) ++point;
    }
    point += exponent.empty() ? 0 : std::stol(exponent);
    const auto lead = mantissa.find_first_not_of('0');
    if (lead == std::string::npos) return std::string("0");
    point -= static_cast<long>(lead);
    mantissa = mantissa.substr(lead);
    mantissa.erase(mantissa.find_last_not_of('0') + 1);
    return mantissa + "e" + std::to_string(point);
  };
  if (digits(exact) == digits(text)) return Interval::point(value);
  return Interval{r::down(value), r::up(value)};
}

// Σ coefficient · variable + constant, variables numbered X_i → i, Y_j → input_count + j.
struct Linear {
  std::map<std::int64_t, double> terms;
  Interval constant{0.0, 0.0};
};

struct Atom {
  Position at;
  Linear expression;  // expression ≤ 0
};
using Conjunction = std::vector<Atom>;
using Dnf = std::vector<Conjunction>;

class Parser {
 public:
  Parser(const Reader& reader) : reader_(reader) {}

  Property parse(const std::vector<Expr>& top) {
    Dnf dnf{Conjunction{}};
    for (const Expr& e : top) {
      if (!e.is_list() || e.items[0].is_list()) reader_.fail(e.at, "expected (declare-const ...) or (assert ...)");
      const std::string& head = e.items[0].atom;
      if (head == "declare-const") {
        declare(e);
      } else if (head == "assert") {
        if (e.items.size() != 2) reader_.fail(e.at, "assert takes one formula");
        dnf = conjoin(std::move(dnf), formula(e.items[1]), e.at);
      } else {
        reader_.fail(e.at, "unknown command '" + head + "'");
      }
    }
    return build(dnf);
  }

 private:
  void declare(const Expr& e) {
    if (e.items.size() != 3 || e.items[1].is_list() || e.items[2].is_list())
      reader_.fail(e.at, "expected (declare-const NAME Real)");
    if (e.items[2].atom != "Real") reader_.fail(e.items[2].at, "only Real variables are supported");
    const std::string& name = e.items[1].atom;
    const auto [kind, index] = variable_name(name, e.items[1].at);
    if (!declared_.emplace(name, true).second) reader_.fail(e.items[1].at, "'" + name + "' is declared twice");
    (kind == 'X' ? input_count_ : output_count_) = std::max(kind == 'X' ? input_count_ : output_count_, index + 1);
  }

  std::pair<char, std::int64_t> variable_name(const std::string& name, Position at) const {
    std::int64_t index = -1;
    if (name.size() >= 3 && (name[0] == 'X' || name[0] == 'Y') && name[1] == '_') {
      const auto [end, error] = std::from_chars(name.data() + 2, name.data() + name.size(), index);
      if (error != std::errc{} || end != name.data() + name.size() || index < 0 || index > (1 << 28)) index = -1;
    }
    if (index < 0) reader_.fail(at, "variable '" + name + "' must be named X_<n> or Y_<n>");
    return {name[0], index};
  }

  Dnf conjoin(Dnf a, const Dnf& b, Position at) const {
    if (b.size() == 1) {  // the common case (one more atom or box): extend in place
      for (Conjunction& x : a) x.insert(x.end(), b[0].begin(), b[0].end());
      return a;
    }
    if (a.size() * b.size() > kMaxConjunctions)
      reader_.fail(at, "the property expands to more than " + std::to_string(kMaxConjunctions) + " disjuncts");
    Dnf out;
    out.reserve(a.size() * b.size());
    for (const Conjunction& x : a)
      for (const Conjunction& y : b) {
        Conjunction both = x;
        both.insert(both.end(), y.begin(), y.end());
        out.push_back(std::move(both));
      }
    return out;
  }

  Dnf formula(const Expr& e) {
    if (!e.is_list() || e.items[0].is_list()) reader_.fail(e.at, "expected a formula such as (<= X_0 1)");
    const std::string& op = e.items[0].atom;
    if (op == "and") {
      Dnf out{Conjunction{}};
      for (std::size_t k = 1; k < e.items.size(); ++k) out = conjoin(std::move(out), formula(e.items[k]), e.items[k].at);
      return out;
    }
    if (op == "or") {
      Dnf out;
      for (std::size_t k = 1; k < e.items.size(); ++k) {
        Dnf part = formula(e.items[k]);
        if (out.size() + part.size() > kMaxConjunctions) reader_.fail(e.at, "the property has too many disjuncts");
        out.insert(out.end(), part.begin(), part.end());
      }
      return out;
    }
    if (op == "<=" || op == "<" || op == ">=" || op == ">" || op == "=") {
      if (e.items.size() != 3) reader_.fail(e.at, "'" + op + "' takes two terms");
      const Linear left = term(e.items[1]), right = term(e.items[2]);
      const bool less = op == "<=" || op == "<";
      if (op == "=") return {Conjunction{{e.at, difference(left, right)}, {e.at, difference(right, left)}}};
      return {Conjunction{{e.at, less ? difference(left, right) : difference(right, left)}}};
    }
    reader_.fail(e.items[0].at, "unknown operator '" + op + "'");
  }

  static Linear difference(const Linear& a, const Linear& b) {
    Linear out = a;
    for (const auto& [v, c] : b.terms) out.terms[v] -= c;
    out.constant = a.constant - b.constant;
    return out;
  }

  Linear term(const Expr& e) {
    if (!e.is_list()) {
      if (auto c = parse_constant(e.atom)) return Linear{{}, *c};
      if (!declared_.count(e.atom)) {
        if (e.atom[0] == 'X' || e.atom[0] == 'Y') reader_.fail(e.at, "variable '" + e.atom + "' is not declared");
        reader_.fail(e.at, "'" + e.atom + "' is neither a number nor a declared variable");
      }
      const auto [kind, index] = variable_name(e.atom, e.at);
      return Linear{{{kind == 'X' ? index : kYOffset + index, 1.0}}, {0.0, 0.0}};
    }
    if (e.items[0].is_list()) reader_.fail(e.at, "expected an operator");
    const std::string& op = e.items[0].atom;
    if (op == "+" && e.items.size() >= 2) {
      Linear sum;
      for (std::size_t k = 1; k < e.items.size(); ++k) sum = difference(sum, negate(term(e.items[k])));
      return sum;
    }
    if (op == "-" && e.items.size() == 2) return negate(term(e.items[1]));
    if (op == "-" && e.items.size() == 3) return difference(term(e.items[1]), term(e.items[2]));
    if (op == "*" && e.items.size() == 3) {
      Linear a = term(e.items[1]), b = term(e.items[2]);
      if (!a.terms.empty()) std::swap(a, b);
      if (!a.terms.empty()) reader_.fail(e.at, "only products with a constant are linear");
      if (a.constant.lo != a.constant.hi)
        reader_.fail(e.items[1].at, "a coefficient must be exactly representable as a double");
      for (auto& [v, c] : b.terms) {
        const double product = c * a.constant.lo;
        if (product / a.constant.lo != c || !std::isfinite(product))
          reader_.fail(e.at, "the product of coefficients is not exact");
        c = product;
      }
      b.constant = b.constant * a.constant;
      return b;
    }
    reader_.fail(e.at, "unknown or malformed term '" + op + "'");
  }

  static Linear negate(Linear a) {
    for (auto& [v, c] : a.terms) c = -c;
    a.constant = Interval{-a.constant.hi, -a.constant.lo};
    return a;
  }

  Property build(const Dnf& dnf) const {
    if (input_count_ == 0) throw ParseError(source_name() + ": no input variables X_i are declared");
    if (output_count_ == 0) throw ParseError(source_name() + ": no output variables Y_i are declared");
    Property property{input_count_, output_count_, {}};
    for (const Conjunction& conjunction : dnf) {
      Disjunct d{Eigen::VectorXd::Constant(input_count_, -kInf), Eigen::VectorXd::Constant(input_count_, kInf), {}};
      bool infeasible = false;
      for (const Atom& atom : conjunction) add_atom(atom, d, infeasible);
      if (infeasible) continue;
      bool feasible = true;
      for (std::int64_t i = 0; i < input_count_; ++i) {
        if (std::isinf(d.input_lower[i]) || std::isinf(d.input_upper[i]))
          throw ParseError(source_name() + ": input X_" + std::to_string(i) + " has no " +
                           (std::isinf(d.input_lower[i]) ? "lower" : "upper") + " bound");
        feasible = feasible && d.input_lower[i] <= d.input_upper[i];
      }
      if (feasible) property.disjuncts.push_back(std::move(d));
    }
    // A property with no output constraint makes every input of its box a counterexample; that
    // is what a file cut short before its output assertions reads as, so it is refused.
    const bool constrains_output = std::any_of(dnf.begin(), dnf.end(), [](const Conjunction& conjunction) {
      return std::any_of(conjunction.begin(), conjunction.end(), [](const Atom& atom) {
        return std::any_of(atom.expression.terms.begin(), atom.expression.terms.end(),
                           [](const auto& term) { return term.first >= kYOffset && term.second != 0.0; });
      });
    });
    if (!constrains_output)
      throw ParseError(source_name() + ": no output constraint: no assertion constrains the outputs Y_j");
    return property;
  }

  // expression ≤ 0 with expression = Σ c_v v + k.
  void add_atom(const Atom& atom, Disjunct& d, bool& infeasible) const {
    bool has_input = false, has_output = false;
    std::int64_t input = -1;
    double input_coefficient = 0.0;
    OutputConstraint constraint{Eigen::VectorXd::Zero(output_count_), {}};
    for (const auto& [v, c] : atom.expression.terms) {
      if (c == 0.0) continue;
      if (v >= kYOffset) {
        has_output = true;
        constraint.coefficients[v - kYOffset] += c;
      } else {
        if (has_input) reader_.fail(atom.at, "input constraints must bound one variable (X_i against a constant)");
        has_input = true;
        input = v;
        input_coefficient = c;
      }
    }
    if (has_input && has_output) reader_.fail(atom.at, "constraints mixing inputs and outputs are not supported");
    const Interval k = atom.expression.constant;
    if (has_output) {
      constraint.bound = Interval{-k.hi, -k.lo};  // Σ c y ≤ −k
      d.output.push_back(std::move(constraint));
    } else if (has_input) {
      // c·x + k ≤ 0: x ≤ −k/c for c > 0, x ≥ −k/c for c < 0. The exact k is at least k.lo, so
      // −k.lo/c is the outward end in both cases.
      if (input_coefficient > 0) {
        d.input_upper[input] = std::min(d.input_upper[input], quotient(-k.lo, input_coefficient, true));
      } else {
        d.input_lower[input] = std::max(d.input_lower[input], quotient(-k.lo, input_coefficient, false));
      }
    } else if (!(k.lo <= 0.0)) {
      // A constant comparison that is false everywhere makes the conjunction infeasible.
      infeasible = true;
    }
  }

  // a / c rounded up or down; exact where the division is (checked with a fused multiply-add).
  static double quotient(double a, double c, bool upward) {
    const double q = a / c;
    if (std::fma(q, c, -a) == 0.0) return q;
    return upward ? r::up(q) : r::down(q);
  }

  const std::string& source_name() const { return reader_.source(); }

  static constexpr std::int64_t kYOffset = std::int64_t{1} << 40;
  const Reader& reader_;
  std::map<std::string, bool> declared_;
  std::int64_t input_count_ = 0, output_count_ = 0;
};

}  // namespace

Property parse_vnnlib(std::string_view text, const std::string& source) {
  // Editors on some systems start text files with a UTF-8 byte order mark.
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
  Reader reader(text, source);
  const std::vector<Expr> top = reader.read_all();
  return Parser(reader).parse(top);
}

Property read_vnnlib(const std::string& path) { return parse_vnnlib(read_text_file(path), path); }

}  // namespace certnn::spec
