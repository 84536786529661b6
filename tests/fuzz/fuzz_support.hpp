// Shared by the libFuzzer harnesses: a harness feeds the bytes to one reader and accepts a
// certnn::Error as the correct refusal of bad input. Any other exception escapes, so libFuzzer
// (and the replay test) report it: a reader must never fail with a bare std::exception.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <cstdio>
#include <cstdlib>

#include "certnn/core/error.hpp"

namespace certnn::fuzz {

// A reader that accepted an input must return a value that keeps its documented invariants; a
// broken one is a bug as real as a crash, so it aborts where libFuzzer and the replay test see it.
#define CERTNN_FUZZ_CHECK(condition)                                                          \
  do {                                                                                        \
    if (!(condition)) {                                                                       \
      std::fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__, __LINE__, #condition); \
      std::abort();                                                                           \
    }                                                                                         \
  } while (false)

template <class Reader>
void refuse_only_with_error(Reader&& reader) {
  try {
    reader();
  } catch (const certnn::Error&) {
  }
}

// The first byte of an input chooses among `choices` sub-targets; the rest is the payload.
struct Split {
  unsigned choice = 0;
  std::string_view payload;
};

inline Split split_choice(const std::uint8_t* data, std::size_t size, unsigned choices) {
  if (size == 0) return {0, {}};
  return {static_cast<unsigned>(data[0] % choices),
          std::string_view(reinterpret_cast<const char*>(data + 1), size - 1)};
}

}  // namespace certnn::fuzz
