// Long calls release the GIL and honour Ctrl-C. Python runs its signal handlers only on the main
// thread and only when that thread checks for them, so the work runs on a worker thread while the
// calling thread waits without the GIL and, every 50 ms, takes it back to call
// PyErr_CheckSignals. When a handler raises (KeyboardInterrupt for SIGINT), the stop flag the
// work polls is set; once the work has returned, the handler's exception propagates to Python.
#pragma once

#include <pybind11/pybind11.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <optional>
#include <thread>

namespace certnn::python {

// Thrown by a library callback (a training batch, a loop over inputs) that sees the stop flag:
// it only unwinds the work, the Python exception is already set.
struct Stopped {};

// Calls work(stop) on a worker thread and returns its result; call with the GIL held. `work` must
// return soon after `stop` is raised (or throw Stopped).
template <class Work>
auto run_interruptible(Work&& work) -> decltype(work(std::declval<const std::atomic<bool>&>())) {
  namespace py = pybind11;
  using Result = decltype(work(std::declval<const std::atomic<bool>&>()));
  std::atomic<bool> stop{false};
  std::optional<Result> result;
  std::exception_ptr failure;
  std::mutex mutex;
  std::condition_variable finished;
  bool done = false;
  std::thread worker([&] {
    try {
      result.emplace(work(stop));
    } catch (...) {
      failure = std::current_exception();
    }
    const std::lock_guard lock(mutex);
    done = true;
    finished.notify_all();
  });
  bool interrupted = false;
  for (;;) {
    {
      const py::gil_scoped_release release;
      std::unique_lock lock(mutex);
      if (finished.wait_for(lock, std::chrono::milliseconds(50), [&] { return done; })) break;
    }
    if (!interrupted && PyErr_CheckSignals() != 0) {
      interrupted = true;
      stop.store(true);
    }
  }
  {
    const py::gil_scoped_release release;
    worker.join();
  }
  if (interrupted) throw py::error_already_set();
  if (failure) {
    try {
      std::rethrow_exception(failure);
    } catch (const Stopped&) {
      // Only the stop flag throws Stopped, and only an interruption raises the flag.
      throw std::logic_error("certnn: work stopped without an interruption");
    }
  }
  return std::move(*result);
}

}  // namespace certnn::python
