// certnn: sound bounds, verification, attacks and stability diagnostics for neural networks.
// Dispatches to one subcommand; every error becomes one line "certnn: ..." on stderr and exit 1.
// (certnn suite exits 2 when an answer contradicts the expected one; long work stopped by Ctrl-C or
// SIGTERM exits 130 or 143, interruption.hpp.) Started by mpirun, suite, verify, evaluate and radius
// share their work among the job's ranks (job.hpp); an error on any rank ends the whole job.
#include <CLI/CLI.hpp>
#include <iostream>
#include <new>
#include <string>
#include <string_view>
#include <vector>

#include "certnn/core/error.hpp"
#include "certnn/core/memory.hpp"
#include "commands.hpp"
#include "interruption.hpp"
#include "job.hpp"
#ifdef CERTNN_WITH_MPI
#include "certnn/mpi/session.hpp"
#endif

namespace {

// The message as one line: text from a model (node names, say) may hold line breaks and other
// control characters, which are written as escapes.
std::string one_line(std::string_view message) {
  std::string line;
  for (const char c : message) {
    if (c == '\n') {
      line += "\\n";
    } else if (c == '\r') {
      line += "\\r";
    } else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      static constexpr char kHex[] = "0123456789abcdef";
      line += "\\x";
      line += kHex[(static_cast<unsigned char>(c) >> 4) & 0xf];
      line += kHex[static_cast<unsigned char>(c) & 0xf];
    } else {
      line += c;
    }
  }
  return line;
}

// One error line, written at once: the ranks of a job share stderr, and their lines must not mix.
void report_error(const std::string& where, const std::string& message) {
  std::cerr << "certnn" + where + ": " + message + "\n" << std::flush;
}

// The commands that run over several ranks of an MPI job.
bool runs_over_ranks(const std::string& command) {
  return command == "suite" || command == "verify" || command == "evaluate" || command == "radius";
}

int run(int argc, char** argv);

}  // namespace

int main(int argc, char** argv) {
#ifdef CERTNN_WITH_MPI
  certnn::mpi::Session mpi(argc, argv);
  certnn::cli::set_job_ranks(mpi.ranks());
  const int status = run(argc, argv);
  // An error on one rank while the others may wait for its messages: the job ends here, loudly.
  if (status == 1 && certnn::cli::job_ranks()) mpi.abort(status);
  return status;
#else
  return run(argc, argv);
#endif
}

namespace {

int run(int argc, char** argv) {
  certnn::reuse_freed_memory();
  CLI::App app{"certnn: sound bounds and verification for neural networks", "certnn"};
  app.set_version_flag("--version", std::string("certnn ") + CERTNN_VERSION);
  app.require_subcommand(1);
  int exit_status = 0;  // set by an action whose outcome is not plain success (certnn suite)
  // In the order of registration: actions[i] belongs to the i-th subcommand.
  const std::vector<certnn::cli::Action> actions = {certnn::cli::register_info(app),
                                                    certnn::cli::register_eval(app),
                                                    certnn::cli::register_bounds(app),
                                                    certnn::cli::register_verify(app),
                                                    certnn::cli::register_attack(app),
                                                    certnn::cli::register_radius(app),
                                                    certnn::cli::register_stability(app),
                                                    certnn::cli::register_data(app),
                                                    certnn::cli::register_train(app),
                                                    certnn::cli::register_evaluate(app),
                                                    certnn::cli::register_weights(app),
                                                    certnn::cli::register_serve(app),
                                                    certnn::cli::register_guard(app),
                                                    certnn::cli::register_methods(app),
                                                    certnn::cli::register_report(app),
                                                    certnn::cli::register_suite(app, exit_status),
                                                    certnn::cli::register_gradcheck(app, exit_status),
                                                    certnn::cli::register_check(app, exit_status)};
  const std::string where = certnn::cli::rank_suffix();
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    report_error(where, one_line(e.what()) + " (see certnn --help)");
    return 1;
  }
  try {
    const auto commands = app.get_subcommands({});
    if (certnn::cli::job_ranks())
      for (const CLI::App* command : commands)
        if (command->parsed() && !runs_over_ranks(command->get_name()))
          throw certnn::Error(command->get_name() +
                              " runs in one process; under mpirun only suite, verify, evaluate and radius share "
                              "their work among the ranks");
    for (std::size_t i = 0; i < actions.size(); ++i)
      if (commands[i]->parsed()) actions[i]();
  } catch (const certnn::Error& e) {
    report_error(where, one_line(e.what()));
    return 1;
  } catch (const std::bad_alloc&) {
    report_error(where, "out of memory");
    return 1;
  } catch (const std::exception& e) {
    report_error(where, "internal error: " + one_line(e.what()));
    return 1;
  }
  if (const int interrupted = certnn::cli::interrupted_exit_status()) return interrupted;
  return exit_status;
}

}  // namespace
