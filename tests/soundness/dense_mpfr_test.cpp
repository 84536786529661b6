// Every registered sound bound method on single dense layers y = W·x + b over input boxes, against
// the exact output range: max_x y_i = b_i + Σ_j max(W_ij·l_j, W_ij·u_j) (and min likewise),
// computed exactly in MPFR with a precision derived from the operands' exponents (every MPFR
// operation is checked to be exact). The generator reaches cancellation, degenerate boxes (l = u),
// subnormal products and sums near the overflow threshold. A naive centre–radius IBP in plain
// round-to-nearest, without error terms, is run on the same cases and must be caught (DESIGN §4).
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <iostream>
#include <limits>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "certnn/bounds/method.hpp"
#include "certnn/core/error.hpp"
#include "certnn/model/network.hpp"
#include "mpfr_reference.hpp"
#include "random_doubles.hpp"
#include "test_seed.hpp"

namespace certnn::soundness {
namespace {

using Eigen::Index;
using Eigen::MatrixXd;
using Eigen::VectorXd;

constexpr int kCases = 100'000;
// Looseness allowed to a sound method on a moderate single layer, relative to Σ|W||x| + |b|: the
// a-priori rounding terms are about 2·γ_33 < 2^-46 of it; 2^-30 still fails a bound that is
// loose for a reason other than rounding (and the vacuous bound ±∞).
constexpr double kTightness = 0x1p-30;

// ---- The generator ----------------------------------------------------------------------------

enum class Family {
  Moderate,      // mantissa·2^±20 weights, boxes of random widths
  Cancellation,  // widely spread exponents, the bias cancelling the sum, mostly degenerate boxes
  Subnormal,     // weights and inputs near 2^-540: products underflow into the subnormals
  NearOverflow,  // products near 2^1000: sums overflow, or come close
  Extreme,       // every operand from random_extreme (zeros, subnormals, DBL_MAX, huge boxes)
  Count
};
constexpr std::array<const char*, static_cast<int>(Family::Count)> kFamilyNames = {
    "moderate", "cancellation", "subnormal", "near-overflow", "extreme"};

struct DenseCase {
  Family family;
  MatrixXd weight;
  VectorXd bias, lower, upper;
};

// 1..32, log-uniform (most layers small, every size reached), uniform one time in ten.
Index random_size(Rng& rng) {
  if (chance(rng, 0.1)) return uniform_int(rng, 1, 32);
  return std::clamp<Index>(static_cast<Index>(std::exp2(uniform(rng, 0.0, 5.0))), 1, 32);
}

// ±m·2^e with e uniform in [lo, hi] (a full random significand).
double scaled(Rng& rng, int lo, int hi) {
  return random_sign(rng) * std::ldexp(random_significand(rng), static_cast<int>(uniform_int(rng, lo, hi)));
}

// A box coordinate around `centre`: degenerate, or a width relative to the centre's magnitude
// (from a few ulps to wider than the centre), ends taken as they round.
void box_coordinate(Rng& rng, double centre, double degenerate_probability, double& lower, double& upper) {
  if (chance(rng, degenerate_probability)) {
    lower = upper = centre;
    return;
  }
  const double magnitude = centre == 0.0 ? 1.0 : std::abs(centre);
  const double width = magnitude * std::ldexp(random_significand(rng), static_cast<int>(uniform_int(rng, -50, 2)));
  const double a = centre - width * uniform(rng, 0.0, 1.0), b = centre + width * uniform(rng, 0.0, 1.0);
  lower = std::min(a, b);
  upper = std::max(a, b);
}

DenseCase random_case(Rng& rng) {
  const auto family = static_cast<Family>(uniform_int(rng, 0, static_cast<int>(Family::Count) - 1));
  const Index n_out = random_size(rng), n_in = random_size(rng);
  DenseCase c{family, MatrixXd(n_out, n_in), VectorXd(n_out), VectorXd(n_in), VectorXd(n_in)};
  switch (family) {
    case Family::Moderate:
      for (Index k = 0; k < c.weight.size(); ++k) c.weight(k) = random_moderate(rng);
      for (Index i = 0; i < n_out; ++i) c.bias[i] = random_moderate(rng);
      for (Index j = 0; j < n_in; ++j) box_coordinate(rng, random_moderate(rng), 0.2, c.lower[j], c.upper[j]);
      break;
    case Family::Cancellation: {
      const int spread = static_cast<int>(uniform_int(rng, 0, 60));
      for (Index k = 0; k < c.weight.size(); ++k) c.weight(k) = scaled(rng, -spread, spread);
      // Pairs of nearly opposite weights cancel in the sum as well.
      for (Index i = 0; i < n_out; ++i)
        for (Index j = 0; j + 1 < n_in; j += 2)
          if (chance(rng, 0.5)) c.weight(i, j + 1) = -c.weight(i, j) * (1.0 + std::ldexp(uniform(rng, -1.0, 1.0), -30));
      const double degenerate = chance(rng, 0.7) ? 1.0 : 0.5;
      for (Index j = 0; j < n_in; ++j)
        box_coordinate(rng, scaled(rng, -spread, spread), degenerate, c.lower[j], c.upper[j]);
      // The bias cancels the rounded sum at the box centre: the exact result is tiny.
      const VectorXd centre = (c.lower + c.upper) * 0.5;
      c.bias = -(c.weight * centre);
      for (Index i = 0; i < n_out; ++i)
        if (chance(rng, 0.3)) c.bias[i] = scaled(rng, -spread, spread);
      break;
    }
    case Family::Subnormal:
      for (Index k = 0; k < c.weight.size(); ++k) c.weight(k) = scaled(rng, -560, -500);
      for (Index i = 0; i < n_out; ++i) c.bias[i] = chance(rng, 0.5) ? random_subnormal(rng) : 0.0;
      for (Index j = 0; j < n_in; ++j) box_coordinate(rng, scaled(rng, -560, -500), 0.5, c.lower[j], c.upper[j]);
      break;
    case Family::NearOverflow:
      for (Index k = 0; k < c.weight.size(); ++k) c.weight(k) = scaled(rng, 490, 520);
      for (Index i = 0; i < n_out; ++i) c.bias[i] = chance(rng, 0.5) ? scaled(rng, 1000, 1023) : random_moderate(rng);
      for (Index j = 0; j < n_in; ++j) box_coordinate(rng, scaled(rng, 470, 503), 0.3, c.lower[j], c.upper[j]);
      break;
    case Family::Extreme:
      for (Index k = 0; k < c.weight.size(); ++k) c.weight(k) = random_extreme(rng);
      for (Index i = 0; i < n_out; ++i) c.bias[i] = random_extreme(rng);
      for (Index j = 0; j < n_in; ++j) {
        const double a = random_extreme(rng), b = chance(rng, 0.3) ? a : random_extreme(rng);
        c.lower[j] = std::min(a, b);
        c.upper[j] = std::max(a, b);
      }
      break;
    case Family::Count:
      break;
  }
  for (Index j = 0; j < n_in; ++j)
    if (!(std::isfinite(c.lower[j]) && std::isfinite(c.upper[j]) && c.lower[j] <= c.upper[j]))
      c.lower[j] = c.upper[j] = 0.0;  // an overflowed width: keep the box finite and valid
  for (Index i = 0; i < n_out; ++i)
    if (!std::isfinite(c.bias[i])) c.bias[i] = 0.0;
  return c;
}

// ---- The exact range ----------------------------------------------------------------------------

// Position of the lowest bit a nonzero double can have set, and one above its highest.
int lowest_bit(double x) { return std::max(std::ilogb(x) - 52, -1074); }
int above_highest_bit(double x) { return std::ilogb(x) + 1; }

// A precision at which b_i + Σ_j W_ij·x_j is exact for every x_j in {l_j, u_j}: every term is a
// multiple of 2^low and the sum is below 2^high in magnitude.
mpfr_prec_t exact_precision(const DenseCase& c) {
  int low = 0, high = 0;
  bool any = false;
  auto extend = [&](int term_low, int term_high) {
    low = any ? std::min(low, term_low) : term_low;
    high = any ? std::max(high, term_high) : term_high;
    any = true;
  };
  for (Index i = 0; i < c.bias.size(); ++i)
    if (c.bias[i] != 0.0) extend(lowest_bit(c.bias[i]), above_highest_bit(c.bias[i]));
  for (Index j = 0; j < c.weight.cols(); ++j)
    for (double x : {c.lower[j], c.upper[j]}) {
      if (x == 0.0) continue;
      const int x_low = lowest_bit(x), x_high = above_highest_bit(x);
      for (Index i = 0; i < c.weight.rows(); ++i)
        if (const double w = c.weight(i, j); w != 0.0) extend(lowest_bit(w) + x_low, above_highest_bit(w) + x_high);
    }
  if (!any) return 64;
  const int carry_bits = static_cast<int>(std::ceil(std::log2(2.0 * static_cast<double>(c.lower.size()) + 2.0)));
  return std::max<mpfr_prec_t>(64, high - low + carry_bits + 2);
}

struct ExactRange {
  std::vector<Mpfr> min, max;
};

// min_i = b_i + Σ_j W_ij·(W_ij ≥ 0 ? l_j : u_j), max_i = b_i + Σ_j W_ij·(W_ij ≥ 0 ? u_j : l_j):
// each product exact at 106 bits, the sum by mpfr_sum (exact, whatever the spread of exponents)
// at the precision of exact_precision(). Returns false (after a test failure) if anything rounded.
class ExactRangeEvaluator {
 public:
  bool evaluate(const DenseCase& c, ExactRange& range) {
    const mpfr_prec_t precision = exact_precision(c);
    const Index n = c.weight.cols();
    lower_.resize(static_cast<std::size_t>(n), Mpfr(53));
    upper_.resize(static_cast<std::size_t>(n), Mpfr(53));
    for (Index j = 0; j < n; ++j) {
      mpfr_set_d(lower_[j].get(), c.lower[j], MPFR_RNDN);
      mpfr_set_d(upper_[j].get(), c.upper[j], MPFR_RNDN);
    }
    while (terms_min_.size() < static_cast<std::size_t>(n + 1)) {
      terms_min_.emplace_back(106);
      terms_max_.emplace_back(106);
    }
    range.min.clear();
    range.max.clear();
    bool exact = true;
    std::vector<mpfr_ptr> min_terms, max_terms;
    for (Index i = 0; i < c.weight.rows(); ++i) {
      min_terms.clear();
      max_terms.clear();
      exact = mpfr_set_d(terms_min_[0].get(), c.bias[i], MPFR_RNDN) == 0 && exact;
      mpfr_set(terms_max_[0].get(), terms_min_[0].get(), MPFR_RNDN);
      min_terms.push_back(terms_min_[0].get());
      max_terms.push_back(terms_max_[0].get());
      for (Index j = 0; j < n; ++j) {
        const double weight = c.weight(i, j);
        if (weight == 0.0) continue;  // ±0 · x = 0 exactly for finite x
        const bool positive = weight > 0.0;
        const std::size_t t = min_terms.size();
        mpfr_ptr lo = terms_min_[t].get(), hi = terms_max_[t].get();
        mpfr_set_d(weight_.get(), weight, MPFR_RNDN);
        exact = mpfr_mul(lo, (positive ? lower_ : upper_)[j].get(), weight_.get(), MPFR_RNDN) == 0 && exact;
        exact = mpfr_mul(hi, (positive ? upper_ : lower_)[j].get(), weight_.get(), MPFR_RNDN) == 0 && exact;
        min_terms.push_back(lo);
        max_terms.push_back(hi);
      }
      Mpfr lo(precision), hi(precision);
      exact = mpfr_sum(lo.get(), min_terms.data(), min_terms.size(), MPFR_RNDN) == 0 && exact;
      exact = mpfr_sum(hi.get(), max_terms.data(), max_terms.size(), MPFR_RNDN) == 0 && exact;
      range.min.push_back(std::move(lo));
      range.max.push_back(std::move(hi));
    }
    EXPECT_TRUE(exact) << "the MPFR range at " << precision << " bits was rounded";
    return exact;
  }

