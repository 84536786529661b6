// Ctrl-C and SIGTERM on long certnn runs, and the progress line. The built binary runs as a child
// process (fork/exec) with stdout and stderr on pipes, or stderr on a pseudo-terminal; it is
// signalled once the work is under way and must end within a few seconds with 128 + the signal,
// leaving `timeout` in verify's result file, the finished rows of a suite and the figures of the
// samples an evaluation finished. Progress text appears on the terminal only.
//
// The long instance: y = relu(x) − relu(x) over x in [−1, 1] with the property y ≥ 1e-300. It is
// unsat (y = 0), but every sound bound of y keeps a rounding term far above 1e-300, so
// branch-and-bound splits until its time limit.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <thread>

#include "certnn/model/network.hpp"
#include "certnn/onnx/exporter.hpp"
#include "certnn/spec/result.hpp"
#include "cli_fixture.hpp"

namespace certnn {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// How long a stopped command may take to exit: one sub-problem, one sample, then the report.
constexpr auto kExitLimit = 5s;

const std::string kBox = "(declare-const X_0 Real)\n(declare-const Y_0 Real)\n"
                         "(assert (>= X_0 -1))\n(assert (<= X_0 1))\n";
const std::string kEndless = kBox + "(assert (>= Y_0 1e-300))\n";
const std::string kUnsat = kBox + "(assert (>= Y_0 5))\n";  // y = 2x + 1 <= 3 on the box
const std::string kSat = kBox + "(assert (>= Y_0 2))\n";    // every x >= 0.5

struct Exit {
  bool in_time = false;  // ended within the limit (otherwise it was killed)
  bool exited = false;   // by exit rather than by a signal
  int code = -1;
  int signal = 0;
  double seconds = 0;  // from the call to wait until the end
  std::string out, err;
};

// certnn as a child process: stdout on a pipe, stderr on a pipe or a pseudo-terminal, stdin
// /dev/null. Output is collected while waiting, so a full pipe never blocks the child.
class Child {
 public:
  Child(const std::vector<std::string>& args, bool stderr_on_terminal) {
    int out[2];
    if (pipe(out) != 0) throw std::runtime_error("pipe");
    int err_read = -1;
    std::string terminal;
    int err_pipe[2] = {-1, -1};
    if (stderr_on_terminal) {
      err_read = posix_openpt(O_RDWR | O_NOCTTY);
      if (err_read < 0 || grantpt(err_read) != 0 || unlockpt(err_read) != 0) throw std::runtime_error("pty");
      terminal = ptsname(err_read);
    } else {
      if (pipe(err_pipe) != 0) throw std::runtime_error("pipe");
      err_read = err_pipe[0];
    }
    std::vector<std::string> argv_text = {CERTNN_CLI};
    argv_text.insert(argv_text.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : argv_text) argv.push_back(a.data());
    argv.push_back(nullptr);

    pid_ = fork();
    if (pid_ < 0) throw std::runtime_error("fork");
    if (pid_ == 0) {  // only async-signal-safe calls until exec
      const int in = open("/dev/null", O_RDONLY);
      const int err = stderr_on_terminal ? open(terminal.c_str(), O_RDWR | O_NOCTTY) : err_pipe[1];
      if (in < 0 || err < 0) _exit(127);
      dup2(in, 0);
      dup2(out[1], 1);
      dup2(err, 2);
      execv(argv[0], argv.data());
      _exit(127);
    }
    close(out[1]);
    if (!stderr_on_terminal) close(err_pipe[1]);
    out_fd_ = out[0];
    err_fd_ = err_read;
    fcntl(out_fd_, F_SETFL, O_NONBLOCK);
    fcntl(err_fd_, F_SETFL, O_NONBLOCK);
  }
  ~Child() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    close(out_fd_);
    close(err_fd_);
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  void send(int signal) const { kill(pid_, signal); }

  // Waits for the end at most `limit`, then kills the child.
  Exit wait(Clock::duration limit) {
    Exit e;
    const Clock::time_point start = Clock::now();
    int status = 0;
    for (;;) {
      drain();
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        e.in_time = true;
        break;
      }
      if (Clock::now() - start > limit) {
        kill(pid_, SIGKILL);
        waitpid(pid_, &status, 0);
        break;
      }
      std::this_thread::sleep_for(10ms);
    }
    pid_ = -1;
    e.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    drain();
    e.exited = WIFEXITED(status);
    e.code = e.exited ? WEXITSTATUS(status) : -1;
    e.signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
    e.out = out_;
    e.err = err_;
    return e;
  }

