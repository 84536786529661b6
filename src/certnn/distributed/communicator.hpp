// The processes of one run that share its work: an MPI job's ranks (certnn/mpi/), or threads of
// one process standing in for them in tests (distributed/local_group.hpp). Ranks are numbered
// 0..size−1; rank 0 reads the options, prints and writes the files. Messages are byte strings
// (core/bytes.hpp) with a tag; between two ranks, messages of one tag arrive in the order they
// were sent. Each communicator is used by one thread at a time.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace certnn::distributed {

inline constexpr int kAnyTag = -1;

struct Message {
  int source = 0;
  int tag = 0;
  std::string bytes;
};

class Communicator {
 public:
  virtual ~Communicator() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  // Returns at once: the message is kept until delivered.
  virtual void send(int destination, int tag, std::string bytes) = 0;
  // A message with the tag (kAnyTag: any) that has arrived, if any.
  virtual std::optional<Message> poll(int tag = kAnyTag) = 0;
  // Waits for a message with the tag. Waiting sleeps between looks, so a rank that waits leaves
  // the cores to the ranks that work (several ranks often share a machine's cores).
  Message wait(int tag = kAnyTag);
};

// Tags of the protocols, one range each, so a protocol never takes another's messages.
namespace tags {
inline constexpr int kGather = 1;
inline constexpr int kBroadcast = 2;
inline constexpr int kSuiteRequest = 10;  // suite: a worker asks for an instance (and reports one)
inline constexpr int kSuiteAssign = 11;
inline constexpr int kSearchSteal = 20;   // verify: the branch-and-bound's exchange (shared_search.cpp), 20..26
inline constexpr int kSearchWork = 21;
inline constexpr int kSearchNoWork = 22;
inline constexpr int kSearchSettled = 23;
inline constexpr int kSearchWitness = 24;
inline constexpr int kSearchFinish = 25;
inline constexpr int kSearchDrain = 26;
}  // namespace tags

// Collective: every rank calls it. At rank 0, every rank's bytes in rank order; elsewhere empty.
std::vector<std::string> gather(Communicator& ranks, std::string bytes);
// Collective: rank 0's bytes, on every rank (the others' argument is ignored).
std::string broadcast(Communicator& ranks, std::string bytes);

}  // namespace certnn::distributed
