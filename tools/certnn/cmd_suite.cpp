// certnn suite INSTANCES.csv: runs `verify` on every row of a VNN-COMP instance list, writing
// each result as it completes, and grades the answers against an expected-answers file. One
// instance that cannot be loaded is an `error` row, not the end of the suite. Ctrl-C or SIGTERM
// ends it after the finished instances, which keep their rows and make the summary.
#include <chrono>
#include <filesystem>
#include <functional>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <optional>
#include <sstream>

#include "certnn/core/error.hpp"
#include "certnn/spec/vnnlib.hpp"
#include "certnn/verify/instances.hpp"
#include "certnn/verify/verifier.hpp"
#include "cli_common.hpp"
#include "commands.hpp"
#include "interruption.hpp"
#include "progress.hpp"

namespace certnn::cli {
namespace {

constexpr int kWrongAnswerExitStatus = 2;

struct SuiteOptions {
  std::string instances, root, out, expected, splitting = "auto";
  double timeout_scale = 1.0;
  int threads = 2;
  bool json = false;
};

struct InstanceRun {
  const verify::Instance* instance = nullptr;
  verify::Verdict verdict = verify::Verdict::Error;
  double seconds = 0;  // wall time, loading included
  std::int64_t subproblems = 0;
  std::string message;
  std::optional<verify::Verdict> expected;
  bool wrong = false;  // sat where unsat was expected, or the reverse
};

struct Summary {
  std::size_t instances = 0, sat = 0, unsat = 0, timeouts = 0, unknown = 0, errors = 0, wrong = 0, no_expected = 0;
  double seconds = 0;
  std::size_t solved() const { return sat + unsat; }

  void add(const InstanceRun& run, bool graded) {
    ++instances;
    seconds += run.seconds;
    switch (run.verdict) {
      case verify::Verdict::Sat: ++sat; break;
      case verify::Verdict::Unsat: ++unsat; break;
      case verify::Verdict::Timeout: ++timeouts; break;
      case verify::Verdict::Unknown: ++unknown; break;
      case verify::Verdict::Error: ++errors; break;
    }
    if (run.wrong) ++wrong;
    if (graded && !run.expected) ++no_expected;
  }
};

// Messages may quote file contents: keep each progress line one line.
std::string one_line(const std::string& text) {
  std::string line;
  for (const char c : text) line += c == '\n' ? std::string("\\n") : c == '\r' ? std::string("\\r") : std::string(1, c);
  return line;
}

// Seconds never in exponent notation: 2 decimals for people, 6 in RESULTS.csv.
std::string fixed(double seconds, int decimals = 2) {
  std::ostringstream text;
  text << std::fixed << std::setprecision(decimals) << seconds;
  return text.str();
}

verify::Splitting parse_splitting(const std::string& name) {
  if (name == "input") return verify::Splitting::Input;
  if (name == "relu") return verify::Splitting::Relu;
  return verify::Splitting::Automatic;
}

InstanceRun run_instance(const verify::Instance& instance, const std::string& root, const SuiteOptions& o,
                         const std::atomic<bool>* stop, const std::function<void(const verify::Progress&)>& progress) {
  InstanceRun run;
  run.instance = &instance;
  const auto start = std::chrono::steady_clock::now();
  try {
    const model::Network network = load_model(verify::instance_path(root, instance.onnx));
    const spec::Property property = spec::read_vnnlib(verify::instance_path(root, instance.vnnlib));
    verify::Settings settings;
    settings.timeout_seconds = instance.timeout_seconds * o.timeout_scale;
    settings.threads = o.threads;
    settings.splitting = parse_splitting(o.splitting);
    settings.stop = stop;
    settings.progress = progress;
    const verify::Outcome outcome = verify::verify(network, property, settings);
    run.verdict = outcome.verdict;
    run.subproblems = outcome.statistics.subproblems;
    run.message = outcome.message;
  } catch (const std::bad_alloc&) {
    run.verdict = verify::Verdict::Error;
    run.message = "out of memory";
  } catch (const Error& e) {
    run.verdict = verify::Verdict::Error;
    run.message = e.what();
  } catch (const std::exception& e) {
    run.verdict = verify::Verdict::Error;
    run.message = std::string("internal error: ") + e.what();
  }
  run.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return run;
}

// RESULTS.csv, written row by row and flushed, so an interrupted suite keeps what it finished.
class ResultsFile {
 public:
  explicit ResultsFile(const std::string& path) : path_(path) {
    if (path.empty()) return;
    file_.open(path, std::ios::binary | std::ios::trunc);
    if (!file_) throw Error(path + ": cannot open file for writing");
    write("onnx,vnnlib,result,seconds\n");
  }
  void add(const InstanceRun& run) {
    if (path_.empty()) return;
    write(run.instance->onnx + "," + run.instance->vnnlib + "," + std::string(verify::verdict_name(run.verdict)) +
          "," + fixed(run.seconds, 6) + "\n");
  }

