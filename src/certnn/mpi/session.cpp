#include "certnn/mpi/session.hpp"

#include <mpi.h>

#include <cstdlib>
#include <list>
#include <utility>

#include "certnn/core/error.hpp"

namespace certnn::mpi {
namespace {

// MPI_COMM_WORLD's ranks. All calls come from the thread that initialised MPI (MPI_THREAD_FUNNELED):
// certnn's worker threads compute, the main thread talks.
class WorldCommunicator final : public distributed::Communicator {
 public:
  WorldCommunicator() {
    MPI_Comm_dup(MPI_COMM_WORLD, &comm_);
    MPI_Comm_rank(comm_, &rank_);
    MPI_Comm_size(comm_, &size_);
  }
  ~WorldCommunicator() override {
    for (Pending& p : pending_) MPI_Wait(&p.request, MPI_STATUS_IGNORE);
    MPI_Comm_free(&comm_);
  }
  int rank() const override { return rank_; }
  int size() const override { return size_; }

  void send(int destination, int tag, std::string bytes) override {
    if (destination < 0 || destination >= size_) throw Error("send: no rank " + std::to_string(destination));
    if (bytes.size() > static_cast<std::size_t>(INT32_MAX)) throw Error("send: a message over 2 GiB");
    complete_sends();
    Pending& p = pending_.emplace_back(Pending{std::move(bytes), MPI_REQUEST_NULL});
    MPI_Isend(p.bytes.data(), static_cast<int>(p.bytes.size()), MPI_BYTE, destination, tag, comm_, &p.request);
  }

  std::optional<distributed::Message> poll(int tag) override {
    complete_sends();
    int arrived = 0;
    MPI_Status status;
    MPI_Iprobe(MPI_ANY_SOURCE, tag == distributed::kAnyTag ? MPI_ANY_TAG : tag, comm_, &arrived, &status);
    if (!arrived) return std::nullopt;
    int size = 0;
    MPI_Get_count(&status, MPI_BYTE, &size);
    distributed::Message message{status.MPI_SOURCE, status.MPI_TAG, std::string(static_cast<std::size_t>(size), '\0')};
    MPI_Recv(message.bytes.data(), size, MPI_BYTE, status.MPI_SOURCE, status.MPI_TAG, comm_, MPI_STATUS_IGNORE);
    return message;
  }

 private:
  struct Pending {
    std::string bytes;
    MPI_Request request;
  };
  // Frees the buffers of sends that have completed.
  void complete_sends() {
    for (auto p = pending_.begin(); p != pending_.end();) {
      int done = 0;
      MPI_Test(&p->request, &done, MPI_STATUS_IGNORE);
      p = done ? pending_.erase(p) : std::next(p);
    }
  }

  MPI_Comm comm_ = MPI_COMM_NULL;
  int rank_ = 0, size_ = 1;
  std::list<Pending> pending_;  // a list: MPI holds pointers into the buffers until the send completes
};

}  // namespace

bool launched_by_mpi() {
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE", "MPI_LOCALNRANKS"})
    if (std::getenv(name)) return true;
  return false;
}

Session::Session(int& argc, char**& argv) {
  if (!launched_by_mpi()) return;
  int provided = 0;
  MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
  ranks_ = std::make_unique<WorldCommunicator>();
}

Session::~Session() {
  if (!ranks_) return;
  ranks_.reset();
  MPI_Finalize();
}

void Session::abort(int status) {
  if (ranks_) MPI_Abort(MPI_COMM_WORLD, status);
  std::exit(status);
}

}  // namespace certnn::mpi
