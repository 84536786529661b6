// Branch-and-bound over one group of disjuncts (verify/problem.hpp). A sub-problem is proved
// when, for each of its open disjuncts, some constraint's lower bound a·y ≥ ℓ exceeds b (no
// input of the sub-problem satisfies it); otherwise its linear bounds point at candidate
// counterexamples (the inputs where they are attained), which are confirmed rigorously, and it
// is split in two.
//   input_splitting  CROWN bounds per box (then a few slope-optimisation steps), halving the box
//                    along the coordinate whose halves come closest to a proof (look-ahead);
//   relu_splitting   fixes the sign of the unstable ReLU with the largest BaBSR-like score
//                    |coefficient|·(−l·u)/(u − l), keeping the parent's intermediate bounds and
//                    optimising slopes and split multipliers per sub-problem (alpha/beta-CROWN).
#pragma once

#include <cstdint>
#include <optional>

#include "certnn/distributed/communicator.hpp"
#include "certnn/model/network.hpp"
#include "certnn/verify/deadline.hpp"
#include "certnn/verify/falsifier.hpp"
#include "certnn/verify/problem.hpp"
#include "certnn/verify/verifier.hpp"

namespace certnn::verify {

class ProgressReporter;  // verify/search.hpp

struct SearchResult {
  Verdict verdict = Verdict::Unknown;  // Unsat (every sub-problem proved), Sat, Timeout or Unknown
  std::optional<Witness> witness;
  std::int64_t subproblems = 0;
  std::int64_t messages = 0, message_bytes = 0;  // between the ranks of a shared search
};

// The falsifier settings serve the sampling rounds run beside a long input-splitting search
// (SamplingRounds).
// ranks: the job's processes that share the search (verify/shared_search.hpp), or none.
SearchResult input_splitting(const model::Network& network, const Group& group, const FalsifierSettings& falsifier,
                             int threads, const Deadline& deadline, ProgressReporter& progress,
                             distributed::Communicator* ranks = nullptr);
SearchResult relu_splitting(const model::Network& network, const Group& group, int threads, const Deadline& deadline,
                            ProgressReporter& progress, distributed::Communicator* ranks = nullptr);

}  // namespace certnn::verify
