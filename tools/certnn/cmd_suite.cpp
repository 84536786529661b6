// certnn suite INSTANCES.csv: runs `verify` on every row of a VNN-COMP instance list, writing
// each result as it completes, and grades the answers against an expected-answers file. One
// instance that cannot be loaded is an `error` row, not the end of the suite. Ctrl-C or SIGTERM
// ends it after the finished instances, which keep their rows and make the summary. Under mpirun the
// ranks take instances as they come free, the longest timeouts first, and rank 0 writes the rows
// in instance order and the summary.
#include <chrono>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <functional>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <mutex>
#include <numeric>
#include <optional>
#include <sstream>
#include <thread>

#include "certnn/core/bytes.hpp"
#include "certnn/core/error.hpp"
#include "certnn/spec/vnnlib.hpp"
#include "certnn/verify/instances.hpp"
#include "certnn/verify/verifier.hpp"
#include "cli_common.hpp"
#include "commands.hpp"
#include "interruption.hpp"
#include "job.hpp"
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

// RESULTS.csv, in instance order: each row is written and flushed as soon as every row before it
// is, so an interrupted suite keeps what it finished (finish() writes the rows left behind a gap).
class ResultsFile {
 public:
  ResultsFile(const std::string& path, std::size_t count) : path_(path), rows_(count) {
    if (path.empty()) return;
    file_.open(path, std::ios::binary | std::ios::trunc);
    if (!file_) throw Error(path + ": cannot open file for writing");
    write("onnx,vnnlib,result,seconds\n");
  }
  void add(std::size_t index, const InstanceRun& run) {
    if (path_.empty()) return;
    rows_[index] = run.instance->onnx + "," + run.instance->vnnlib + "," +
                   std::string(verify::verdict_name(run.verdict)) + "," + fixed(run.seconds, 6) + "\n";
    for (; next_ < rows_.size() && rows_[next_]; ++next_) write(*rows_[next_]);
  }
  void finish() {
    for (; next_ < rows_.size(); ++next_)
      if (rows_[next_]) write(*rows_[next_]);
  }

 private:
  void write(const std::string& text) {
    file_ << text << std::flush;
    if (!file_) throw Error(path_ + ": cannot write file");
  }
  std::string path_;
  std::ofstream file_;
  std::vector<std::optional<std::string>> rows_;
  std::size_t next_ = 0;
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

// What a finished instance becomes: its grade, its place in the summary and the results file, and
// its progress line, in the order instances finish.
class Collector {
 public:
  Collector(const std::vector<verify::Instance>& instances, const verify::ExpectedAnswers& expected, bool graded,
            ResultsFile& results)
      : instances_(instances), expected_(expected), graded_(graded), results_(results), runs_(instances.size()) {}

  void add(std::size_t index, InstanceRun run) {
    const verify::Instance& instance = instances_[index];
    if (const auto answer = expected_.find({instance.onnx, instance.vnnlib}); answer != expected_.end()) {
      run.expected = answer->second;
      const bool solved = run.verdict == verify::Verdict::Sat || run.verdict == verify::Verdict::Unsat;
      run.wrong = solved && run.verdict != answer->second;
    }
    summary_.add(run, graded_);
    results_.add(index, run);
    print_progress(run, index, instances_.size(), summary_);
    runs_[index] = std::move(run);
  }
  // The finished runs in instance order.
  std::vector<InstanceRun> runs() const {
    std::vector<InstanceRun> done;
    for (const auto& run : runs_)
      if (run) done.push_back(*run);
    return done;
  }
  const Summary& summary() const { return summary_; }

 private:
  const std::vector<verify::Instance>& instances_;
  const verify::ExpectedAnswers& expected_;
  bool graded_;
  ResultsFile& results_;
  Summary summary_;
  std::vector<std::optional<InstanceRun>> runs_;
};

// One process: the instances in order, with a progress line.
void run_in_order(const std::vector<verify::Instance>& instances, const std::string& root, const SuiteOptions& o,
                  const StopOnSignal& stop, Collector& collected) {
  ProgressLine line;
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
    line.clear();
    collected.add(i, std::move(run));
  }
}

// Over the ranks of an MPI job, the messages of the hand-out: a worker's request carries the run it
// finished, if any; the answer is the index of the next instance, or −1 for none.
std::string request_message(std::optional<std::pair<std::size_t, InstanceRun>> finished) {
  ByteWriter out;
  out.put(static_cast<std::uint8_t>(finished.has_value()));
  if (finished) {
    const InstanceRun& run = finished->second;
    out.put(static_cast<std::uint64_t>(finished->first));
    out.put(static_cast<std::int32_t>(run.verdict));
    out.put(run.seconds);
    out.put(run.subproblems);
    out.put(run.message);
  }
  return out.take();
}

std::optional<std::pair<std::size_t, InstanceRun>> read_request(const std::string& bytes,
                                                                const std::vector<verify::Instance>& instances) {
  ByteReader in(bytes);
  if (!in.get<std::uint8_t>()) return std::nullopt;
  const auto index = in.get<std::uint64_t>();
  if (index >= instances.size()) throw Error("suite: a result for no instance");
  InstanceRun run;
  run.instance = &instances[index];
  run.verdict = static_cast<verify::Verdict>(in.get<std::int32_t>());
  run.seconds = in.get<double>();
  run.subproblems = in.get<std::int64_t>();
  run.message = in.get_text();
  return std::pair{static_cast<std::size_t>(index), std::move(run)};
}

