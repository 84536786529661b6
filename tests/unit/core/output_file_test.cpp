// Output files are written whole or not at all, and outputs are checked before work starts.
#include "certnn/core/output_file.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "certnn/core/error.hpp"

namespace certnn {
namespace {

namespace fs = std::filesystem;

class OutputFile : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("certnn_output_file_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  static std::string contents(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
  }
  // Only the named files: no temporary file is left behind.
  std::size_t file_count() const {
    return static_cast<std::size_t>(std::distance(fs::directory_iterator(dir_), fs::directory_iterator()));
  }

  fs::path dir_;
};

TEST_F(OutputFile, ReplacesTheTargetWhole) {
  write_file_atomically(path("a.txt"), "old");
  write_file_atomically(path("a.txt"), "new contents");
  EXPECT_EQ(contents(path("a.txt")), "new contents");
  EXPECT_EQ(file_count(), 1u);
}

TEST_F(OutputFile, AFailedSetWritesNothing) {
  write_file_atomically(path("model.onnx"), "old model");
  // The second file's folder does not exist: the first must keep its old contents.
  EXPECT_THROW(write_files_atomically({{path("model.onnx"), "new model"}, {path("missing/log.json"), "{}"}}), Error);
  EXPECT_EQ(contents(path("model.onnx")), "old model");
  EXPECT_EQ(file_count(), 1u);
  write_files_atomically({{path("model.onnx"), "new model"}, {path("log.json"), "{}"}});
  EXPECT_EQ(contents(path("model.onnx")), "new model");
  EXPECT_EQ(contents(path("log.json")), "{}");
}

TEST_F(OutputFile, UnwritablePlacesAreRefusedBeforeWork) {
  EXPECT_NO_THROW(check_writable(path("new.onnx")));
  EXPECT_THROW(check_writable(path("missing/new.onnx")), Error);
  EXPECT_THROW(check_writable(dir_.string()), Error);
  EXPECT_THROW(check_writable(""), Error);
  try {
    check_writable(path("missing/new.onnx"));
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("does not exist"), std::string::npos) << e.what();
  }
}

TEST_F(OutputFile, TwoOptionsNamingOneFileAreRefused) {
  EXPECT_NO_THROW(check_distinct_outputs({{"--out", path("m.onnx")}, {"--log", path("m.json")}}));
  EXPECT_THROW(check_distinct_outputs({{"--out", path("m.onnx")}, {"--log", path("m.onnx")}}), Error);
  EXPECT_THROW(check_distinct_outputs({{"--out", path("m.onnx")}, {"--log", (dir_ / "." / "m.onnx").string()}}), Error);
  fs::create_directories(dir_ / "sub");
  try {
    check_distinct_outputs({{"--out", path("m.onnx")}, {"--log", (dir_ / "sub" / ".." / "m.onnx").string()}});
    ADD_FAILURE() << "the same file was accepted twice";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("--out and --log name the same file"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace certnn
