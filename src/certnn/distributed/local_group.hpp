// Ranks as threads of one process: a group of communicators that deliver to each other through
// shared mailboxes. For tests of the distributed protocols without an MPI launcher, and to run
// them under the thread sanitizer.
#pragma once

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <vector>

#include "certnn/distributed/communicator.hpp"

namespace certnn::distributed {

class LocalGroup {
 public:
  explicit LocalGroup(int size);
  ~LocalGroup();
  Communicator& rank(int r);
  int size() const { return static_cast<int>(members_.size()); }

 private:
  class Member;
  struct Mailbox {
    std::mutex mutex;
    std::deque<Message> messages;
  };
  std::vector<std::unique_ptr<Mailbox>> mailboxes_;
  std::vector<std::unique_ptr<Member>> members_;
};

}  // namespace certnn::distributed