std::string assign_message(std::int64_t index) {
  ByteWriter out;
  out.put(index);
  return out.take();
}

// Rank 0: hands the instances out, the longest timeouts first, to the other ranks as they ask and
// to a thread of its own, and collects the runs.
void hand_out(distributed::Communicator& ranks, const std::vector<verify::Instance>& instances,
              const std::string& root, const SuiteOptions& o, const StopOnSignal& stop, Collector& collected) {
  std::vector<std::size_t> order(instances.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return instances[a].timeout_seconds > instances[b].timeout_seconds;
  });
  std::mutex mutex;
  std::size_t next = 0;  // into order
  std::deque<std::pair<std::size_t, InstanceRun>> local_runs;
  const auto take_next = [&]() -> std::optional<std::size_t> {
    std::lock_guard lock(mutex);
    if (stop.raised() || next == order.size()) return std::nullopt;
    return order[next++];
  };
  std::atomic<bool> local_finished{false};
  std::jthread local([&] {  // joins on the way out of an error too
    while (const auto index = take_next()) {
      InstanceRun run = run_instance(instances[*index], root, o, stop.flag(), {});
      std::lock_guard lock(mutex);
      local_runs.emplace_back(*index, std::move(run));
    }
    local_finished = true;
  });
  const auto keep = [&](std::size_t index, InstanceRun run) {
    if (stop.raised() && run.verdict == verify::Verdict::Timeout) return;  // cut short by the stop
    collected.add(index, std::move(run));
  };
  const auto keep_local_runs = [&] {
    std::unique_lock lock(mutex);
    bool any = false;
    while (!local_runs.empty()) {
      auto [index, run] = std::move(local_runs.front());
      local_runs.pop_front();
      lock.unlock();
      keep(index, std::move(run));
      lock.lock();
      any = true;
    }
    return any;
  };
  int workers = ranks.size() - 1;  // still asking
  bool joined = false;
  while (workers > 0 || !joined) {
    bool active = false;
    while (auto message = ranks.poll(distributed::tags::kSuiteRequest)) {
      if (auto finished = read_request(message->bytes, instances)) keep(finished->first, std::move(finished->second));
      const auto index = take_next();
      ranks.send(message->source, distributed::tags::kSuiteAssign,
                 assign_message(index ? static_cast<std::int64_t>(*index) : -1));
      if (!index) --workers;
      active = true;
    }
    if (!joined && local_finished) {
      local.join();
      joined = true;
    }
    active = keep_local_runs() || active;
    if (!active) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

// The other ranks: ask, verify, report, until rank 0 has nothing left.
void work(distributed::Communicator& ranks, const std::vector<verify::Instance>& instances, const std::string& root,
          const SuiteOptions& o, const StopOnSignal& stop) {
  std::optional<std::pair<std::size_t, InstanceRun>> finished;
  for (;;) {
    ranks.send(0, distributed::tags::kSuiteRequest, request_message(std::move(finished)));
    const distributed::Message assignment = ranks.wait(distributed::tags::kSuiteAssign);
    ByteReader in(assignment.bytes);
    const auto index = in.get<std::int64_t>();
    if (index < 0) return;
    if (static_cast<std::size_t>(index) >= instances.size()) throw Error("suite: an instance that is not in the list");
    finished = std::pair{static_cast<std::size_t>(index),
                         run_instance(instances[static_cast<std::size_t>(index)], root, o, stop.flag(), {})};
  }
}

void run(const SuiteOptions& o, int& exit_status) {
  const std::vector<verify::Instance> instances = verify::read_instances(o.instances);
  const bool graded = !o.expected.empty();
  const verify::ExpectedAnswers expected = graded ? verify::read_expected(o.expected) : verify::ExpectedAnswers{};
  std::string root = o.root;
  if (root.empty()) root = std::filesystem::path(o.instances).parent_path().string();
  if (root.empty()) root = ".";
  const StopOnSignal stop;
  distributed::Communicator* ranks = job_ranks();
  if (ranks && ranks->rank() != 0) {
    work(*ranks, instances, root, o, stop);
    return;
  }
  ResultsFile results(o.out, instances.size());
  Collector collected(instances, expected, graded, results);
  if (ranks) {
    hand_out(*ranks, instances, root, o, stop, collected);
  } else {
    run_in_order(instances, root, o, stop, collected);
  }
  results.finish();
  const std::vector<InstanceRun> runs = collected.runs();
  if (stop.raised())
    StopOnSignal::report(std::to_string(runs.size()) + " of " + std::to_string(instances.size()) +
                         " instances finished" + (o.out.empty() ? "" : ", their rows in " + o.out));
  if (o.json) {
    print_json(runs, collected.summary(), graded);
  } else {
    print_text(runs, collected.summary(), graded);
  }
  if (collected.summary().wrong > 0) exit_status = kWrongAnswerExitStatus;
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
