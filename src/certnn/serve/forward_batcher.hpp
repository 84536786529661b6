// Forward passes of concurrent requests joined into one. A request hands its inputs over and
// waits; a pass thread takes every input queued while it was busy (up to max_inputs) and
// evaluates them with a single model::forward, so a loaded server computes one matrix product per
// layer for many requests, and an idle one adds no waiting: a lone request is evaluated at once.
#pragma once

#include <Eigen/Core>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include "certnn/model/network.hpp"

namespace certnn::serve {

class ForwardBatcher {
 public:
  // max_inputs >= 1: the most columns in one pass; a request with more is evaluated alone.
  // threads >= 1: passes run at once (each joins what is queued when it starts).
  ForwardBatcher(const model::Network& network, std::int64_t max_inputs, int threads);
  ~ForwardBatcher();  // evaluates what is queued, then joins
  ForwardBatcher(const ForwardBatcher&) = delete;
  ForwardBatcher& operator=(const ForwardBatcher&) = delete;

  // Scores of the inputs (input_size x n): model::forward of them within the joined pass, so equal
  // to a pass of their own up to the rounding of a differently blocked matrix product. Rethrows
  // the pass's error (a wrong input size is the caller's to refuse first).
  Eigen::MatrixXd forward(const Eigen::MatrixXd& inputs);

  struct Counts {
    std::uint64_t passes = 0, inputs = 0;
    std::int64_t largest = 0;  // inputs of the largest pass
  };
  Counts counts() const;

 private:
  struct Pending {
    const Eigen::MatrixXd* inputs;
    Eigen::MatrixXd scores;
    std::exception_ptr error;
    bool done = false;
  };
  void run();

  const model::Network& network_;
  const std::int64_t max_inputs_;
  mutable std::mutex mutex_;
  std::condition_variable queued_, finished_;
  std::deque<Pending*> queue_;
  Counts counts_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;  // last: started once the members above exist
};

}  // namespace certnn::serve
