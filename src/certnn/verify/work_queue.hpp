// A last-in-first-out pool of sub-problems shared by worker threads: branch-and-bound pushes the
// children of a sub-problem it could not settle, and the search ends when no sub-problem is left
// and no worker holds one, or when a worker stops it (a counterexample, the deadline or the
// caller's stop). Depth-first order keeps the number of waiting sub-problems near the depth of
// the tree times two.
//
// The contract of `process(task, queue)`: it either pushes the task's two halves, or settles the
// task (proves it, or finds it undecidable and says so to the search), or stops the queue. So a
// task that returns without children while the queue runs is settled, and the queue adds its
// weight 2^−depth to the settled share (verify/dyadic_sum.hpp): what a search spread over several
// processes counts to know that every sub-problem, wherever it went, is done.
#pragma once

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>
#include <utility>
#include <vector>

#include "certnn/verify/dyadic_sum.hpp"

namespace certnn::verify {

template <class Task>
class WorkQueue {
 public:
  struct Entry {
    Task task;
    int depth = 0;  // the root's depth is 0, its halves' 1, ...
  };

  // From a worker: a half of the task it is processing. From elsewhere: a root (depth 0).
  void push(Task task) {
    const int depth = current_.queue == this ? current_.depth + 1 : 0;
    if (current_.queue == this) ++current_.children;
    push(Entry{std::move(task), depth});
  }
  // A sub-problem at a given depth: one received from another process.
  void push(Entry entry) {
    {
      std::lock_guard lock(mutex_);
      tasks_.push_back(std::move(entry));
    }
    ready_.notify_one();
  }
  void stop() {
    {
      std::lock_guard lock(mutex_);
      stopped_ = true;
    }
    ready_.notify_all();
  }
  bool stopped() const {
    std::lock_guard lock(mutex_);
    return stopped_;
  }
  // Tasks waiting or being processed.
  std::size_t open() const {
    std::lock_guard lock(mutex_);
    return tasks_.size() + static_cast<std::size_t>(busy_);
  }
  std::size_t waiting() const {
    std::lock_guard lock(mutex_);
    return tasks_.size();
  }
  // Removes up to `count` of the oldest waiting tasks: the shallowest, so the largest share of
  // the tree (what a work-stealing search gives to an idle process).
  std::vector<Entry> take_oldest(std::size_t count) {
    std::lock_guard lock(mutex_);
    count = std::min(count, tasks_.size());
    std::vector<Entry> taken(std::make_move_iterator(tasks_.begin()),
                             std::make_move_iterator(tasks_.begin() + static_cast<std::ptrdiff_t>(count)));
    tasks_.erase(tasks_.begin(), tasks_.begin() + static_cast<std::ptrdiff_t>(count));
    return taken;
  }
  // The weight settled since the last call.
  DyadicSum take_settled() {
    std::lock_guard lock(mutex_);
    return std::exchange(settled_, DyadicSum{});
  }
  // Workers wait for tasks from elsewhere when none is left, until stop(): a search spread over
  // several processes ends when all of them are done, which no one process can see alone.
  void hold_open() {
    std::lock_guard lock(mutex_);
    held_open_ = true;
  }

  // Calls process(task, *this) on `threads` workers until done; rethrows the first exception a
  // worker raised (after stopping the others). `between`, when given, is called on the calling
  // thread until the workers have ended (it returns after each look; it must stop the queue
  // when a held-open search is over).
  template <class Process, class Between = std::nullptr_t>
  void run(int threads, Process&& process, Between&& between = nullptr) {
    std::vector<std::thread> workers;
    int running = std::max(1, threads);
    for (int t = 0; t < std::max(1, threads); ++t)
      workers.emplace_back([&] {
        try {
          while (auto entry = next()) {
            current_ = Current{this, entry->depth, 0};
            process(std::move(entry->task), *this);
            const int children = current_.children;
            current_ = Current{};
            if (children != 0 && children != 2)
              throw std::logic_error("branch-and-bound: a sub-problem must have 0 or 2 halves");
            finish(children == 0 ? std::optional<int>(entry->depth) : std::nullopt);
          }
        } catch (...) {
          current_ = Current{};
          {
            std::lock_guard lock(mutex_);
            if (!error_) error_ = std::current_exception();
          }
          stop();
        }
        std::lock_guard lock(mutex_);
        --running;
      });
    if constexpr (!std::is_same_v<std::decay_t<Between>, std::nullptr_t>) {
      try {
        for (;;) {
          {
            std::lock_guard lock(mutex_);
            if (running == 0) break;
          }
          between();
        }
      } catch (...) {
        stop();
        for (auto& worker : workers) worker.join();
        throw;
      }
    }
    for (auto& worker : workers) worker.join();
    if (error_) std::rethrow_exception(error_);
  }

 private:
  // The task a worker thread is processing, so that push() knows the depth of its halves.
  struct Current {
    const WorkQueue* queue = nullptr;
    int depth = 0;
    int children = 0;
  };
  static thread_local Current current_;

  std::optional<Entry> next() {
    std::unique_lock lock(mutex_);
    ready_.wait(lock, [&] { return stopped_ || !tasks_.empty() || (busy_ == 0 && !held_open_); });
    if (stopped_ || tasks_.empty()) {
      ready_.notify_all();
      return std::nullopt;
    }
    Entry entry = std::move(tasks_.back());
    tasks_.pop_back();
    ++busy_;
    return entry;
  }
  // A task without halves, finished while the queue runs, is settled (the contract above).
  void finish(std::optional<int> settled_depth) {
    {
      std::lock_guard lock(mutex_);
      --busy_;
      if (settled_depth && !stopped_) settled_.add(*settled_depth);
    }
    ready_.notify_all();
  }

  mutable std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<Entry> tasks_;
  int busy_ = 0;
  bool stopped_ = false, held_open_ = false;
  DyadicSum settled_;
  std::exception_ptr error_;
};

template <class Task>
thread_local typename WorkQueue<Task>::Current WorkQueue<Task>::current_;

}  // namespace certnn::verify
