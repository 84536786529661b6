#include "certnn/serve/forward_batcher.hpp"

#include <algorithm>
#include <string>
#include <vector>

#include "certnn/core/error.hpp"
#include "certnn/model/forward.hpp"

namespace certnn::serve {

ForwardBatcher::ForwardBatcher(const model::Network& network, std::int64_t max_inputs, int threads)
    : network_(network), max_inputs_(max_inputs) {
  for (int t = 0; t < threads; ++t) threads_.emplace_back([this] { run(); });
}

ForwardBatcher::~ForwardBatcher() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  queued_.notify_all();
  for (auto& thread : threads_) thread.join();
}

Eigen::MatrixXd ForwardBatcher::forward(const Eigen::MatrixXd& inputs) {
  if (inputs.rows() != network_.input_size())
    throw ShapeError("serve: inputs of " + std::to_string(inputs.rows()) + " values for a model of " +
                     std::to_string(network_.input_size()));
  Pending pending{&inputs, {}, nullptr};
  std::unique_lock lock(mutex_);
  queue_.push_back(&pending);
  queued_.notify_one();
  finished_.wait(lock, [&] { return pending.done; });
  if (pending.error) std::rethrow_exception(pending.error);
  return std::move(pending.scores);
}

ForwardBatcher::Counts ForwardBatcher::counts() const {
  std::lock_guard lock(mutex_);
  return counts_;
}

void ForwardBatcher::run() {
  std::vector<Pending*> taken;
  for (;;) {
    std::unique_lock lock(mutex_);
    queued_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping, and nothing is left to evaluate
    taken.clear();
    Eigen::Index columns = 0;
    do {
      columns += queue_.front()->inputs->cols();
      taken.push_back(queue_.front());
      queue_.pop_front();
    } while (!queue_.empty() && columns + queue_.front()->inputs->cols() <= max_inputs_);
    lock.unlock();

    Eigen::MatrixXd joined(network_.input_size(), columns), scores;
    std::exception_ptr error;
    try {
      Eigen::Index at = 0;
      for (const Pending* p : taken) {
        joined.middleCols(at, p->inputs->cols()) = *p->inputs;
        at += p->inputs->cols();
      }
      scores = model::forward(network_, joined);
    } catch (...) {
      error = std::current_exception();
    }

    lock.lock();
    Eigen::Index at = 0;
    for (Pending* p : taken) {
      if (error) p->error = error;
      else p->scores = scores.middleCols(at, p->inputs->cols());
      at += p->inputs->cols();
      p->done = true;
    }
    ++counts_.passes;
    counts_.inputs += static_cast<std::uint64_t>(columns);
    counts_.largest = std::max<std::int64_t>(counts_.largest, columns);
    lock.unlock();
    finished_.notify_all();
  }
}

}  // namespace certnn::serve
