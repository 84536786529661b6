// Ctrl-C (SIGINT) and SIGTERM during long work (verify, suite, evaluate, bounds --sweep). The first
// signal only raises a flag that the work polls, so it stops at its next check and reports what it
// finished; the handler resets itself to the default as it runs, so a second signal ends the
// process at once. A command stopped this way exits 128 + the signal (130 for SIGINT, 143 for
// SIGTERM), as shells report a process a signal ended.
#pragma once

#include <signal.h>

#include <atomic>
#include <string>

namespace certnn::cli {

// Catches the two signals for as long as it lives.
class StopOnSignal {
 public:
  StopOnSignal();
  ~StopOnSignal();  // restores the handlers it replaced
  StopOnSignal(const StopOnSignal&) = delete;
  StopOnSignal& operator=(const StopOnSignal&) = delete;

  // The flag to hand to the library (verify::Settings::stop, train::RobustEvaluationOptions::stop).
  const std::atomic<bool>* flag() const;
  bool raised() const { return flag()->load(std::memory_order_relaxed); }

  // Writes "certnn: interrupted by SIGINT; <what was kept>" to stderr.
  static void report(const std::string& kept);

 private:
  struct sigaction previous_interrupt_ {};
  struct sigaction previous_terminate_ {};
};

// 128 + the signal that stopped the work, 0 when none did: main's exit status.
int interrupted_exit_status();

}  // namespace certnn::cli
