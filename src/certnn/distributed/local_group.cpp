#include "certnn/distributed/local_group.hpp"

#include <algorithm>

#include "certnn/core/error.hpp"

namespace certnn::distributed {

class LocalGroup::Member final : public Communicator {
 public:
  Member(LocalGroup& group, int rank) : group_(group), rank_(rank) {}
  int rank() const override { return rank_; }
  int size() const override { return group_.size(); }

  void send(int destination, int tag, std::string bytes) override {
    if (destination < 0 || destination >= size()) throw Error("send: no rank " + std::to_string(destination));
    Mailbox& box = *group_.mailboxes_[static_cast<std::size_t>(destination)];
    std::lock_guard lock(box.mutex);
    box.messages.push_back(Message{rank_, tag, std::move(bytes)});
  }

  std::optional<Message> poll(int tag) override {
    Mailbox& box = *group_.mailboxes_[static_cast<std::size_t>(rank_)];
    std::lock_guard lock(box.mutex);
    const auto found = std::find_if(box.messages.begin(), box.messages.end(),
                                    [&](const Message& m) { return tag == kAnyTag || m.tag == tag; });
    if (found == box.messages.end()) return std::nullopt;
    Message message = std::move(*found);
    box.messages.erase(found);
    return message;
  }

 private:
  LocalGroup& group_;
  int rank_;
};

LocalGroup::LocalGroup(int size) {
  if (size < 1) throw Error("LocalGroup: at least one rank");
  for (int r = 0; r < size; ++r) {
    mailboxes_.push_back(std::make_unique<Mailbox>());
    members_.push_back(std::make_unique<Member>(*this, r));
  }
}

LocalGroup::~LocalGroup() = default;

Communicator& LocalGroup::rank(int r) { return *members_.at(static_cast<std::size_t>(r)); }

}  // namespace certnn::distributed
