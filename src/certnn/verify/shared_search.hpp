// A branch-and-bound search spread over the ranks of a job (distributed/communicator.hpp) by work
// stealing. Every rank runs the same search with its own worker threads; rank 0 starts with the
// root sub-problem and the others with none. A rank whose pool runs dry asks another rank, drawn
// at random, for work, and a rank asked gives half of its waiting sub-problems, the oldest
// (shallowest) first. Each rank reports the share of the tree it settled (verify/dyadic_sum.hpp); rank 0 ends
// the search for all:
//   sat      when any rank finds a counterexample (checked on the rank that found it);
//   unsat    when the settled shares sum to exactly 1: every sub-problem, wherever it went, was
//            proved. A rank that dies takes its share with it, so the sum never reaches 1 and no
//            rank can answer unsat for it (MPI ends the job);
//   unknown  the same, but some sub-problem could be neither proved nor split;
//   timeout  at rank 0's deadline.
// The search's tasks travel as bytes: each search gives an encoder and a decoder for its own.
// The communicator is used by the calling thread only; the workers never touch it.
#pragma once

#include <functional>
#include <random>
#include <optional>
#include <string>
#include <vector>

#include "certnn/core/bytes.hpp"
#include "certnn/distributed/communicator.hpp"
#include "certnn/verify/branch_and_bound.hpp"
#include "certnn/verify/deadline.hpp"
#include "certnn/verify/search.hpp"
#include "certnn/verify/work_queue.hpp"

namespace certnn::verify {

// What the exchange needs of a rank's own pool of sub-problems.
class LocalPool {
 public:
  virtual ~LocalPool() = default;
  virtual std::size_t waiting() const = 0;
  virtual bool idle() const = 0;  // nothing waiting and nothing being processed
  virtual void give(std::size_t count, ByteWriter& out) = 0;  // up to count oldest tasks; writes how many first
  virtual void take(ByteReader& in) = 0;                       // tasks given by another rank
  virtual DyadicSum take_settled() = 0;
  virtual void stop() = 0;
  virtual bool stopped() const = 0;
};

// The protocol of one search on one rank; step() is called on the communicating thread while the
// workers run, and after they end, until finished().
class SearchExchange {
 public:
  SearchExchange(distributed::Communicator& ranks, LocalPool& pool, const SearchState& state, const Deadline& deadline);
  void step();
  bool finished() const { return finished_; }
  // After finished(): receives every message still on its way, so the next search starts clean.
  // The result is the job's: the verdict rank 0 decided, the witness, and the sub-problems and
  // messages of all ranks.
  SearchResult drain();

 private:
  void handle(distributed::Message message);
  void send(int destination, int tag, std::string bytes);
  void finish(Verdict verdict, std::optional<Witness> witness);

  distributed::Communicator& ranks_;
  LocalPool& pool_;
  const SearchState& state_;
  Deadline deadline_;
  std::vector<std::int64_t> sent_, received_;  // messages per peer, for drain()
  // Drain messages of peers that saw rank 0's verdict before this rank did (messages of two
  // senders keep no order between them); drain() reads them first.
  std::vector<distributed::Message> early_drains_;
  std::int64_t messages_ = 0, bytes_ = 0;      // sent by this rank, for the statistics
  bool asking_ = false;                        // a steal request is out
  Clock::time_point next_ask_;                 // after a refusal, the next request waits a little
  std::mt19937 victims_;                       // draws the rank to ask
  bool witness_sent_ = false, exhausted_sent_ = false;
  DyadicSum unsent_;                           // settled here, not yet reported to rank 0
  Clock::time_point next_report_;
  // Rank 0: the settled share of the whole tree, and what the others found.
  DyadicSum settled_;
  bool exhausted_ = false;
  std::optional<Witness> witness_;
  bool finished_ = false;
  Verdict verdict_ = Verdict::Unknown;
};

// The search's queue run as one rank's share of a distributed search. encode(task, out) and
// decode(in) -> Task carry tasks between ranks; with no ranks (or one), a plain queue.run.
template <class Task, class Process, class Encode, class Decode>
SearchResult run_shared(distributed::Communicator* ranks, WorkQueue<Task>& queue, int threads, Process&& process,
                        SearchState& state, const Deadline& deadline, Encode&& encode, Decode&& decode) {
  if (!ranks || ranks->size() == 1) {
    queue.run(threads, process);
    return state.result();
  }
  class Pool final : public LocalPool {
   public:
    Pool(WorkQueue<Task>& queue, Encode& encode, Decode& decode) : queue_(queue), encode_(encode), decode_(decode) {}
    std::size_t waiting() const override { return queue_.waiting(); }
    bool idle() const override { return queue_.open() == 0; }
    void give(std::size_t count, ByteWriter& out) override {
      auto entries = queue_.take_oldest(count);
      out.put(static_cast<std::uint64_t>(entries.size()));
      for (const auto& entry : entries) {
        out.put(static_cast<std::int32_t>(entry.depth));
        encode_(entry.task, out);
      }
    }
    void take(ByteReader& in) override {
      for (std::size_t n = in.count(4); n > 0; --n) {
        const auto depth = in.get<std::int32_t>();
        queue_.push(typename WorkQueue<Task>::Entry{decode_(in), depth});
      }
    }
    DyadicSum take_settled() override { return queue_.take_settled(); }
    void stop() override { queue_.stop(); }
    bool stopped() const override { return queue_.stopped(); }

   private:
    WorkQueue<Task>& queue_;
    Encode& encode_;
    Decode& decode_;
  } pool(queue, encode, decode);
  SearchExchange exchange(*ranks, pool, state, deadline);
  queue.hold_open();
  queue.run(threads, process, [&] { exchange.step(); });
  while (!exchange.finished()) exchange.step();
  return exchange.drain();
}

}  // namespace certnn::verify
