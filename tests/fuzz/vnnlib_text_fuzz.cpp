// VNN-LIB reader on plain text: a property it accepts is consistent (every disjunct's box and
// constraints sized by the declared variables, non-empty boxes, ordered constraint bounds).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "certnn/spec/vnnlib.hpp"
#include "fuzz_support.hpp"
#include "vnnlib_checks.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  certnn::fuzz::refuse_only_with_error(
      [&] { certnn::fuzz::check_property(certnn::spec::parse_vnnlib(text, "fuzz.vnnlib")); });
  return 0;
}