 private:
  void drain() {
    char buffer[4096];
    for (ssize_t n; (n = read(out_fd_, buffer, sizeof buffer)) > 0;) out_.append(buffer, static_cast<std::size_t>(n));
    for (ssize_t n; (n = read(err_fd_, buffer, sizeof buffer)) > 0;) err_.append(buffer, static_cast<std::size_t>(n));
  }

  pid_t pid_ = -1;
  int out_fd_ = -1, err_fd_ = -1;
  std::string out_, err_;
};

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// What only the progress line writes: carriage returns and the running search's counts.
bool has_progress(const std::string& err) {
  return err.find('\r') != std::string::npos || err.find("sub-problems bounded") != std::string::npos ||
         err.find("samples, clean") != std::string::npos;
}

class InterruptionCli : public Cli {
 protected:
  void SetUp() override {
    Cli::SetUp();
    // y = relu(x) − relu(x), the long instance's network.
    model::Network cancelling({1, 1});
    const model::ValueId hidden = cancelling.add("hidden", model::Dense{Eigen::MatrixXd::Ones(2, 1), Eigen::VectorXd::Zero(2)},
                                                 {model::kInputValue});
    const model::ValueId relu = cancelling.add("relu", model::Relu{}, {hidden});
    cancelling.add("difference", model::Dense{Eigen::RowVector2d(1.0, -1.0), Eigen::VectorXd::Zero(1)}, {relu});
    onnx::export_model(cancelling, file("cancelling.onnx"));
    // y = 2x + 1, decided at once.
    model::Network affine({1, 1});
    affine.add("affine", model::Dense{Eigen::MatrixXd::Constant(1, 1, 2.0), Eigen::VectorXd::Constant(1, 1.0)},
               {model::kInputValue});
    onnx::export_model(affine, file("affine.onnx"));
    write("endless.vnnlib", kEndless);
    write("unsat.vnnlib", kUnsat);
    write("sat.vnnlib", kSat);
  }

  std::string file(const std::string& name) const { return path(name).string(); }

  // verify on the long instance, signalled after a second.
  Exit verify_stopped_by(int signal, const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args = {"verify", file("cancelling.onnx"), file("endless.vnnlib"), "--timeout", "600",
                                     "--result", file("result.txt")};
    args.insert(args.end(), extra.begin(), extra.end());
    Child child(args, false);
    std::this_thread::sleep_for(1s);
    child.send(signal);
    return child.wait(kExitLimit);
  }
};

TEST_F(InterruptionCli, CtrlCStopsVerifyAsATimeoutWithStatus130) {
  const Exit e = verify_stopped_by(SIGINT);
  ASSERT_TRUE(e.in_time) << "still running " << kExitLimit.count() << " s after SIGINT; stderr: " << e.err;
  ASSERT_TRUE(e.exited) << "killed by signal " << e.signal;
  EXPECT_EQ(e.code, 130) << e.err;
  const auto out = lines(e.out);
  ASSERT_GE(out.size(), 2u) << e.out;
  EXPECT_EQ(out[0], "timeout");
  EXPECT_EQ(out[1].rfind("time ", 0), 0u) << e.out;
  EXPECT_EQ(spec::read_result(file("result.txt")).verdict, "timeout");
  EXPECT_NE(e.err.find("certnn: interrupted by SIGINT"), std::string::npos) << e.err;
  EXPECT_FALSE(has_progress(e.err)) << "progress on a pipe: " << e.err;
}

TEST_F(InterruptionCli, SigtermStopsVerifyWithStatus143AndSaysWhyInJson) {
  const Exit e = verify_stopped_by(SIGTERM, {"--json"});
  ASSERT_TRUE(e.in_time) << "still running " << kExitLimit.count() << " s after SIGTERM; stderr: " << e.err;
  ASSERT_TRUE(e.exited) << "killed by signal " << e.signal;
  EXPECT_EQ(e.code, 143) << e.err;
  const auto json = nlohmann::json::parse(e.out);
  EXPECT_EQ(json.at("result"), "timeout");
  EXPECT_LT(json.at("seconds").get<double>(), 60.0);
  EXPECT_GT(json.at("subproblems").get<std::int64_t>(), 0);
  EXPECT_EQ(json.at("message"), "stopped before the time limit");
  EXPECT_EQ(spec::read_result(file("result.txt")).verdict, "timeout");
  EXPECT_FALSE(has_progress(e.err)) << e.err;
}

