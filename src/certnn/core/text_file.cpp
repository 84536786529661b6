#include "certnn/core/text_file.hpp"

#include <zlib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <new>

#include "certnn/core/error.hpp"

namespace certnn {
namespace {

bool has_gzip_magic(std::string_view bytes) {
  return bytes.size() >= 2 && static_cast<unsigned char>(bytes[0]) == 0x1f && static_cast<unsigned char>(bytes[1]) == 0x8b;
}

bool has_gz_suffix(const std::string& path) { return path.size() >= 3 && path.compare(path.size() - 3, 3, ".gz") == 0; }

// Inflates the gzip member at the start of `bytes`, appending to `text`; returns how many bytes it
// took, once the member's trailer (CRC-32 and length) has been read and checked.
std::size_t inflate_member(std::string_view bytes, std::string& text, const std::string& source) {
  z_stream stream{};
  if (inflateInit2(&stream, 16 + MAX_WBITS) != Z_OK) throw Error(source + ": cannot start gzip decoding");
  std::size_t fed = 0;
  char buffer[1 << 16];
  for (;;) {
    if (stream.avail_in == 0 && fed < bytes.size()) {
      const std::size_t chunk = std::min<std::size_t>(bytes.size() - fed, 1u << 30);
      // zlib's input pointer is not const-qualified, but inflate only reads through it.
      stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data() + fed));
      stream.avail_in = static_cast<uInt>(chunk);
      fed += chunk;
    }
    stream.next_out = reinterpret_cast<Bytef*>(buffer);
    stream.avail_out = sizeof buffer;
    const int status = inflate(&stream, Z_NO_FLUSH);
    text.append(buffer, sizeof buffer - stream.avail_out);
    if (status == Z_OK) continue;
    const std::string reason = stream.msg != nullptr ? stream.msg : "inflate failed";
    const std::size_t consumed = fed - stream.avail_in;
    inflateEnd(&stream);
    if (status == Z_STREAM_END) return consumed;
    if (status == Z_MEM_ERROR) throw std::bad_alloc();
    if (status == Z_BUF_ERROR && consumed == bytes.size())
      throw Error(source + ": the gzip stream is cut short (no end of stream: the file is truncated)");
    throw Error(source + ": corrupt gzip stream (" + reason + ")");
  }
}

}  // namespace

std::string gunzip(std::string_view compressed, const std::string& source) {
  if (!has_gzip_magic(compressed)) throw Error(source + ": not a gzip file (no gzip header)");
  std::string text;
  // A gzip file may hold several members one after another (`cat a.gz b.gz`); each is checked.
  for (std::size_t offset = 0; offset < compressed.size();) {
    if (!has_gzip_magic(compressed.substr(offset)))
      throw Error(source + ": unexpected bytes after the end of the gzip stream");
    offset += inflate_member(compressed.substr(offset), text, source);
  }
  return text;
}

std::string read_text_file(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) throw Error(path + ": is a directory");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path + ": cannot open file");
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw Error(path + ": cannot read file");
  if (has_gzip_magic(bytes)) return gunzip(bytes, path);
  if (has_gz_suffix(path)) throw Error(path + ": not a gzip file (the name ends in .gz but the bytes have no gzip header)");
  return bytes;
}

}  // namespace certnn
