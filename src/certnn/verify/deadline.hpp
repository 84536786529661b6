// When a verification must stop: at its time limit, or earlier when the caller raises its stop
// flag (certnn's Ctrl-C). Every place that looks at the time looks at both, so a stop ends the
// search exactly as a timeout does.
#pragma once

#include <atomic>
#include <chrono>

namespace certnn::verify {

using Clock = std::chrono::steady_clock;

struct Deadline {
  Clock::time_point time;
  const std::atomic<bool>* stop = nullptr;  // none: only the time counts

  bool passed() const { return stopped() || Clock::now() >= time; }
  bool stopped() const { return stop && stop->load(std::memory_order_relaxed); }
};

}  // namespace certnn::verify
