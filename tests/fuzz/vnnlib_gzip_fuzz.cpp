// VNN-LIB reader on a .vnnlib.gz file: the bytes go through the whole-file reader
// (core/text_file), so damaged gzip streams must be refused there, and whatever inflates is then
// parsed and checked as the plain-text harness does. The reader takes a path only, so the bytes
// are written to one temporary file per process, named .vnnlib.gz as a user's file would be.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "certnn/spec/vnnlib.hpp"
#include "fuzz_support.hpp"
#include "vnnlib_checks.hpp"

namespace {

class TemporaryFile {
 public:
  TemporaryFile() {
    const char* dir = std::getenv("TMPDIR");
    path_ = std::string(dir != nullptr && *dir != '\0' ? dir : "/tmp") + "/certnn-fuzz-XXXXXX.vnnlib.gz";
    const int fd = mkstemps(path_.data(), 10);
    if (fd < 0) {
      std::perror("mkstemps");
      std::abort();
    }
    close(fd);
  }
  ~TemporaryFile() { unlink(path_.c_str()); }
  TemporaryFile(const TemporaryFile&) = delete;
  TemporaryFile& operator=(const TemporaryFile&) = delete;

  void write(const std::uint8_t* data, std::size_t size) const {
    std::FILE* file = std::fopen(path_.c_str(), "wb");
    if (file == nullptr || std::fwrite(data, 1, size, file) != size || std::fclose(file) != 0) {
      std::perror(path_.c_str());
      std::abort();
    }
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const TemporaryFile file;
  file.write(data, size);
  certnn::fuzz::refuse_only_with_error(
      [&] { certnn::fuzz::check_property(certnn::spec::read_vnnlib(file.path())); });
  return 0;
}
