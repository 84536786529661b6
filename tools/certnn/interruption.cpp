#include "interruption.hpp"

#include <csignal>
#include <iostream>

namespace certnn::cli {
namespace {

static_assert(std::atomic<bool>::is_always_lock_free, "the stop flag is set from a signal handler");

std::atomic<bool> stop_requested{false};
volatile std::sig_atomic_t stop_signal = 0;

// Async-signal-safe: it only stores.
extern "C" void request_stop(int signal) {
  stop_signal = signal;
  stop_requested.store(true, std::memory_order_relaxed);
}

}  // namespace

StopOnSignal::StopOnSignal() {
  struct sigaction action {};
  action.sa_handler = request_stop;
  sigemptyset(&action.sa_mask);
  // SA_RESETHAND: a second signal takes the default action and ends the process. SA_RESTART: the
  // work's system calls (file writes) go on rather than fail with EINTR.
  action.sa_flags = SA_RESETHAND | SA_RESTART;
  sigaction(SIGINT, &action, &previous_interrupt_);
  sigaction(SIGTERM, &action, &previous_terminate_);
}

StopOnSignal::~StopOnSignal() {
  sigaction(SIGINT, &previous_interrupt_, nullptr);
  sigaction(SIGTERM, &previous_terminate_, nullptr);
}

const std::atomic<bool>* StopOnSignal::flag() const { return &stop_requested; }

void StopOnSignal::report(const std::string& kept) {
  std::cerr << "certnn: interrupted by " << (stop_signal == SIGTERM ? "SIGTERM" : "SIGINT") << "; " << kept << "\n";
}

int interrupted_exit_status() { return stop_requested.load() ? 128 + static_cast<int>(stop_signal) : 0; }

}  // namespace certnn::cli
