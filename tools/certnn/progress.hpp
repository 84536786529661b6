// The status line of long commands (verify, suite, evaluate, bounds --sweep): one line on stderr
// redrawn in place at most four times a second, and only when stderr is a terminal, so pipes,
// files and the tests never see it (and only by rank 0 of an MPI job).
#pragma once

#include <chrono>
#include <mutex>
#include <string>

#include "certnn/train/robust_evaluation.hpp"
#include "certnn/verify/verifier.hpp"

namespace certnn::cli {

class ProgressLine {
 public:
  // Shown when stderr is a terminal and `wanted` (false on the ranks of an MPI job other than 0).
  explicit ProgressLine(bool wanted = true);
  ~ProgressLine();  // erases the line
  ProgressLine(const ProgressLine&) = delete;
  ProgressLine& operator=(const ProgressLine&) = delete;

  bool shown() const { return shown_; }

  // Redraws the line with describe() (a callable returning std::string) when the last redraw is a
  // quarter of a second old or more; describe is called only then. Any thread may call it.
  template <class Describe>
  void update(Describe&& describe) {
    if (!shown_) return;
    std::unique_lock lock(mutex_, std::try_to_lock);
    if (!lock.owns_lock()) return;
    const Clock::time_point now = Clock::now();
    if (now < next_) return;
    next_ = now + kInterval;
    draw(describe());
  }

  // Erases the line, so that other output to stderr starts at the margin; the next update draws
  // it again.
  void clear();

 private:
  using Clock = std::chrono::steady_clock;
  static constexpr std::chrono::milliseconds kInterval{250};

  void draw(const std::string& text);  // holding mutex_

  bool shown_;
  bool drawn_ = false;
  std::mutex mutex_;
  Clock::time_point next_{};
};

// "42.0 s", "4 min 07 s", "1 h 02 min".
std::string format_duration(double seconds);

// A running verification: "1234 sub-problems bounded, 56 open, 12.3 s elapsed, 4 min 47 s left".
std::string describe(const verify::Progress& progress, double timeout_seconds);

// A running evaluation: "1234/10000 samples, clean 1100, pgd 900, certified 800".
std::string describe(const train::RobustEvaluation& evaluation);

}  // namespace certnn::cli
