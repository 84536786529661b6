#include "certnn/core/text_file.hpp"

#include <zlib.h>

#include <filesystem>
#include <memory>

#include "certnn/core/error.hpp"

namespace certnn {

std::string read_text_file(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) throw Error(path + ": is a directory");
  // gzopen reads plain files unchanged (transparent mode), so one path serves both.
  const std::unique_ptr<gzFile_s, int (*)(gzFile)> file(gzopen(path.c_str(), "rb"), gzclose);
  if (!file) throw Error(path + ": cannot open file");
  std::string text;
  char buffer[1 << 16];
  for (;;) {
    const int n = gzread(file.get(), buffer, sizeof buffer);
    if (n < 0) {
      int code = 0;
      throw Error(path + ": cannot read file (" + gzerror(file.get(), &code) + ")");
    }
    if (n == 0) break;
    text.append(buffer, static_cast<std::size_t>(n));
  }
  return text;
}

}  // namespace certnn
