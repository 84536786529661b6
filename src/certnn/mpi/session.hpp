// MPI for the lifetime of a certnn process that an MPI launcher started (mpirun, srun): the job's
// ranks as a distributed::Communicator. A process started without a launcher does not initialise
// MPI at all, so a plain run pays nothing and needs no MPI runtime. Built only where MPI is found
// (CMake's FindMPI); the rest of certnn knows the ranks through distributed/communicator.hpp alone.
#pragma once

#include <memory>

#include "certnn/distributed/communicator.hpp"

namespace certnn::mpi {

class Session {
 public:
  Session(int& argc, char**& argv);
  ~Session();  // MPI_Finalize, when MPI was initialised
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // The job's ranks; null when the process was started without a launcher.
  distributed::Communicator* ranks() { return ranks_.get(); }
  // Ends every rank of the job at once (MPI_Abort): the way out after an error on one rank while
  // the others may be waiting for its messages.
  [[noreturn]] void abort(int status);

 private:
  std::unique_ptr<distributed::Communicator> ranks_;
};

// Whether the environment says an MPI launcher started this process.
bool launched_by_mpi();

}  // namespace certnn::mpi
