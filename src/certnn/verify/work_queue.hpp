// A last-in-first-out pool of sub-problems shared by worker threads: branch-and-bound pushes the
// children of a sub-problem it could not settle, and the search ends when no sub-problem is left
// and no worker holds one, or when a worker stops it (a counterexample, the deadline or the caller's stop). Depth-first
// order keeps the number of waiting sub-problems near the depth of the tree times two.
#pragma once

#include <algorithm>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace certnn::verify {

template <class Task>
class WorkQueue {
 public:
  void push(Task task) {
    {
      std::lock_guard lock(mutex_);
      tasks_.push_back(std::move(task));
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

  // Calls process(task, *this) on `threads` workers until done; rethrows the first exception a
  // worker raised (after stopping the others).
  template <class Process>
  void run(int threads, Process&& process) {
    std::vector<std::thread> workers;
    for (int t = 0; t < std::max(1, threads); ++t)
      workers.emplace_back([&] {
        try {
          while (auto task = next()) {
            process(std::move(*task), *this);
            finish();
          }
        } catch (...) {
          {
            std::lock_guard lock(mutex_);
            if (!error_) error_ = std::current_exception();
          }
          stop();
        }
      });
    for (auto& worker : workers) worker.join();
    if (error_) std::rethrow_exception(error_);
  }

 private:
  std::optional<Task> next() {
    std::unique_lock lock(mutex_);
    ready_.wait(lock, [&] { return stopped_ || !tasks_.empty() || busy_ == 0; });
    if (stopped_ || tasks_.empty()) {
      ready_.notify_all();
      return std::nullopt;
    }
    Task task = std::move(tasks_.back());
    tasks_.pop_back();
    ++busy_;
    return task;
  }
  void finish() {
    {
      std::lock_guard lock(mutex_);
      --busy_;
    }
    ready_.notify_all();
  }

  mutable std::mutex mutex_;
  std::condition_variable ready_;
  std::vector<Task> tasks_;
  int busy_ = 0;
  bool stopped_ = false;
  std::exception_ptr error_;
};

}  // namespace certnn::verify
