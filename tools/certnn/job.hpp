// The MPI job a certnn process belongs to when mpirun (or srun) started it; main.cpp sets it. The
// commands that spread their work over the job's ranks (suite, verify, evaluate, radius) take it
// from here; only rank 0 prints and writes files.
#pragma once

#include <string>

#include "certnn/distributed/communicator.hpp"

namespace certnn::cli {

// The job's ranks; null for a process started on its own (or a job of one rank).
distributed::Communicator* job_ranks();
void set_job_ranks(distributed::Communicator* ranks);
// Whether this process prints and writes: rank 0, or a process on its own.
bool is_root_rank();
// "" on its own or at rank 0; " (rank R of N)" elsewhere, for error lines.
std::string rank_suffix();

}  // namespace certnn::cli