TEST_F(InterruptionCli, ProgressIsShownWhenStderrIsATerminal) {
  Child child({"verify", file("cancelling.onnx"), file("endless.vnnlib"), "--timeout", "600"}, true);
  std::this_thread::sleep_for(1500ms);
  child.send(SIGINT);
  const Exit e = child.wait(kExitLimit);
  ASSERT_TRUE(e.in_time) << e.err;
  EXPECT_EQ(e.code, 130) << e.err;
  EXPECT_NE(e.err.find("\rverify: "), std::string::npos) << e.err;
  EXPECT_NE(e.err.find("sub-problems bounded"), std::string::npos) << e.err;
  EXPECT_NE(e.err.find(" left"), std::string::npos) << e.err;
  EXPECT_EQ(lines(e.out).at(0), "timeout") << e.out;
}

TEST_F(InterruptionCli, CtrlCStopsASuiteKeepingTheFinishedRows) {
  write("instances.csv", "affine.onnx,unsat.vnnlib,60\ncancelling.onnx,endless.vnnlib,600\naffine.onnx,sat.vnnlib,60\n");
  Child child({"suite", file("instances.csv"), "--out", file("results.csv")}, false);
  // Once the first row is written the long instance is running.
  const auto rows_written = [&] {
    return fs::exists(path("results.csv")) ? lines(test::read_file_bytes(path("results.csv"))).size() : 0;
  };
  const Clock::time_point start = Clock::now();
  while (rows_written() < 2 && Clock::now() - start < 10s) std::this_thread::sleep_for(20ms);
  std::this_thread::sleep_for(500ms);
  child.send(SIGINT);
  const Exit e = child.wait(kExitLimit);
  ASSERT_TRUE(e.in_time) << e.err;
  EXPECT_EQ(e.code, 130) << e.err;
  const auto rows = lines(test::read_file_bytes(path("results.csv")));
  ASSERT_EQ(rows.size(), 2u) << "the header and the finished instance only";
  EXPECT_EQ(rows[0], "onnx,vnnlib,result,seconds");
  EXPECT_EQ(rows[1].rfind("affine.onnx,unsat.vnnlib,unsat,", 0), 0u) << rows[1];
  EXPECT_NE(e.out.find("instances           1\n"), std::string::npos) << e.out;
  EXPECT_NE(e.out.find("unsat               1\n"), std::string::npos) << e.out;
  EXPECT_NE(e.err.find("[1/3] affine.onnx unsat.vnnlib: unsat"), std::string::npos) << e.err;
  EXPECT_EQ(e.err.find("[2/3]"), std::string::npos) << "the interrupted instance has no line: " << e.err;
  EXPECT_NE(e.err.find("certnn: interrupted by SIGINT; 1 of 3 instances finished"), std::string::npos) << e.err;
  EXPECT_FALSE(has_progress(e.err)) << e.err;
}

// A wide random ReLU network on the 64 digits pixels: CROWN takes a good part of a second per
// sample, so the 359 test samples take minutes.
void write_wide_network(const std::string& path) {
  std::mt19937_64 random(0);
  std::normal_distribution<double> normal(0.0, 1.0);
  const auto layer = [&](Eigen::Index rows, Eigen::Index cols) {
    return model::Dense{Eigen::MatrixXd::NullaryExpr(rows, cols, [&] { return normal(random) / std::sqrt(cols); }),
                        Eigen::VectorXd::Zero(rows)};
  };
  model::Network wide({1, 64});
  model::ValueId v = model::kInputValue;
  for (int k = 0; k < 3; ++k) {
    v = wide.add("dense" + std::to_string(k), layer(512, k == 0 ? 64 : 512), {v});
    v = wide.add("relu" + std::to_string(k), model::Relu{}, {v});
  }
  wide.add("logits", layer(10, 512), {v});
  onnx::export_model(wide, path);
}

