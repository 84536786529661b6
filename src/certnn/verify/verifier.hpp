// Complete verification of a VNN-LIB property on a network: cheap bounds first, a falsifier for
// counterexamples, then branch-and-bound until every sub-problem is proved, a counterexample is
// found or the time runs out. A `sat` verdict always carries a witness that was re-checked with
// rigorous interval arithmetic on the exact real-arithmetic network (DESIGN §4).
#pragma once

#include <Eigen/Core>
#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "certnn/distributed/communicator.hpp"
#include "certnn/model/network.hpp"
#include "certnn/spec/property.hpp"

namespace certnn::verify {

// As in VNN-COMP: sat means the property's unsafe set is reachable (a counterexample exists),
// unsat means it is not.
enum class Verdict { Sat, Unsat, Timeout, Unknown, Error };
std::string_view verdict_name(Verdict verdict);  // "sat", "unsat", "timeout", "unknown", "error"

// How sub-problems are split: by input coordinates (low-dimensional inputs), by unstable ReLUs,
// or chosen from the input dimension.
enum class Splitting { Automatic, Input, Relu };

// Where a running search stands, for a progress display.
struct Progress {
  std::int64_t subproblems = 0;  // bounded so far
  std::int64_t open = 0;         // waiting or being bounded
  double seconds = 0.0;          // since verify began
};

struct Settings {
  double timeout_seconds = 300.0;
  int threads = 2;                  // worker threads sharing the sub-problem queue
  Splitting splitting = Splitting::Automatic;
  std::int64_t input_split_max_dimension = 16;  // Automatic: input splitting up to this many inputs
  std::uint64_t seed = 0;           // falsifier randomness
  // Raised by the caller (any thread, or a signal handler): the search stops where it would stop
  // at the time limit, and the verdict is timeout.
  const std::atomic<bool>* stop = nullptr;
  // Called during branch-and-bound, by one worker at a time, at most every progress_seconds;
  // it runs on the search's time, so it must be quick.
  std::function<void(const Progress&)> progress;
  double progress_seconds = 0.25;
  // The processes of a job that share this verification (an MPI job's ranks): every rank calls
  // verify with the same network, property and settings, and all return the same verdict, which
  // rank 0 decides (verify/shared_search.hpp); `threads` is per rank. None: this process alone.
  distributed::Communicator* ranks = nullptr;
};

struct Witness {
  Eigen::VectorXd input;   // lies in the violated disjunct's input box
  Eigen::VectorXd output;  // the float64 network output at input
};

struct Statistics {
  std::int64_t subproblems = 0;  // bounded sub-problems (boxes or ReLU-split domains)
  // Over the ranks of a job: the messages of the searches and their bytes (what was exchanged,
  // docs/scaling.md); 0 in one process.
  std::int64_t messages = 0, message_bytes = 0;
};

struct Outcome {
  Verdict verdict = Verdict::Unknown;
  Witness witness;        // set for Sat only
  double seconds = 0.0;
  Statistics statistics;
  std::string message;    // for Error and Unknown, and a Timeout by the stop flag: why
};

// Throws certnn::Error when the property's sizes do not match the network's input and output.
Outcome verify(const model::Network& network, const spec::Property& property, const Settings& settings);

}  // namespace certnn::verify
