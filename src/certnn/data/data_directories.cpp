#include "certnn/data/data_directories.hpp"

#include <cstdlib>

namespace certnn::data {
namespace {

std::string environment(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

}  // namespace

std::string data_cache_directory() {
  if (auto dir = environment("CERTNN_DATA_DIR"); !dir.empty()) return dir;
  if (auto dir = environment("XDG_CACHE_HOME"); !dir.empty()) return dir + "/certnn";
  if (auto dir = environment("HOME"); !dir.empty()) return dir + "/.cache/certnn";
  return "/tmp/certnn-cache";
}

std::string npm_prefix_directory() {
  if (auto dir = environment("CERTNN_NPM_DIR"); !dir.empty()) return dir;
  return "/usr/local/share/certnn/npm";
}

}  // namespace certnn::data
