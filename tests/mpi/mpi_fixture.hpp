// The fixture of the tests under mpirun: runs the built certnn as a job of several ranks on this
// machine (--oversubscribe: more ranks than cores), as root too (CI runs as root), and as one
// process to compare with.
#pragma once

#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

#include "cli_fixture.hpp"

namespace certnn {

// The lines of `text` that do not start with `prefix`: a printout without its timing line.
inline std::string lines_not_starting_with(const std::string& text, const std::string& prefix) {
  std::istringstream lines(text);
  std::string kept, line;
  while (std::getline(lines, line))
    if (line.rfind(prefix, 0) != 0) kept += line + "\n";
  return kept;
}

class MpiCli : public Cli {
 protected:
  static void SetUpTestSuite() {
    // Open MPI refuses root unless told twice.
    ::setenv("OMPI_ALLOW_RUN_AS_ROOT", "1", 1);
    ::setenv("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1", 1);
  }

  // certnn under `mpirun -np ranks`.
  RunResult run_ranks(int ranks, const std::vector<std::string>& args) const {
    std::vector<std::string> command = {"--oversubscribe", "-np", std::to_string(ranks), CERTNN_CLI};
    command.insert(command.end(), args.begin(), args.end());
    return run_program(CERTNN_MPIEXEC, command);
  }
};

}  // namespace certnn
