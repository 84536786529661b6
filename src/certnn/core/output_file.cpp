#include "certnn/core/output_file.hpp"

#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "certnn/core/error.hpp"

namespace certnn {
namespace {

namespace fs = std::filesystem;

fs::path folder_of(const std::string& path) {
  const fs::path parent = fs::path(path).parent_path();
  return parent.empty() ? fs::path(".") : parent;
}

// A name beside the target that no other certnn process writes at the same time.
std::string temporary_name(const std::string& path) {
  static std::atomic<int> counter = 0;
  return path + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(++counter);
}

void remove_quietly(const std::string& path) {
  std::error_code ignored;
  fs::remove(path, ignored);
}

std::string write_temporary(const std::string& path, std::string_view bytes) {
  const std::string temporary = temporary_name(path);
  std::ofstream file(temporary, std::ios::binary | std::ios::trunc);
  if (!file) throw Error(path + ": cannot open for writing (" + std::strerror(errno) + ")");
  file.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  file.close();
  if (!file) {
    remove_quietly(temporary);
    throw Error(path + ": cannot write the file (disk full or write error)");
  }
  return temporary;
}

void rename_over(const std::string& temporary, const std::string& path) {
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    const std::string reason = std::strerror(errno);
    remove_quietly(temporary);
    throw Error(path + ": cannot write the file (" + reason + ")");
  }
}

}  // namespace

void check_writable(const std::string& path) {
  if (path.empty()) throw Error("an output path is empty");
  std::error_code ec;
  if (fs::is_directory(path, ec)) throw Error(path + ": is a folder, not a file to write");
  const fs::path folder = folder_of(path);
  if (!fs::is_directory(folder, ec)) throw Error(path + ": the folder " + folder.string() + " does not exist");
  if (::access(folder.c_str(), W_OK | X_OK) != 0) throw Error(path + ": the folder " + folder.string() + " is not writable");
  if (fs::exists(path, ec) && ::access(path.c_str(), W_OK) != 0) throw Error(path + ": the file is not writable");
}

void check_distinct_outputs(const std::vector<std::pair<std::string, std::string>>& option_and_path) {
  std::vector<fs::path> resolved;
  for (const auto& [option, path] : option_and_path) {
    std::error_code ec;
    fs::path canonical = fs::weakly_canonical(fs::absolute(path), ec);
    resolved.push_back(ec ? fs::absolute(path).lexically_normal() : canonical);
  }
  for (std::size_t i = 0; i < resolved.size(); ++i)
    for (std::size_t j = 0; j < i; ++j)
      if (resolved[i] == resolved[j])
        throw Error(option_and_path[j].first + " and " + option_and_path[i].first + " name the same file " +
                    option_and_path[i].second + ": one would overwrite the other");
}

void write_file_atomically(const std::string& path, std::string_view bytes) {
  rename_over(write_temporary(path, bytes), path);
}

void write_files_atomically(const std::vector<std::pair<std::string, std::string>>& path_and_bytes) {
  std::vector<std::string> temporaries;
  try {
    for (const auto& [path, bytes] : path_and_bytes) temporaries.push_back(write_temporary(path, bytes));
  } catch (const Error&) {
    for (const std::string& temporary : temporaries) remove_quietly(temporary);
    throw;
  }
  for (std::size_t k = 0; k < temporaries.size(); ++k) {
    try {
      rename_over(temporaries[k], path_and_bytes[k].first);
    } catch (const Error&) {
      for (std::size_t rest = k + 1; rest < temporaries.size(); ++rest) remove_quietly(temporaries[rest]);
      throw;
    }
  }
}

}  // namespace certnn
