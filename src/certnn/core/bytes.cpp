#include "certnn/core/bytes.hpp"

#include "certnn/core/error.hpp"

namespace certnn {

void ByteReader::fail() { throw Error("message: truncated or damaged"); }

}  // namespace certnn
