// The seed of the randomised unit tests: taken from the environment variable CERTNN_TEST_SEED
// when set (to replay a failure), otherwise fresh for each run, and always printed so that a
// failing run can be repeated exactly.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <random>
#include <string>

namespace certnn::testing {

inline std::uint32_t test_seed() {
  static const std::uint32_t seed = [] {
    if (const char* text = std::getenv("CERTNN_TEST_SEED"); text != nullptr && *text != '\0')
      return static_cast<std::uint32_t>(std::stoul(text));
    return std::random_device{}();
  }();
  return seed;
}

// A generator for one test, seeded from test_seed(); prints the seed and keeps it in the trace
// of every failure below the caller's scope.
inline std::mt19937 seeded_generator() {
  const std::uint32_t seed = test_seed();
  std::cout << "random seed " << seed << " (set CERTNN_TEST_SEED=" << seed << " to repeat)\n";
  ::testing::Test::RecordProperty("random_seed", std::to_string(seed));
  return std::mt19937(seed);
}

}  // namespace certnn::testing
