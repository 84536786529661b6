// The MPFR reference of the soundness tests: an RAII multiple-precision number, exact comparisons
// of doubles against it, and an evaluator of a model::Network at a point that encloses every
// exact real-arithmetic value of the network (DESIGN §4) in an interval of MPFR numbers.
//
// The evaluator is independent of model/forward.cpp and model/window.hpp: each layer kind is
// written from its definition in model/layers.hpp with nested loops and its own window geometry.
// Every operation is rounded outward (MPFR_RNDD on the lower end, MPFR_RNDU on the upper end), so
// the enclosure is rigorous whatever the precision; at the default 320 bits the linear layers on
// double inputs with exponents within about 2^±100 are exact (MPFR's ternary value is 0, the
// enclosure is a single point), and exp, tanh, sigmoid, softmax, sqrt and division enclose the
// real value within a relative 2^-300 or so, far below double resolution.
#pragma once

#include <mpfr.h>

#include <Eigen/Core>
#include <string>
#include <vector>

#include "certnn/model/network.hpp"

namespace certnn::soundness {

// One MPFR number with a fixed precision; copies keep the precision of their source.
class Mpfr {
 public:
  explicit Mpfr(mpfr_prec_t precision);       // +0
  Mpfr(double value, mpfr_prec_t precision);  // exact for precision >= 53
  Mpfr(const Mpfr& other);
  Mpfr(Mpfr&& other) noexcept;
  Mpfr& operator=(const Mpfr& other);
  Mpfr& operator=(Mpfr&& other) noexcept;
  ~Mpfr();

  mpfr_ptr get() { return value_; }
  mpfr_srcptr get() const { return value_; }
  mpfr_prec_t precision() const { return mpfr_get_prec(value_); }
  // Decimal, `digits` significant digits.
  std::string to_string(int digits = 25) const;

 private:
  mpfr_t value_;
};

// Exact comparisons of a double (a bound) with an MPFR number, never through a conversion to
// double. A NaN bound or a NaN number compares false both ways: it encloses nothing.
bool at_most(double bound, const Mpfr& x);   // bound <= x
bool at_least(double bound, const Mpfr& x);  // bound >= x

// [lo, hi] ∋ one exact real value; lo == hi where every operation leading to it was exact.
struct Enclosure {
  Mpfr lo, hi;
};
using Values = std::vector<Enclosure>;

// True when [lower, upper] ⊇ [e.lo, e.hi], compared exactly.
bool encloses(double lower, double upper, const Enclosure& e);

struct Evaluation {
  std::vector<Values> values;  // indexed by model::ValueId; values[0] is the input point
  bool exact = true;           // every enclosure is a single point
};

class ReferenceEvaluator {
 public:
  static constexpr mpfr_prec_t kDefaultPrecision = 320;

  explicit ReferenceEvaluator(mpfr_prec_t precision = kDefaultPrecision);

  // Encloses every value of the network at the input point (input.size() == input_size()).
  // Throws std::logic_error when the network's stored geometry (window output sizes, batch
  // normalisation channel stride) disagrees with the one the reference derives, or when a
  // value is undefined (an empty pooling window, a division by an interval around zero).
  Evaluation evaluate_all(const model::Network& network, const Eigen::VectorXd& input) const;
  Values evaluate(const model::Network& network, const Eigen::VectorXd& input) const;

  mpfr_prec_t precision() const { return precision_; }

 private:
  mpfr_prec_t precision_;
};

// "%a" of a double: the exact value, for reproducers.
std::string hex(double x);

}  // namespace certnn::soundness
