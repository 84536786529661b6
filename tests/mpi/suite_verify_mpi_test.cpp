// certnn suite and verify as MPI jobs of three ranks on this machine: the same verdicts, rows and
// summary as one process, printed once; a rank killed in the middle of a search makes the job fail
// without a verdict; a command that does not spread its work is refused.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fcntl.h>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "mpi_fixture.hpp"

namespace certnn {
namespace {

const fs::path kAcasXu = test::benchmarks_dir() / "acasxu";

std::string acasxu_row(const std::string& network, const std::string& property, int timeout) {
  return "onnx/ACASXU_run2a_" + network + "_batch_2000.onnx,vnnlib/" + property + ".vnnlib.gz," +
         std::to_string(timeout) + "\n";
}

// The rows of a results file without the seconds column.
std::string verdict_rows(const fs::path& path) {
  std::istringstream in(test::read_file_bytes(path));
  std::string line, rows;
  while (std::getline(in, line)) rows += line.substr(0, line.rfind(',')) + "\n";
  return rows;
}

TEST_F(MpiCli, SuiteOverRanksGivesTheRowsAndSummaryOfOneProcess) {
  // Timeouts differ, so the hand-out order (longest first) differs from the file's.
  const fs::path instances = write("instances.csv", acasxu_row("1_1", "prop_1", 60) + acasxu_row("1_2", "prop_2", 90) +
                                                        acasxu_row("1_4", "prop_1", 60) + acasxu_row("5_9", "prop_2", 120) +
                                                        acasxu_row("1_2", "prop_3", 60) + acasxu_row("1_3", "prop_2", 60));
  const std::vector<std::string> common = {"suite", instances.string(), "--root", kAcasXu.string(), "--expected",
                                           (kAcasXu / "expected.csv").string(), "--threads", "1"};
  std::vector<std::string> alone = common, job = common;
  alone.insert(alone.end(), {"--out", path("alone.csv").string()});
  job.insert(job.end(), {"--out", path("job.csv").string()});
  const RunResult one = run(alone);
  ASSERT_EQ(one.exit_code, 0) << one.err;
  const RunResult three = run_ranks(3, job);
  ASSERT_EQ(three.exit_code, 0) << three.err;
  EXPECT_EQ(verdict_rows(path("job.csv")), verdict_rows(path("alone.csv")));
  EXPECT_EQ(lines_not_starting_with(three.out, "total"), lines_not_starting_with(one.out, "total"));
  EXPECT_NE(three.out.find("wrong               0"), std::string::npos) << three.out;
  // One progress line per instance, from rank 0 only.
  EXPECT_EQ(std::count(three.err.begin(), three.err.end(), '\n'), 6) << three.err;
}

TEST_F(MpiCli, VerifyOverRanksAnswersAsOneProcessAndWritesOneResult) {
  for (const auto& [network, property, verdict] :
       {std::tuple{"1_4", "prop_1", "unsat"}, std::tuple{"1_3", "prop_2", "sat"}}) {
    SCOPED_TRACE(std::string(network) + " " + property);
    const std::string onnx = (kAcasXu / "onnx" / ("ACASXU_run2a_" + std::string(network) + "_batch_2000.onnx")).string();
    const std::string vnnlib = (kAcasXu / "vnnlib" / (std::string(property) + ".vnnlib.gz")).string();
    const RunResult r = run_ranks(3, {"verify", onnx, vnnlib, "--threads", "1", "--json", "--result",
                                      path("result.txt").string()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << "printed more than once: " << r.out;
    const nlohmann::json answer = nlohmann::json::parse(r.out);
    EXPECT_EQ(answer["result"], verdict);
    EXPECT_EQ(test::read_file_bytes(path("result.txt")).substr(0, std::string(verdict).size()), verdict);
    if (std::string(verdict) == "sat") {
      // The witness re-checked by one process: the same property, violated.
      const RunResult alone = run({"verify", onnx, vnnlib, "--threads", "1", "--json"});
      EXPECT_EQ(nlohmann::json::parse(alone.out)["result"], "sat");
      EXPECT_EQ(answer["witness"]["input"].size(), 5u);
    }
  }
}

// The processes whose parent is `parent` (mpirun starts the ranks as its children on this machine).
std::vector<pid_t> children_of(pid_t parent) {
  std::vector<pid_t> children;
  for (const auto& entry : fs::directory_iterator("/proc")) {
    const std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream stat(entry.path() / "stat");
    std::string text;
    std::getline(stat, text);
    const auto close = text.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream rest(text.substr(close + 2));
    char state = 0;
    pid_t ppid = 0;
    rest >> state >> ppid;
    if (ppid == parent) children.push_back(static_cast<pid_t>(std::stoi(name)));
  }
  return children;
}

// The MPI rank of a process, from its environment.
int rank_of(pid_t pid) {
  std::ifstream environ("/proc/" + std::to_string(pid) + "/environ", std::ios::binary);
  std::string variable;
  while (std::getline(environ, variable, '\0'))
    if (variable.rfind("OMPI_COMM_WORLD_RANK=", 0) == 0) return std::stoi(variable.substr(21));
  return -1;
}

TEST_F(MpiCli, ARankKilledDuringTheSearchFailsTheJobWithoutAVerdict) {
  // ACAS Xu 3_3 property 2: unsat after about a minute of one core, so the search is well under
  // way when rank 1 dies.
  const std::string onnx = (kAcasXu / "onnx" / "ACASXU_run2a_3_3_batch_2000.onnx").string();
  const std::string vnnlib = (kAcasXu / "vnnlib" / "prop_2.vnnlib.gz").string();
  const std::string out = path("stdout").string(), err = path("stderr").string();
  const pid_t mpirun = fork();
  ASSERT_GE(mpirun, 0);
  if (mpirun == 0) {
    const int out_fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int err_fd = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(out_fd, 1);
    ::dup2(err_fd, 2);
    ::execl(CERTNN_MPIEXEC, CERTNN_MPIEXEC, "--oversubscribe", "-np", "3", CERTNN_CLI, "verify", onnx.c_str(),
            vnnlib.c_str(), "--threads", "1", "--timeout", "300", "--result", path("result.txt").c_str(),
            static_cast<char*>(nullptr));
    ::_exit(127);
  }
  // Rank 1, once the ranks have been searching for a while.
  pid_t victim = -1;
  const auto start = std::chrono::steady_clock::now();
  while (victim < 0 && std::chrono::steady_clock::now() - start < std::chrono::seconds(30)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    for (pid_t child : children_of(mpirun))
      if (rank_of(child) == 1) victim = child;
  }
  ASSERT_GT(victim, 0) << "rank 1 never started";
  std::this_thread::sleep_for(std::chrono::seconds(4));
  ASSERT_EQ(::kill(victim, SIGKILL), 0);
  int status = 0;
  ASSERT_EQ(::waitpid(mpirun, &status, 0), mpirun);
  EXPECT_FALSE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "the job succeeded without rank 1";
  const std::string printed = test::read_file_bytes(out);
  EXPECT_EQ(printed.find("sat"), std::string::npos) << printed;  // neither sat nor unsat
  std::error_code missing;
  if (fs::exists(path("result.txt"), missing)) {
    EXPECT_EQ(test::read_file_bytes(path("result.txt")).find("unsat"), std::string::npos);
  }
}

TEST_F(MpiCli, CommandsThatRunInOneProcessAreRefused) {
  const std::string model = std::string(CERTNN_SOURCE_DIR) + "/examples/digits_mlp.onnx";
  const RunResult r = run_ranks(2, {"info", model});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("info runs in one process"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace certnn
