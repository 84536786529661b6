// Whole-file reading for the text inputs (VNN-LIB, instance lists), gzip-compressed or plain.
#pragma once

#include <string>
#include <string_view>

namespace certnn {

// The file's bytes, decompressed when they are gzip (they start with the gzip magic bytes, or the
// name ends in ".gz"); throws certnn::Error naming the path when it cannot be read, when a ".gz"
// file is not gzip, or when a gzip stream is corrupt or cut short.
std::string read_text_file(const std::string& path);

// The concatenated contents of one or more gzip members. Every member must end properly and pass
// its CRC-32 and length checks: a stream cut short is an error, never a shorter text. `source`
// names the bytes in error messages.
std::string gunzip(std::string_view compressed, const std::string& source);

}  // namespace certnn
