// Replays a harness's seed corpus and saved regression inputs through its LLVMFuzzerTestOneInput
// in the normal build, so every input the fuzzer once found keeps being checked by CTest.
// CERTNN_FUZZ_CORPUS and CERTNN_FUZZ_REGRESSIONS name the two folders (the second may be absent).
// A regression input named open-* reproduces a bug not fixed yet (an out-of-memory input would
// exhaust the test machine): it is listed, not run, until the fix renames it.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

std::vector<std::filesystem::path> files_in(const std::filesystem::path& folder) {
  std::vector<std::filesystem::path> files;
  if (!std::filesystem::is_directory(folder)) return files;
  for (const auto& entry : std::filesystem::directory_iterator(folder))
    if (entry.is_regular_file()) files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  return files;
}

void replay(const std::filesystem::path& file) {
  SCOPED_TRACE(file.string());
  std::ifstream in(file, std::ios::binary);
  ASSERT_TRUE(in) << "cannot read " << file;
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  try {
    EXPECT_EQ(LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()), 0);
  } catch (const std::exception& error) {
    ADD_FAILURE() << file << ": escaped with an exception that is not a certnn::Error: " << error.what();
  }
}

TEST(FuzzReplay, SeedCorpus) {
  const auto files = files_in(CERTNN_FUZZ_CORPUS);
  ASSERT_FALSE(files.empty()) << "no seeds in " << CERTNN_FUZZ_CORPUS;
  for (const auto& file : files) replay(file);
}

TEST(FuzzReplay, Regressions) {
  for (const auto& file : files_in(CERTNN_FUZZ_REGRESSIONS)) {
    if (file.filename().string().rfind("open-", 0) == 0) {
      std::cout << "not replayed (open bug): " << file.string() << '\n';
      continue;
    }
    replay(file);
  }
}

}  // namespace
