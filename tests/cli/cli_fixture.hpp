// The fixture of the command-line tests: runs the built certnn binary (CERTNN_CLI) in a
// scratch folder and checks the user-error contract (exit 1, one stderr line "certnn: ...").
#pragma once

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "test_support.hpp"

namespace certnn {

namespace fs = std::filesystem;

struct RunResult {
  bool exited = false;  // false when the program died of a signal
  int exit_code = -1;
  int signal = 0;
  std::string out;
  std::string err;
};

inline std::string shell_quote(const std::string& text) {
  std::string quoted = "'";
  for (char c : text) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

class Cli : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() /
           ("certnn_cli_" + std::to_string(::getpid()) + "_" + info->name());
    fs::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }

  fs::path path(const std::string& name) const { return dir_ / name; }

  fs::path write(const std::string& name, const std::string& contents) const {
    test::write_file_bytes(path(name), contents);
    return path(name);
  }

  RunResult run(const std::vector<std::string>& args) const { return run_program(CERTNN_CLI, args); }

  RunResult run_program(const std::string& program, const std::vector<std::string>& args) const {
    std::string command = shell_quote(program);
    for (const auto& a : args) command.append(" ").append(shell_quote(a));
    command.append(" >").append(shell_quote(path("stdout").string()));
    command.append(" 2>").append(shell_quote(path("stderr").string()));
    command.append(" </dev/null");
    const int status = std::system(command.c_str());
    RunResult result;
    // The shell reports a child killed by a signal as exit status 128 + signal.
    if (status != -1 && WIFEXITED(status)) {
      result.exit_code = WEXITSTATUS(status);
      result.exited = result.exit_code < 128;
      if (!result.exited) result.signal = result.exit_code - 128;
    } else if (status != -1 && WIFSIGNALED(status)) {
      result.signal = WTERMSIG(status);
    }
    result.out = test::read_file_bytes(path("stdout"));
    result.err = test::read_file_bytes(path("stderr"));
    return result;
  }

  // A user error: exit code 1, nothing on stdout, one stderr line "certnn: ..." holding every
  // fragment.
  void expect_user_error(const std::vector<std::string>& args, const std::vector<std::string>& fragments = {}) const {
    std::string command_line;
    for (const auto& a : args) command_line += " " + a;
    SCOPED_TRACE("certnn" + command_line);
    const RunResult r = run(args);
    ASSERT_TRUE(r.exited) << "killed by signal " << r.signal << "; stderr: " << r.err;
    EXPECT_EQ(r.exit_code, 1) << r.err;
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(r.err.rfind("certnn: ", 0), 0u) << r.err;
    ASSERT_FALSE(r.err.empty());
    EXPECT_EQ(r.err.back(), '\n') << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << "not one line: " << r.err;
    for (const auto& fragment : fragments)
      EXPECT_NE(r.err.find(fragment), std::string::npos) << "'" << fragment << "' not in: " << r.err;
  }

  fs::path dir_;
};

inline fs::path torch_file(const std::string& name) { return test::torch_data_dir() / name; }

}  // namespace certnn
