// What the two branch-and-bound searches share (verify/branch_and_bound.hpp): the state their
// workers update, and the bookkeeping of which disjuncts a sub-problem has left to prove.
#pragma once

#include <Eigen/Core>
#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <optional>
#include <vector>

#include "certnn/bounds/box.hpp"
#include "certnn/verify/branch_and_bound.hpp"
#include "certnn/verify/deadline.hpp"
#include "certnn/verify/falsifier.hpp"
#include "certnn/verify/problem.hpp"

namespace certnn::verify {

// One flag per disjunct of a group: still to be proved on the sub-problem.
using OpenDisjuncts = std::vector<char>;

// Descent steps from each open sub-problem's candidate counterexamples.
inline constexpr int kCandidateSteps = 10;

// Calls Settings::progress for the searches of one verification: at most once per interval, by
// whichever worker gets there first while no other is reporting.
class ProgressReporter {
 public:
  ProgressReporter(const Settings& settings, Clock::time_point start)
      : report_(settings.progress),
        interval_(std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(settings.progress_seconds))),
        start_(start),
        next_(start) {}

  // The sub-problems of the groups already searched, counted into every later report.
  void add_finished(std::int64_t subproblems) { finished_ += subproblems; }

  template <class Queue>
  void maybe_report(std::int64_t subproblems, const Queue& queue) {
    if (!report_) return;
    std::unique_lock lock(mutex_, std::try_to_lock);
    if (!lock.owns_lock()) return;
    const Clock::time_point now = Clock::now();
    if (now < next_) return;
    next_ = now + interval_;
    report_(Progress{finished_ + subproblems, static_cast<std::int64_t>(queue.open()),
                     std::chrono::duration<double>(now - start_).count()});
  }

 private:
  const std::function<void(const Progress&)>& report_;
  Clock::duration interval_;
  Clock::time_point start_;
  std::mutex mutex_;
  Clock::time_point next_;
  std::int64_t finished_ = 0;
};

// What the workers of one search share: the outcome so far, the sub-problem count, and the
// sampling rounds that go on beside a long search.
class SearchState {
 public:
  // rounds: run between sub-problems when given (input splitting: in a low-dimensional box random
  // points can hit a small counterexample region; in a high-dimensional one they cannot).
  SearchState(const Deadline& deadline, ProgressReporter& progress, SamplingRounds* rounds = nullptr)
      : deadline_(deadline), progress_(progress), rounds_(rounds) {}

  // False once the search is over: the deadline has passed or the caller stopped it (the search
  // stops as timed out), or a sampling round, run here when one is due, found a counterexample.
  template <class Queue>
  bool admit(Queue& queue) {
    if (deadline_.passed()) {
      timed_out_ = true;
      queue.stop();
      return false;
    }
    if (auto witness = rounds_ ? rounds_->maybe_run() : std::nullopt) {
      found(std::move(*witness), queue);
      return false;
    }
    progress_.maybe_report(++subproblems_, queue);
    return true;
  }
  template <class Queue>
  void found(Witness witness, Queue& queue) {
    {
      std::lock_guard lock(mutex_);
      if (!witness_) witness_ = std::move(witness);
    }
    queue.stop();
  }
  void exhausted() { exhausted_ = true; }

  // What a distributed search's exchange reports to the other ranks (verify/shared_search.hpp).
  std::optional<Witness> witness() const {
    std::lock_guard lock(mutex_);
    return witness_;
  }
  bool undecidable() const { return exhausted_; }
  std::int64_t subproblems() const { return subproblems_; }

  SearchResult result() const {
    SearchResult r;
    r.subproblems = subproblems_;
    if (witness_) {
      r.verdict = Verdict::Sat;
      r.witness = witness_;
    } else if (timed_out_) {
      r.verdict = Verdict::Timeout;
    } else {
      r.verdict = exhausted_ ? Verdict::Unknown : Verdict::Unsat;
    }
    return r;
  }

 private:
  Deadline deadline_;
  ProgressReporter& progress_;
  SamplingRounds* rounds_;
  mutable std::mutex mutex_;
  std::optional<Witness> witness_;
  std::atomic<std::int64_t> subproblems_{0};
  std::atomic<bool> timed_out_{false}, exhausted_{false};
};


// The activations branch-and-bound splits at their kink: ReLU, and LeakyReLU with a slope ≤ 1
// (a convex kink).
bool is_relu_like(const model::LayerOp& op);
// The slope of a ReLU-like activation below its kink (0 for ReLU).
double leak_of(const model::LayerOp& op);

// Closes each open disjunct that has a constraint with lower bound above its b (rounded up, so
// the constraint is unsatisfiable on the sub-problem); returns whether one stays open.
// `lower` holds bounds of the constraints and then, when given, of the group's sums.
bool close_proved(const Group& group, const Eigen::VectorXd& lower, OpenDisjuncts& open);

// The constraint to work on: the best-bounded constraint of the open disjunct that is furthest
// from being proved; −1 when no open disjunct has a constraint.
Eigen::Index hardest_constraint(const Group& group, const Eigen::VectorXd& lower, const OpenDisjuncts& open);

// The total remaining gap of the open disjuncts (≤ 0; 0 when all are proved): per disjunct, its
// best margin over its constraints and sums, clipped at 0.
double open_gap(const Group& group, const Eigen::VectorXd& lower, const OpenDisjuncts& open);

// Candidate counterexamples: for each constraint of an open disjunct, the box vertex where its
// linear lower bound is smallest, and the box centre.
Eigen::MatrixXd candidate_points(const Group& group, const bounds::Box& box, const Eigen::MatrixXd& input_coefficients,
                                 const OpenDisjuncts& open);

}  // namespace certnn::verify
