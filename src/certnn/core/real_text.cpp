#include "certnn/core/real_text.hpp"

#include <charconv>

namespace certnn {

std::string format_real(double value) {
  char buffer[64];
  const auto written = std::to_chars(buffer, buffer + sizeof buffer, value);
  return std::string(buffer, written.ptr);
}

}  // namespace certnn
