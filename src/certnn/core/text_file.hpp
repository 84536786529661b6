// Whole-file reading for the text inputs (VNN-LIB, instance lists), gzip-compressed or plain.
#pragma once

#include <string>

namespace certnn {

// The file's bytes, decompressed when it is gzip; throws certnn::Error naming the path when it
// cannot be read or is a corrupt gzip stream.
std::string read_text_file(const std::string& path);

}  // namespace certnn
