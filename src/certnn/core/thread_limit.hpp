// The most threads one run (training, verification) may be given, wherever its thread count is
// read: the command line's --threads and the Python keyword alike.
#pragma once

namespace certnn {

inline constexpr int kMaxThreads = 256;

}  // namespace certnn
