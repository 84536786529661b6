#include "certnn/verify/shared_search.hpp"

#include <chrono>
#include <stdexcept>
#include <thread>

#include "certnn/verify/task_codec.hpp"

namespace certnn::verify {
namespace {

namespace tags = distributed::tags;

// Settled shares are reported to rank 0 at most this often while a rank is busy (and at once when
// it runs dry): rank 0 learns of the end within this time, at a few hundred small messages a second.
constexpr auto kReportInterval = std::chrono::milliseconds(20);
// After a refusal, a rank waits this long before asking again: long enough that a job of many idle
// ranks does not flood the busy ones, short next to a sub-problem's tens of milliseconds.
constexpr auto kAskInterval = std::chrono::microseconds(500);

}  // namespace

SearchExchange::SearchExchange(distributed::Communicator& ranks, LocalPool& pool, const SearchState& state,
                               const Deadline& deadline)
    : ranks_(ranks),
      pool_(pool),
      state_(state),
      deadline_(deadline),
      sent_(static_cast<std::size_t>(ranks.size()), 0),
      received_(static_cast<std::size_t>(ranks.size()), 0),
      next_ask_(Clock::now()),
      victims_(static_cast<std::uint32_t>(ranks.rank())),
      next_report_(Clock::now()) {}

void SearchExchange::send(int destination, int tag, std::string bytes) {
  ++sent_[static_cast<std::size_t>(destination)];
  ++messages_;
  bytes_ += static_cast<std::int64_t>(bytes.size());
  ranks_.send(destination, tag, std::move(bytes));
}

void SearchExchange::finish(Verdict verdict, std::optional<Witness> witness) {
  verdict_ = verdict;
  witness_ = std::move(witness);
  ByteWriter out;
  out.put(static_cast<std::int32_t>(verdict));
  write_witness(out, witness_);
  const std::string bytes = out.take();
  for (int r = 1; r < ranks_.size(); ++r) send(r, tags::kSearchFinish, bytes);
  finished_ = true;
  pool_.stop();
}

void SearchExchange::handle(distributed::Message message) {
  if (message.tag == tags::kSearchDrain) {
    early_drains_.push_back(std::move(message));  // the verdict from rank 0 is on its way
    return;
  }
  ++received_[static_cast<std::size_t>(message.source)];
  ByteReader in(message.bytes);
  switch (message.tag) {
    case tags::kSearchSteal: {
      // Half of what waits here, and nothing once the search is over here.
      const std::size_t waiting = finished_ ? 0 : pool_.waiting();
      if (waiting < 2) {
        send(message.source, tags::kSearchNoWork, {});
      } else {
        ByteWriter out;
        pool_.give(waiting / 2, out);
        send(message.source, tags::kSearchWork, out.take());
      }
      break;
    }
    case tags::kSearchWork:
      asking_ = false;
      if (!finished_) pool_.take(in);
      break;
    case tags::kSearchNoWork:
      asking_ = false;
      next_ask_ = Clock::now() + kAskInterval;
      break;
    case tags::kSearchSettled:
      settled_.add(DyadicSum::read(in));
      exhausted_ = exhausted_ || in.get<std::uint8_t>() != 0;
      break;
    case tags::kSearchWitness:
      if (!witness_) witness_ = read_witness(in);
      break;
    case tags::kSearchFinish:
      verdict_ = static_cast<Verdict>(in.get<std::int32_t>());
      witness_ = read_witness(in);
      finished_ = true;
      pool_.stop();
      break;
    default:
      throw std::logic_error("branch-and-bound exchange: a message with tag " + std::to_string(message.tag));
  }
}

void SearchExchange::step() {
  bool active = false;
  // Up to the end of the search: what follows it (the drain) is drain()'s business.
  while (!finished_) {
    auto message = ranks_.poll();
    if (!message) break;
    handle(std::move(*message));
    active = true;
  }
  if (finished_) return;
  const bool root = ranks_.rank() == 0;
  const bool idle = pool_.idle();

  // What this rank settled or found, to rank 0.
  unsent_.add(pool_.take_settled());
  const bool exhausted = state_.undecidable();
  if (root) {
    settled_.add(std::exchange(unsent_, DyadicSum{}));
    exhausted_ = exhausted_ || exhausted;
    if (!witness_) witness_ = state_.witness();
  } else {
    const Clock::time_point now = Clock::now();
    if ((!unsent_.empty() || (exhausted && !exhausted_sent_)) && (idle || now >= next_report_)) {
      ByteWriter out;
      unsent_.write(out);
      out.put(static_cast<std::uint8_t>(exhausted));
      send(0, tags::kSearchSettled, out.take());
      unsent_ = DyadicSum{};
      exhausted_sent_ = exhausted;
      next_report_ = now + kReportInterval;
      active = true;
    }
    if (!witness_sent_) {
      if (auto witness = state_.witness()) {
        ByteWriter out;
        write_witness(out, witness);
        send(0, tags::kSearchWitness, out.take());
        witness_sent_ = true;
      }
    }
  }

  if (root) {
    if (settled_.exceeds_one()) throw std::logic_error("branch-and-bound exchange: the settled shares exceed the tree");
    if (witness_) {
      finish(Verdict::Sat, witness_);
    } else if (settled_.is_one()) {
      finish(exhausted_ ? Verdict::Unknown : Verdict::Unsat, std::nullopt);
    } else if (deadline_.passed()) {
      finish(Verdict::Timeout, std::nullopt);
    }
    if (finished_) return;
  } else if (deadline_.passed()) {
    pool_.stop();  // rank 0 ends the search at its own deadline
  }

  // Out of work: ask a rank drawn at random (over many ranks, a thief then finds work in a few
  // asks wherever it is, where asking in turn would walk past every idle rank).
  // A rank whose own search has stopped (its deadline, a counterexample) asks no more.
  if (idle && !asking_ && !pool_.stopped() && Clock::now() >= next_ask_) {
    std::uniform_int_distribution<int> other(0, ranks_.size() - 2);
    int victim = other(victims_);
    if (victim >= ranks_.rank()) ++victim;
    send(victim, tags::kSearchSteal, {});
    asking_ = true;
    active = true;
  }
  if (!active) std::this_thread::sleep_for(std::chrono::microseconds(500));
}

SearchResult SearchExchange::drain() {
  const int size = ranks_.size();
  const int me = ranks_.rank();
  for (int r = 0; r < size; ++r) {
    if (r == me) continue;
    ByteWriter out;
    out.put(static_cast<std::int64_t>(sent_[static_cast<std::size_t>(r)]));
    out.put(static_cast<std::int64_t>(state_.subproblems()));
    out.put(messages_);
    out.put(bytes_);
    ranks_.send(r, tags::kSearchDrain, out.take());
  }
  std::vector<std::int64_t> expected(static_cast<std::size_t>(size), -1);
  expected[static_cast<std::size_t>(me)] = 0;
  std::int64_t subproblems = state_.subproblems(), messages = messages_, bytes = bytes_;
  const auto drained = [&] {
    for (int r = 0; r < size; ++r)
      if (r != me && expected[static_cast<std::size_t>(r)] != received_[static_cast<std::size_t>(r)]) return false;
    return true;
  };
  const auto read_drain = [&](const distributed::Message& message) {
    ByteReader in(message.bytes);
    expected[static_cast<std::size_t>(message.source)] = in.get<std::int64_t>();
    subproblems += in.get<std::int64_t>();
    messages += in.get<std::int64_t>();
    bytes += in.get<std::int64_t>();
  };
  for (const distributed::Message& message : early_drains_) read_drain(message);
  early_drains_.clear();
  // Only this protocol's tags: a peer that has drained may already be in the barrier below,
  // whose messages are not this search's.
  const auto next_search_message = [&]() -> std::optional<distributed::Message> {
    for (int tag = tags::kSearchSteal; tag <= tags::kSearchDrain; ++tag)
      if (auto message = ranks_.poll(tag)) return message;
    return std::nullopt;
  };
  while (!drained()) {
    std::optional<distributed::Message> message = next_search_message();
    if (!message) {
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    } else if (message->tag == tags::kSearchDrain) {
      read_drain(*message);
    } else {
      ++received_[static_cast<std::size_t>(message->source)];  // late: a request or a report the end made moot
    }
  }
  // No rank starts its next search before every rank has drained this one: a drain would take
  // the next search's requests for late ones of this search.
  distributed::gather(ranks_, std::string());
  distributed::broadcast(ranks_, std::string());
  SearchResult result;
  result.verdict = verdict_;
  result.witness = witness_;
  result.subproblems = subproblems;
  result.messages = messages;
  result.message_bytes = bytes;
  return result;
}

}  // namespace certnn::verify