 private:
  void write(const std::string& text) {
    file_ << text << std::flush;
    if (!file_) throw Error(path_ + ": cannot write file");
  }
  std::string path_;
  std::ofstream file_;
};

void print_progress(const InstanceRun& run, std::size_t index, std::size_t count, const Summary& summary) {
  std::cerr << "[" << index + 1 << "/" << count << "] " << run.instance->onnx << " " << run.instance->vnnlib << ": "
            << verify::verdict_name(run.verdict) << " " << fixed(run.seconds) << " s";
  if (run.wrong) std::cerr << " WRONG (expected " << verify::verdict_name(*run.expected) << ")";
  std::cerr << " (solved " << summary.solved() << ", total " << fixed(summary.seconds) << " s)";
  if (!run.message.empty()) std::cerr << ": " << one_line(run.message);
  std::cerr << std::endl;
}

void print_text(const std::vector<InstanceRun>& runs, const Summary& summary, bool graded) {
  for (const InstanceRun& run : runs)
    if (run.wrong)
      std::cout << "WRONG " << run.instance->onnx << " " << run.instance->vnnlib << ": got "
                << verify::verdict_name(run.verdict) << ", expected " << verify::verdict_name(*run.expected) << "\n";
  if (graded)
    for (const InstanceRun& run : runs)
      if (!run.expected) std::cout << "no expected answer: " << run.instance->onnx << " " << run.instance->vnnlib << "\n";
  const auto line = [](const std::string& name, const std::string& value) {
    std::cout << std::left << std::setw(20) << name << value << "\n";
  };
  line("instances", std::to_string(summary.instances));
  line("solved", std::to_string(summary.solved()));
  line("sat", std::to_string(summary.sat));
  line("unsat", std::to_string(summary.unsat));
  line("timeouts", std::to_string(summary.timeouts));
  line("unknown", std::to_string(summary.unknown));
  line("errors", std::to_string(summary.errors));
  if (graded) {
    line("wrong", std::to_string(summary.wrong));
    line("no expected answer", std::to_string(summary.no_expected));
  }
  line("total", fixed(summary.seconds) + " s");
}

void print_json(const std::vector<InstanceRun>& runs, const Summary& summary, bool graded) {
  nlohmann::json rows = nlohmann::json::array();
  for (const InstanceRun& run : runs) {
    nlohmann::json row = {{"onnx", run.instance->onnx},
                          {"vnnlib", run.instance->vnnlib},
                          {"result", verify::verdict_name(run.verdict)},
                          {"seconds", run.seconds},
                          {"subproblems", run.subproblems}};
    if (!run.message.empty()) row["message"] = run.message;
    if (graded) {
      row["expected"] = run.expected ? nlohmann::json(verify::verdict_name(*run.expected)) : nlohmann::json(nullptr);
      row["wrong"] = run.wrong;
    }
    rows.push_back(std::move(row));
  }
  nlohmann::json totals = {{"instances", summary.instances}, {"solved", summary.solved()}, {"sat", summary.sat},
                           {"unsat", summary.unsat},         {"timeout", summary.timeouts}, {"unknown", summary.unknown},
                           {"error", summary.errors},        {"seconds", summary.seconds}};
  if (graded) {
    totals["wrong"] = summary.wrong;
    totals["no_expected_answer"] = summary.no_expected;
  }
  std::cout << nlohmann::json{{"summary", totals}, {"instances", rows}}.dump() << "\n";
}

void run(const SuiteOptions& o, int& exit_status) {
  const std::vector<verify::Instance> instances = verify::read_instances(o.instances);
  const bool graded = !o.expected.empty();
  const verify::ExpectedAnswers expected = graded ? verify::read_expected(o.expected) : verify::ExpectedAnswers{};
  std::string root = o.root;
  if (root.empty()) root = std::filesystem::path(o.instances).parent_path().string();
  if (root.empty()) root = ".";
  ResultsFile results(o.out);

  const StopOnSignal stop;
  ProgressLine line;
  std::vector<InstanceRun> runs;
  Summary summary;
  for (std::size_t i = 0; i < instances.size() && !stop.raised(); ++i) {
    const std::string name = "[" + std::to_string(i + 1) + "/" + std::to_string(instances.size()) + "] " +
                             instances[i].onnx + " " + instances[i].vnnlib + ": ";
    const double timeout = instances[i].timeout_seconds * o.timeout_scale;
    line.update([&] { return name + "loading"; });
    std::function<void(const verify::Progress&)> progress;
    if (line.shown())
      progress = [&](const verify::Progress& p) { line.update([&] { return name + describe(p, timeout); }); };
    InstanceRun run = run_instance(instances[i], root, o, stop.flag(), progress);
    // The instance the stop cut short has no verdict of its own: it is left out.
    if (stop.raised() && run.verdict == verify::Verdict::Timeout) break;
    if (const auto answer = expected.find({instances[i].onnx, instances[i].vnnlib}); answer != expected.end()) {
      run.expected = answer->second;
      const bool solved = run.verdict == verify::Verdict::Sat || run.verdict == verify::Verdict::Unsat;
      run.wrong = solved && run.verdict != answer->second;
    }
    summary.add(run, graded);
    results.add(run);
    line.clear();
    print_progress(run, i, instances.size(), summary);
    runs.push_back(std::move(run));
  }
  line.clear();
  if (stop.raised())
    StopOnSignal::report(std::to_string(runs.size()) + " of " + std::to_string(instances.size()) +
                         " instances finished" + (o.out.empty() ? "" : ", their rows in " + o.out));
  if (o.json) {
    print_json(runs, summary, graded);
  } else {
    print_text(runs, summary, graded);
  }
  if (summary.wrong > 0) exit_status = kWrongAnswerExitStatus;
}

}  // namespace

Action register_suite(CLI::App& app, int& exit_status) {
  auto o = std::make_shared<SuiteOptions>();
  auto* cmd = app.add_subcommand(
      "suite",
      "Verify every instance of a VNN-COMP instances.csv (rows onnx,vnnlib,timeout).\n"
      "A model or property that cannot be loaded gives an 'error' row and the suite goes on.\n"
      "Exit status: 0 when the suite ran, 2 when an answer contradicts --expected (sat for unsat or the\n"
      "reverse), 1 on a user error (unreadable instance or expected-answers file, unwritable --out).\n"
      "Ctrl-C or SIGTERM stops after the finished instances (their rows and summary are kept) with exit\n"
      "status 130 (SIGINT) or 143 (SIGTERM).");
  cmd->add_option("instances", o->instances, "instances.csv: onnx,vnnlib,timeout per row, paths under --root")
      ->required();
  cmd->add_option("--root", o->root, "Folder the instance paths are relative to (default: the csv's folder)");
  cmd->add_option("--out", o->out, "Write onnx,vnnlib,result,seconds rows, each as soon as it is done");
  cmd->add_option("--expected", o->expected, "CSV onnx,vnnlib,expected (sat or unsat) to grade the answers");
  cmd->add_option("--timeout-scale", o->timeout_scale, "Multiply every instance's timeout by K")
      ->check(positive_number)
      ->capture_default_str();
  cmd->add_option("--threads", o->threads, "Worker threads of each verification")
      ->check(thread_count)
      ->capture_default_str();
  cmd->add_option("--splitting", o->splitting, "Branching: input coordinates, unstable ReLUs, or chosen by input size")
      ->check(CLI::IsMember({"auto", "input", "relu"}))
      ->capture_default_str();
  cmd->add_flag("--json", o->json, "Print {\"summary\":{...},\"instances\":[{\"onnx\",\"vnnlib\",\"result\",\"seconds\",...}]}");
  return [o, &exit_status] { run(*o, exit_status); };
}

}  // namespace certnn::cli
