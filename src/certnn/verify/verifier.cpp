#include "certnn/verify/verifier.hpp"

#include <algorithm>
#include <string>

#include "certnn/bounds/back_substitution.hpp"
#include "certnn/bounds/refusals.hpp"
#include "certnn/core/bytes.hpp"
#include "certnn/core/error.hpp"
#include "certnn/verify/branch_and_bound.hpp"
#include "certnn/verify/falsifier.hpp"
#include "certnn/verify/problem.hpp"
#include "certnn/verify/search.hpp"
#include "certnn/verify/task_codec.hpp"

namespace certnn::verify {

std::string_view verdict_name(Verdict verdict) {
  switch (verdict) {
    case Verdict::Sat: return "sat";
    case Verdict::Unsat: return "unsat";
    case Verdict::Timeout: return "timeout";
    case Verdict::Unknown: return "unknown";
    case Verdict::Error: return "error";
  }
  return "error";
}

namespace {

// The falsifier over every group. Over several ranks each tries its own random points, and all
// take the first rank's counterexample that any found, so every rank goes on alike.
std::optional<Witness> falsify_all(const model::Network& network, const std::vector<Group>& groups,
                                   FalsifierSettings falsifier, const Deadline& deadline,
                                   distributed::Communicator* ranks) {
  if (ranks) falsifier.seed += static_cast<std::uint64_t>(ranks->rank());
  std::optional<Witness> found;
  for (const Group& group : groups)
    if ((found = falsify(network, group, falsifier, deadline))) break;
  if (!ranks || ranks->size() == 1) return found;
  ByteWriter mine;
  write_witness(mine, found);
  std::string first;
  for (std::string& bytes : distributed::gather(*ranks, mine.take()))
    if (first.empty() && !bytes.empty() && bytes[0] != 0) first = std::move(bytes);
  if (first.empty()) first = std::string(1, '\0');
  const std::string agreed = distributed::broadcast(*ranks, std::move(first));
  ByteReader in(agreed);
  return read_witness(in);
}

}  // namespace

Outcome verify(const model::Network& network, const spec::Property& property, const Settings& settings) {
  const Clock::time_point start = Clock::now();
  // Beyond a century the clock's nanosecond count would overflow: such a limit means no limit.
  constexpr double kLongestTimeout = 3.15e9;
  const double timeout = settings.timeout_seconds > 0.0 ? std::min(settings.timeout_seconds, kLongestTimeout) : 0.0;
  const Deadline deadline{
      start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(timeout)), settings.stop};
  if (property.input_count != network.input_size() || property.output_count != network.output_size())
    throw Error("verify: the property has " + std::to_string(property.input_count) + " inputs and " +
                std::to_string(property.output_count) + " outputs, the network " +
                std::to_string(network.input_size()) + " and " + std::to_string(network.output_size()));
  bounds::refuse_listed_kinds<bounds::BackSubstitutionRejects>("verify", network);
  const std::vector<Group> groups = group_disjuncts(property);
  Outcome outcome;
  const auto finish = [&](Verdict verdict) {
    outcome.verdict = verdict;
    outcome.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    return outcome;
  };

  FalsifierSettings falsifier;
  falsifier.seed = settings.seed;
  if (auto witness = falsify_all(network, groups, falsifier, deadline, settings.ranks)) {
    outcome.witness = std::move(*witness);
    return finish(Verdict::Sat);
  }

  const bool split_inputs =
      settings.splitting == Splitting::Input ||
      (settings.splitting == Splitting::Automatic && network.input_size() <= settings.input_split_max_dimension);
  ProgressReporter progress(settings, start);
  bool undecided = false;
  for (const Group& group : groups) {
    SearchResult result = split_inputs ? input_splitting(network, group, falsifier, settings.threads, deadline, progress, settings.ranks)
                                       : relu_splitting(network, group, settings.threads, deadline, progress, settings.ranks);
    outcome.statistics.subproblems += result.subproblems;
    outcome.statistics.messages += result.messages;
    outcome.statistics.message_bytes += result.message_bytes;
    progress.add_finished(result.subproblems);
    if (result.verdict == Verdict::Sat) {
      outcome.witness = std::move(*result.witness);
      return finish(Verdict::Sat);
    }
    if (result.verdict == Verdict::Timeout) {
      if (deadline.stopped()) outcome.message = "stopped before the time limit";
      return finish(Verdict::Timeout);
    }
    if (result.verdict == Verdict::Unknown) undecided = true;
  }
  if (undecided) outcome.message = "some sub-problems could be neither proved nor split further";
  return finish(undecided ? Verdict::Unknown : Verdict::Unsat);
}

}  // namespace certnn::verify