TEST_F(InterruptionCli, CtrlCStopsAnEvaluationWithTheFiguresOfTheFinishedSamples) {
  write_wide_network(file("wide.onnx"));
  Child child({"evaluate", file("wide.onnx"), "--data", "digits", "--eps", "0.05", "--attack", "none"}, false);
  std::this_thread::sleep_for(1500ms);
  child.send(SIGINT);
  const Exit e = child.wait(kExitLimit);
  ASSERT_TRUE(e.in_time) << e.err;
  EXPECT_EQ(e.code, 130) << e.err;
  const auto out = lines(e.out);
  ASSERT_FALSE(out.empty()) << e.err;
  std::istringstream samples(out[0]);
  std::string word, of;
  std::int64_t done = -1, total = -1;
  samples >> word >> done >> of >> total;
  EXPECT_EQ(word, "samples") << out[0];
  EXPECT_EQ(of, "of") << out[0];
  EXPECT_EQ(total, 359) << out[0];
  EXPECT_GE(done, 0);
  EXPECT_LT(done, total);
  EXPECT_NE(e.out.find("certified accuracy"), std::string::npos) << e.out;
  EXPECT_NE(e.err.find("certnn: interrupted by SIGINT; figures over the " + std::to_string(done) + " of 359 samples"),
            std::string::npos)
      << e.err;
  EXPECT_FALSE(has_progress(e.err)) << e.err;
}

TEST_F(InterruptionCli, CtrlCStopsAReportWhichKeepsTheFiguresFinished) {
  // The digits MLP over 40 radii in each norm, every test sample and every radius bracket: about
  // 6 s of attacks and bounds, each a few milliseconds, between which the stop is checked.
  std::string radii = "0.005";
  for (int k = 2; k <= 40; ++k) {
    radii += ',';
    radii += std::to_string(0.005 * k);
  }
  Child child({"report", (test::source_dir() / "examples" / "digits_mlp.onnx").string(), "--data", "digits", "--eps",
               radii, "--l2-eps", radii, "--limit", "359", "--radius-inputs", "359", "--out", file("report"), "--json"},
              false);
  std::this_thread::sleep_for(1500ms);
  child.send(SIGINT);
  const Exit e = child.wait(kExitLimit);
  ASSERT_TRUE(e.in_time) << e.err;
  EXPECT_EQ(e.code, 130) << e.err;
  EXPECT_NE(e.err.find("certnn: interrupted by SIGINT; the report holds the figures finished so far"), std::string::npos)
      << e.err;
  const nlohmann::json summary = nlohmann::json::parse(e.out);
  EXPECT_TRUE(summary["stopped"].get<bool>());
  const nlohmann::json data = nlohmann::json::parse(test::read_file_bytes(path("report") / "report.json"));
  EXPECT_TRUE(data["stopped"].get<bool>());
  EXPECT_FALSE(data["figures"]["layers"].empty());  // measured first, before the signal
  EXPECT_NE(test::read_file_bytes(path("report") / "index.html").find("Stopped early"), std::string::npos);
}

TEST_F(InterruptionCli, QuietLeavesTheCounterexampleOutButTheResultFileKeepsIt) {
  const RunResult loud = run({"verify", file("affine.onnx"), file("sat.vnnlib")});
  ASSERT_EQ(loud.exit_code, 0) << loud.err;
  EXPECT_NE(loud.out.find("counterexample: X_0="), std::string::npos) << loud.out;

  const RunResult quiet = run({"verify", file("affine.onnx"), file("sat.vnnlib"), "--quiet", "--result", file("sat.txt")});
  ASSERT_EQ(quiet.exit_code, 0) << quiet.err;
  const auto out = lines(quiet.out);
  ASSERT_EQ(out.size(), 2u) << quiet.out;
  EXPECT_EQ(out[0], "sat");
  EXPECT_EQ(out[1].rfind("time ", 0), 0u) << quiet.out;
  const spec::Result result = spec::read_result(file("sat.txt"));
  EXPECT_EQ(result.verdict, "sat");
  ASSERT_EQ(result.input.size(), 1);
  EXPECT_GE(result.input[0], 0.5);

  const RunResult json = run({"verify", file("affine.onnx"), file("sat.vnnlib"), "--quiet", "--json"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  EXPECT_EQ(nlohmann::json::parse(json.out).at("witness").at("input").size(), 1u) << json.out;
}

}  // namespace
}  // namespace certnn
