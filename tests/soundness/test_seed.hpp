// The seed of the randomised soundness tests: CERTNN_TEST_SEED when set (to replay a failure),
// otherwise fresh for each run; always printed so a failing run can be repeated exactly.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <random>
#include <string>

namespace certnn::soundness {

inline std::uint64_t test_seed() {
  static const std::uint64_t seed = [] {
    if (const char* text = std::getenv("CERTNN_TEST_SEED"); text != nullptr && *text != '\0')
      return static_cast<std::uint64_t>(std::stoull(text));
    return static_cast<std::uint64_t>(std::random_device{}());
  }();
  return seed;
}

// Prints the seed (and records it in the test's XML properties) and returns it.
inline std::uint64_t announce_seed() {
  const std::uint64_t seed = test_seed();
  std::cout << "random seed " << seed << " (set CERTNN_TEST_SEED=" << seed << " to repeat)\n";
  ::testing::Test::RecordProperty("random_seed", std::to_string(seed));
  return seed;
}

// An independent stream for one numbered sub-case, so a reported failure names the seed and the
// case index and can be replayed without running the cases before it.
inline std::mt19937_64 case_generator(std::uint64_t seed, std::uint64_t stream, std::uint64_t index) {
  std::seed_seq sequence{static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32),
                         static_cast<std::uint32_t>(stream), static_cast<std::uint32_t>(index),
                         static_cast<std::uint32_t>(index >> 32)};
  return std::mt19937_64(sequence);
}

}  // namespace certnn::soundness