 private:
  Mpfr weight_{53};
  std::vector<Mpfr> lower_, upper_, terms_min_, terms_max_;
};

// ---- The naive bound that must be caught --------------------------------------------------------

// Centre–radius IBP in round-to-nearest with no error terms: W·mid + b ± |W|·rad.
void naive_ibp(const DenseCase& c, VectorXd& lower, VectorXd& upper) {
  const VectorXd mid = (c.lower + c.upper) * 0.5, rad = (c.upper - c.lower) * 0.5;
  const VectorXd centre = c.weight * mid + c.bias, radius = c.weight.cwiseAbs() * rad;
  lower = centre - radius;
  upper = centre + radius;
}

std::string describe(const DenseCase& c, Index i) {
  std::ostringstream s;
  s << kFamilyNames[static_cast<int>(c.family)] << " layer " << c.weight.rows() << "x" << c.weight.cols()
    << ", output " << i << ": b = " << hex(c.bias[i]) << ", W row · box:";
  for (Index j = 0; j < c.weight.cols() && j < 8; ++j)
    s << " " << hex(c.weight(i, j)) << "·[" << hex(c.lower[j]) << ", " << hex(c.upper[j]) << "]";
  if (c.weight.cols() > 8) s << " ...";
  return s.str();
}

// ---- The test -----------------------------------------------------------------------------------

// Whether a method's results are promises (Result::sound), asked once on a 1x1 layer: the
// empirical methods are skipped without running them on every case.
bool is_sound(const bounds::Method& method, const bounds::Options& options) {
  model::Network probe({1});
  probe.add("dense", model::Dense{MatrixXd::Ones(1, 1), VectorXd::Zero(1)}, {model::kInputValue});
  return method.propagate(probe, bounds::Box{VectorXd::Zero(1), VectorXd::Ones(1)}, options).sound;
}

struct SoundMethod {
  std::string name;
  std::unique_ptr<bounds::Method> method;
  std::int64_t checked = 0, refused = 0, unsound_results = 0;  // unsound_results: must stay 0
};

TEST(DenseMpfr, SoundMethodsEncloseTheExactRangeAndNaiveIbpIsCaught) {
  const std::uint64_t seed = announce_seed();
  const bounds::Options options;
  std::vector<SoundMethod> methods;
  std::vector<std::string> empirical;
  for (const std::string& name : bounds::method_names()) {
    auto method = bounds::make_method(name);
    if (is_sound(*method, options))
      methods.push_back({name, std::move(method)});
    else
      empirical.push_back(name);
  }

  std::array<std::int64_t, static_cast<int>(Family::Count)> cases_per_family{}, naive_caught_per_family{};
  std::int64_t outputs = 0, naive_violating_cases = 0, naive_violating_bounds = 0, tight_checks = 0;
  int failures = 0;
  ExactRange range;
  ExactRangeEvaluator exact_range;
  VectorXd naive_lower, naive_upper;
  for (int k = 0; k < kCases && failures < 10; ++k) {
    Rng rng = case_generator(seed, 1, static_cast<std::uint64_t>(k));
    const DenseCase c = random_case(rng);
    const int family = static_cast<int>(c.family);
    ++cases_per_family[family];
    if (!exact_range.evaluate(c, range)) {
      ++failures;
      continue;
    }
    outputs += c.weight.rows();

    model::Network network({c.weight.cols()});
    network.add("dense", model::Dense{c.weight, c.bias}, {model::kInputValue});
    const bounds::Box input{c.lower, c.upper};
    // Σ_j |W_ij|·max(|l_j|, |u_j|) + |b_i|: the scale of the tightness check on moderate layers.
    const VectorXd magnitude = c.weight.cwiseAbs() * c.lower.cwiseAbs().cwiseMax(c.upper.cwiseAbs()) + c.bias.cwiseAbs();
    for (SoundMethod& m : methods) {
      bounds::Result result;
      try {
        result = m.method->propagate(network, input, options);
      } catch (const Unsupported& e) {
        ++m.refused;
        ADD_FAILURE() << m.name << " refuses a single dense layer: " << e.what();
        ++failures;
        continue;
      }
      if (!result.sound) {  // a method is sound or not, not case by case
        ++m.unsound_results;
        ++failures;
        ADD_FAILURE() << m.name << " returned an empirical result on case " << k;
        continue;
      }
      ++m.checked;
      ASSERT_EQ(result.output.size(), c.weight.rows()) << m.name;
      for (Index i = 0; i < c.weight.rows(); ++i) {
        const double lo = result.output.lower[i], hi = result.output.upper[i];
        if (at_most(lo, range.min[i]) && at_least(hi, range.max[i])) {
          // Not vacuous: on moderate layers a sound method is tight to far below double resolution
          // of the magnitudes involved (a single affine layer is exact up to rounding).
          if (c.family == Family::Moderate) {
            const double slack = kTightness * magnitude[i] + 0x1p-1000;
            const double exact_lo = mpfr_get_d(range.min[i].get(), MPFR_RNDN);
            const double exact_hi = mpfr_get_d(range.max[i].get(), MPFR_RNDN);
            EXPECT_TRUE(exact_lo - lo <= slack && hi - exact_hi <= slack)
                << m.name << " (seed " << seed << ", case " << k << ") is loose: [" << hex(lo) << ", " << hex(hi)
                << "] for the exact range [" << range.min[i].to_string() << ", " << range.max[i].to_string()
                << "]; " << describe(c, i);
            ++tight_checks;
          }
          continue;
        }
        ++failures;
        ADD_FAILURE() << m.name << " is unsound (CERTNN_TEST_SEED=" << seed << ", case " << k << "): bounds ["
                      << hex(lo) << ", " << hex(hi) << "], exact range [" << range.min[i].to_string(30) << ", "
                      << range.max[i].to_string(30) << "]; " << describe(c, i);
      }
    }

    naive_ibp(c, naive_lower, naive_upper);
    bool caught = false;
    for (Index i = 0; i < c.weight.rows(); ++i) {
      const int violations = !at_most(naive_lower[i], range.min[i]) + !at_least(naive_upper[i], range.max[i]);
      naive_violating_bounds += violations;
      caught = caught || violations > 0;
    }
    naive_violating_cases += caught;
    naive_caught_per_family[family] += caught;
  }

  std::cout << kCases << " random dense layers (" << outputs << " outputs), " << tight_checks
            << " moderate outputs also checked tight\n";
  for (const SoundMethod& m : methods)
    std::cout << "  " << m.name << ": " << m.checked << " layers enclosed the exact range\n";
  for (const std::string& name : empirical) std::cout << "  " << name << ": empirical (not sound), skipped\n";
  std::cout << "naive round-to-nearest centre-radius IBP: " << naive_violating_cases << " of " << kCases
            << " layers (" << naive_violating_bounds << " bounds) violate the exact range; per family:";
  for (int f = 0; f < static_cast<int>(Family::Count); ++f)
    std::cout << " " << kFamilyNames[f] << " " << naive_caught_per_family[f] << "/" << cases_per_family[f];
  std::cout << "\n";

  EXPECT_EQ(failures, 0);
  // The generator must expose the naive bound: on every family where rounding matters.
  EXPECT_GT(naive_violating_cases, 0) << "the generator no longer catches a naive bound";
  EXPECT_GT(naive_caught_per_family[static_cast<int>(Family::Cancellation)], 0);
  EXPECT_GT(naive_caught_per_family[static_cast<int>(Family::Subnormal)], 0);
  std::int64_t sound_checked = 0;
  for (const SoundMethod& m : methods) sound_checked += m.checked;
  EXPECT_GE(sound_checked, kCases) << "no registered sound method was checked";
}

}  // namespace
}  // namespace certnn::soundness
