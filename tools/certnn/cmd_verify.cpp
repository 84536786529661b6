// certnn verify MODEL PROP [--timeout S] [--result FILE]: complete verification of one VNN-LIB
// property. Every verdict is an answer (exit 0); only user errors exit 1 (DESIGN §5). Ctrl-C or
// SIGTERM ends the search as a timeout (exit 130 or 143, interruption.hpp). Under mpirun the ranks
// share the search (verify/shared_search.hpp) and rank 0 prints and writes the result.
#include <iomanip>
#include <iostream>

#include "certnn/core/error.hpp"
#include "certnn/spec/result.hpp"
#include "certnn/spec/vnnlib.hpp"
#include "certnn/verify/verifier.hpp"
#include "cli_common.hpp"
#include "commands.hpp"
#include "interruption.hpp"
#include "job.hpp"
#include "progress.hpp"

namespace certnn::cli {
namespace {

struct VerifyOptions {
  std::string model, property, result, splitting = "auto";
  double timeout = 300.0;
  int threads = 2;
  bool json = false, quiet = false;
};

verify::Splitting parse_splitting(const std::string& name) {
  if (name == "input") return verify::Splitting::Input;
  if (name == "relu") return verify::Splitting::Relu;
  return verify::Splitting::Automatic;
}

spec::Result result_file(const verify::Outcome& outcome) {
  spec::Result result{std::string(verify::verdict_name(outcome.verdict)), {}, {}};
  if (outcome.verdict == verify::Verdict::Sat) {
    result.input = outcome.witness.input;
    result.output = outcome.witness.output;
  }
  return result;
}

nlohmann::json to_json(const Eigen::VectorXd& v) { return std::vector<double>(v.data(), v.data() + v.size()); }

// quiet: no counterexample lines (784 values for an MNIST property); --result and --json keep it.
void print(const verify::Outcome& outcome, bool json, bool quiet) {
  const std::string_view verdict = verify::verdict_name(outcome.verdict);
  if (json) {
    nlohmann::json out = {{"result", verdict},
                          {"seconds", outcome.seconds},
                          {"subproblems", outcome.statistics.subproblems}};
    if (outcome.verdict == verify::Verdict::Sat)
      out["witness"] = {{"input", to_json(outcome.witness.input)}, {"output", to_json(outcome.witness.output)}};
    if (!outcome.message.empty()) out["message"] = outcome.message;
    if (job_ranks()) {
      out["ranks"] = job_ranks()->size();
      out["messages"] = outcome.statistics.messages;
      out["message_bytes"] = outcome.statistics.message_bytes;
    }
    std::cout << out.dump() << "\n";
    return;
  }
  std::cout << verdict << "\n"
            << "time " << std::fixed << std::setprecision(2) << outcome.seconds << " s, " << outcome.statistics.subproblems
            << " sub-problems";
  if (job_ranks())
    std::cout << " on " << job_ranks()->size() << " ranks, " << outcome.statistics.messages << " messages of "
              << outcome.statistics.message_bytes << " bytes between them";
  std::cout << "\n";
  if (outcome.verdict == verify::Verdict::Sat && !quiet) {
    std::cout << "counterexample:";
    for (Eigen::Index i = 0; i < outcome.witness.input.size(); ++i)
      std::cout << " X_" << i << "=" << format_real(outcome.witness.input[i]);
    std::cout << "\noutput:";
    for (Eigen::Index j = 0; j < outcome.witness.output.size(); ++j)
      std::cout << " Y_" << j << "=" << format_real(outcome.witness.output[j]);
    std::cout << "\n";
  }
  if (!outcome.message.empty()) std::cout << "reason: " << outcome.message << "\n";
}

void run(const VerifyOptions& o) {
  const StopOnSignal stop;
  const bool root = is_root_rank();
  ProgressLine line(root);
  try {
    const model::Network network = load_model(o.model);
    const spec::Property property = spec::read_vnnlib(o.property);
    verify::Settings settings;
    settings.timeout_seconds = o.timeout;
    settings.threads = o.threads;
    settings.splitting = parse_splitting(o.splitting);
    settings.stop = stop.flag();
    settings.ranks = job_ranks();
    if (line.shown()) {
      line.update([] { return std::string("verify: looking for a counterexample"); });
      settings.progress = [&](const verify::Progress& p) { line.update([&] { return "verify: " + describe(p, o.timeout); }); };
    }
    const verify::Outcome outcome = verify::verify(network, property, settings);
    line.clear();
    if (!root) return;
    if (!o.result.empty()) spec::write_result(result_file(outcome), o.result);
    print(outcome, o.json, o.quiet);
    if (stop.raised()) StopOnSignal::report("verdict " + std::string(verify::verdict_name(outcome.verdict)));
  } catch (const Error&) {
    // A competition harness reads the result file whatever happened: leave "error" there, then
    // report the problem as every command does.
    if (!o.result.empty() && root) {
      try {
        spec::write_result({"error", {}, {}}, o.result);
      } catch (const Error&) {
      }
    }
    throw;
  }
}

}  // namespace

Action register_verify(CLI::App& app) {
  auto o = std::make_shared<VerifyOptions>();
  auto* cmd = app.add_subcommand(
      "verify",
      "Decide a VNN-LIB property: sat (a counterexample exists), unsat (proved), timeout, unknown or error.\n"
      "Every verdict exits 0; a user error (unreadable model or property, sizes that do not match) exits 1,\n"
      "after writing 'error' to the --result file. Ctrl-C or SIGTERM stops the search: the verdict is\n"
      "'timeout' (also in the --result file) and the exit status 130 (SIGINT) or 143 (SIGTERM).");
  cmd->add_option("model", o->model, "ONNX model file")->required();
  cmd->add_option("property", o->property, "VNN-LIB property file (.vnnlib or .vnnlib.gz)")->required();
  cmd->add_option("--timeout", o->timeout, "Seconds before giving up with 'timeout'")
      ->check(positive_number)
      ->capture_default_str();
  cmd->add_option("--result", o->result, "Write the VNN-COMP result file (verdict; witness for sat)");
  cmd->add_option("--threads", o->threads, "Worker threads sharing the sub-problems")
      ->check(thread_count)
      ->capture_default_str();
  cmd->add_option("--splitting", o->splitting, "Branching: input coordinates, unstable ReLUs, or chosen by input size")
      ->check(CLI::IsMember({"auto", "input", "relu"}))
      ->capture_default_str();
  cmd->add_flag("--quiet", o->quiet, "Leave the counterexample out of the printed answer (--result and --json keep it)");
  cmd->add_flag("--json", o->json,
                "Print {\"result\":...,\"seconds\":...,\"subproblems\":...,\"witness\":{\"input\":[...],\"output\":[...]}}");
  return [o] { run(*o); };
}

}  // namespace certnn::cli
