// Random doubles for the soundness tests: moderate values (mantissa × 2^±20, zeros, small
// integers) and extreme ones that reach every corner of the format (±0, subnormals, the smallest
// normals, values near the overflow threshold, powers of two).
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>

namespace certnn::soundness {

using Rng = std::mt19937_64;

inline double uniform(Rng& rng, double lo, double hi) { return std::uniform_real_distribution<double>(lo, hi)(rng); }
inline std::int64_t uniform_int(Rng& rng, std::int64_t lo, std::int64_t hi) {
  return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng);
}
inline bool chance(Rng& rng, double p) { return std::bernoulli_distribution(p)(rng); }
inline double random_sign(Rng& rng) { return chance(rng, 0.5) ? -1.0 : 1.0; }

// A full 53-bit significand in [1, 2).
inline double random_significand(Rng& rng) {
  return 1.0 + static_cast<double>(rng() >> 12) * 0x1p-52;
}

// ±m · 2^e with e in [-20, 20]; 5% signed zeros, 10% small integers or halves.
inline double random_moderate(Rng& rng) {
  const double u = uniform(rng, 0.0, 1.0);
  if (u < 0.05) return random_sign(rng) * 0.0;
  if (u < 0.15) return static_cast<double>(uniform_int(rng, -16, 16)) * (chance(rng, 0.5) ? 1.0 : 0.5);
  return random_sign(rng) * std::ldexp(random_significand(rng), static_cast<int>(uniform_int(rng, -20, 20)));
}

// A subnormal: a random significand of up to 52 bits times 2^-1074.
inline double random_subnormal(Rng& rng) {
  const int bits = static_cast<int>(uniform_int(rng, 1, 52));
  const std::uint64_t m = (rng() >> (64 - bits)) | 1u;
  return random_sign(rng) * std::ldexp(static_cast<double>(m), -1074);
}

// Extreme values mixed with moderate ones: ±0, subnormals, tiny normals, huge values up to
// ~1.7e308 (where sums and products overflow), powers of two, ±DBL_MAX, ±DBL_MIN.
inline double random_extreme(Rng& rng) {
  const double u = uniform(rng, 0.0, 1.0);
  const double sign = random_sign(rng);
  if (u < 0.08) return sign * 0.0;
  if (u < 0.20) return random_subnormal(rng);
  if (u < 0.28) return sign * std::ldexp(random_significand(rng), static_cast<int>(uniform_int(rng, -1022, -960)));
  if (u < 0.32) return sign * std::ldexp(random_significand(rng), static_cast<int>(uniform_int(rng, 990, 1023)));
  if (u < 0.34) return sign * (chance(rng, 0.5) ? std::numeric_limits<double>::max() : std::numeric_limits<double>::min());
  if (u < 0.42) return sign * std::ldexp(1.0, static_cast<int>(uniform_int(rng, -1074, 1023)));
  if (u < 0.55) return sign * std::ldexp(random_significand(rng), static_cast<int>(uniform_int(rng, -1022, 1023)));
  return random_moderate(rng);
}

}  // namespace certnn::soundness
