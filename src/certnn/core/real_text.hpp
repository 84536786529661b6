// Doubles in messages and text outputs.
#pragma once

#include <string>

namespace certnn {

// The shortest decimal text that reads back to the same double ("0.1", "1e-05", "-0.5", "1").
std::string format_real(double value);

}  // namespace certnn
