#include "certnn/distributed/communicator.hpp"

#include <chrono>
#include <thread>

namespace certnn::distributed {

Message Communicator::wait(int tag) {
  // Short sleeps: a message is seen within about 0.2 ms, and a waiting rank costs no core.
  for (;;) {
    if (auto message = poll(tag)) return std::move(*message);
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
}

std::vector<std::string> gather(Communicator& ranks, std::string bytes) {
  if (ranks.rank() != 0) {
    ranks.send(0, tags::kGather, std::move(bytes));
    return {};
  }
  std::vector<std::string> all(static_cast<std::size_t>(ranks.size()));
  all[0] = std::move(bytes);
  for (int received = 1; received < ranks.size(); ++received) {
    Message message = ranks.wait(tags::kGather);
    all[static_cast<std::size_t>(message.source)] = std::move(message.bytes);
  }
  return all;
}

std::string broadcast(Communicator& ranks, std::string bytes) {
  if (ranks.rank() != 0) return ranks.wait(tags::kBroadcast).bytes;
  for (int r = 1; r < ranks.size(); ++r) ranks.send(r, tags::kBroadcast, bytes);
  return bytes;
}

}  // namespace certnn::distributed
