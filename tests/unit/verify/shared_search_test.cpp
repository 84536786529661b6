// The branch-and-bound spread over ranks (verify/shared_search.hpp), with ranks as threads of one
// process (distributed::LocalGroup): the same verdicts as one process with either branching, and
// the rule that makes it sound, that unsat needs every share of the tree settled somewhere: a rank
// that takes work and loses it turns the answer into a timeout, never unsat; and the end of a
// search survives messages of two senders arriving in either order.
#include "certnn/verify/shared_search.hpp"

#include <gtest/gtest.h>

#include <cctype>
#include <filesystem>
#include <future>
#include <thread>

#include "certnn/bounds/slope_optimisation.hpp"
#include "certnn/distributed/local_group.hpp"
#include "certnn/onnx/importer.hpp"
#include "certnn/spec/vnnlib.hpp"
#include "certnn/core/error.hpp"
#include "certnn/verify/problem.hpp"
#include "certnn/verify/task_codec.hpp"
#include "certnn/verify/verifier.hpp"
#include "certnn/verify/witness.hpp"

namespace certnn::verify {
namespace {

struct Instance {
  model::Network network;
  spec::Property property;
};

Instance load(const std::string& benchmark, const std::string& network, const std::string& property) {
  const std::filesystem::path root = std::filesystem::path(CERTNN_BENCHMARKS_DIR) / benchmark;
  return {onnx::import_model((root / "onnx" / (network + ".onnx")).string()),
          spec::read_vnnlib((root / "vnnlib" / (property + ".vnnlib.gz")).string())};
}

Instance acasxu(const std::string& network, const std::string& property) {
  return load("acasxu", "ACASXU_run2a_" + network + "_batch_2000", property);
}

Settings settings_for(Splitting splitting, double timeout = 60) {
  Settings s;
  s.timeout_seconds = timeout;
  s.threads = 1;
  s.splitting = splitting;
  return s;
}

// Every rank of a group of `size` threads verifies; the outcomes in rank order.
std::vector<Outcome> verify_on_ranks(const Instance& instance, Settings settings, int size) {
  distributed::LocalGroup group(size);
  std::vector<std::future<Outcome>> ranks;
  for (int r = 0; r < size; ++r)
    ranks.push_back(std::async(std::launch::async, [&, r, settings]() mutable {
      settings.ranks = &group.rank(r);
      return verify(instance.network, instance.property, settings);
    }));
  std::vector<Outcome> outcomes;
  for (auto& rank : ranks) outcomes.push_back(rank.get());
  return outcomes;
}

struct Case {
  const char* benchmark;
  const char* network;
  const char* property;
  Splitting splitting;
  Verdict expected;
};

class SharedSearch : public ::testing::TestWithParam<Case> {};

TEST_P(SharedSearch, EveryRankReturnsTheVerdictOfOneProcess) {
  const Case c = GetParam();
  const Instance instance = load(c.benchmark, c.network, c.property);
  const Outcome alone = verify(instance.network, instance.property, settings_for(c.splitting));
  ASSERT_EQ(alone.verdict, c.expected);
  const std::vector<Outcome> outcomes = verify_on_ranks(instance, settings_for(c.splitting), 3);
  for (const Outcome& outcome : outcomes) {
    EXPECT_EQ(outcome.verdict, c.expected);
    if (c.expected == Verdict::Sat) {
      ASSERT_EQ(outcome.witness.input.size(), instance.property.input_count);
      bool confirmed = false;
      for (const Group& g : group_disjuncts(instance.property))
        confirmed = confirmed || confirm_witness(instance.network, g, outcome.witness.input).has_value();
      EXPECT_TRUE(confirmed);
    }
  }
  // Rank 0 counts the sub-problems of all ranks.
  EXPECT_GT(outcomes[0].statistics.subproblems, 0);
}

// Input splitting on ACAS Xu, ReLU splitting on an MNIST network (the two searches' own tasks
// travel between the ranks).
INSTANTIATE_TEST_SUITE_P(
    Benchmarks, SharedSearch,
    ::testing::Values(Case{"acasxu", "ACASXU_run2a_1_1_batch_2000", "prop_1", Splitting::Input, Verdict::Unsat},
                      Case{"acasxu", "ACASXU_run2a_1_4_batch_2000", "prop_1", Splitting::Input, Verdict::Unsat},
                      Case{"acasxu", "ACASXU_run2a_1_2_batch_2000", "prop_2", Splitting::Input, Verdict::Sat},
                      Case{"mnist_fc", "mnist-net_256x2", "prop_8_0.03", Splitting::Relu, Verdict::Unsat},
                      Case{"mnist_fc", "mnist-net_256x2", "prop_4_0.03", Splitting::Relu, Verdict::Unsat}),
    [](const auto& info) {
      std::string name = std::string(info.param.network) + "_" + info.param.property;
      for (char& c : name)
        if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
      return name;
    });

// A rank that steals work and drops it (as a rank whose worker died would), while still speaking
// the protocol so the test can end: the tree's settled share never reaches 1.
class LosingPool final : public LocalPool {
 public:
  std::size_t waiting() const override { return 0; }
  bool idle() const override { return !received_; }
  void give(std::size_t, ByteWriter& out) override { out.put(std::uint64_t{0}); }
  void take(ByteReader&) override { received_ = true; }
  DyadicSum take_settled() override { return {}; }
  void stop() override {}
  bool stopped() const override { return false; }
  bool received() const { return received_; }

 private:
  bool received_ = false;
};

TEST(SharedSearchSoundness, AShareThatIsLostMakesATimeoutNeverUnsat) {
  const Instance instance = acasxu("1_4", "prop_1");
  // Alone, one core proves it in about a second; the three ranks get six.
  ASSERT_EQ(verify(instance.network, instance.property, settings_for(Splitting::Input, 300)).verdict, Verdict::Unsat);
  const Settings settings = settings_for(Splitting::Input, 6);
  distributed::LocalGroup group(3);
  std::vector<std::future<Outcome>> honest;
  for (int r = 0; r < 2; ++r)
    honest.push_back(std::async(std::launch::async, [&, r] {
      Settings s = settings;
      s.ranks = &group.rank(r);
      return verify(instance.network, instance.property, s);
    }));
  // Rank 2: takes part in the falsifier's agreement, then steals once and loses what it got.
  distributed::Communicator& thief = group.rank(2);
  ByteWriter nothing_found;
  nothing_found.put(std::uint8_t{0});
  distributed::gather(thief, nothing_found.take());
  distributed::broadcast(thief, {});
  LosingPool pool;
  ProgressReporter progress(settings, Clock::now());
  const Deadline deadline{Clock::now() + std::chrono::seconds(60), nullptr};
  SearchState state(deadline, progress);
  SearchExchange exchange(thief, pool, state, deadline);
  while (!exchange.finished()) exchange.step();
  const SearchResult thief_result = exchange.drain();
  EXPECT_TRUE(pool.received()) << "the thief got no work: the test proves nothing";
  for (auto& rank : honest) EXPECT_EQ(rank.get().verdict, Verdict::Timeout);
  EXPECT_EQ(thief_result.verdict, Verdict::Timeout);
}

// Rank 2's view of a group in which rank 0's verdict arrives after another rank's drain has:
// messages of two senders keep no order between them, and this order once ended a job with "a
// message with tag 26" instead of its verdict.
class VerdictAfterADrain final : public distributed::Communicator {
 public:
  explicit VerdictAfterADrain(distributed::Communicator& inner) : inner_(inner) {}
  int rank() const override { return inner_.rank(); }
  int size() const override { return inner_.size(); }
  void send(int destination, int tag, std::string bytes) override { inner_.send(destination, tag, std::move(bytes)); }
  std::optional<distributed::Message> poll(int tag) override {
    if (drain_seen_) return inner_.poll(tag);
    if (tag != distributed::kAnyTag) return tag == distributed::tags::kSearchFinish ? std::nullopt : take(tag);
    for (int t : {distributed::tags::kGather, distributed::tags::kBroadcast, distributed::tags::kSearchSteal,
                  distributed::tags::kSearchWork, distributed::tags::kSearchNoWork, distributed::tags::kSearchSettled,
                  distributed::tags::kSearchWitness, distributed::tags::kSearchDrain})
      if (auto message = take(t)) return message;
    return std::nullopt;
  }
  bool drain_came_first() const { return drain_seen_; }

 private:
  std::optional<distributed::Message> take(int tag) {
    std::optional<distributed::Message> message = inner_.poll(tag);
    if (message && message->tag == distributed::tags::kSearchDrain) drain_seen_ = true;
    return message;
  }
  distributed::Communicator& inner_;
  bool drain_seen_ = false;
};

TEST(SharedSearchProtocol, AVerdictThatArrivesAfterAPeersDrainIsAwaited) {
  const Instance instance = acasxu("1_1", "prop_1");
  distributed::LocalGroup group(3);
  VerdictAfterADrain late(group.rank(2));
  std::vector<std::future<Outcome>> ranks;
  for (int r = 0; r < 3; ++r)
    ranks.push_back(std::async(std::launch::async, [&, r] {
      Settings s = settings_for(Splitting::Input);
      s.ranks = r == 2 ? static_cast<distributed::Communicator*>(&late) : &group.rank(r);
      return verify(instance.network, instance.property, s);
    }));
  for (auto& rank : ranks) EXPECT_EQ(rank.get().verdict, Verdict::Unsat);
  EXPECT_TRUE(late.drain_came_first());
}

// A ReLU-splitting sub-problem arrives as it was sent: every enclosure, split sign and parameter.
TEST(TaskCodec, ARegionAndItsParametersTravelBitForBit) {
  const Instance instance = load("mnist_fc", "mnist-net_256x2", "prop_6_0.03");
  bounds::Region region = bounds::crown_region(instance.network, group_disjuncts(instance.property)[0].box,
                                               bounds::Inference::Exact);
  for (std::int32_t k = 0; k < static_cast<std::int32_t>(instance.network.nodes().size()); ++k)
    if (is_relu_like(instance.network.nodes()[k].op)) {
      bounds::split_region(region, instance.network, k, 0, +1);
      break;
    }
  const bounds::RelaxationParameters parameters = bounds::initial_parameters(instance.network, region, 3);
  ByteWriter out;
  write_region(out, region);
  write_parameters(out, parameters);
  write_flags(out, {1, 0, 1});
  write_indices(out, {4, 7});
  const std::string bytes = out.take();
  ByteReader in(bytes);
  const bounds::Region back = read_region(in);
  const bounds::RelaxationParameters back_parameters = read_parameters(in);
  EXPECT_EQ(read_flags(in), (std::vector<char>{1, 0, 1}));
  EXPECT_EQ(read_indices(in), (std::vector<Eigen::Index>{4, 7}));
  EXPECT_TRUE(in.done());
  ASSERT_EQ(back.values.size(), region.values.size());
  for (std::size_t v = 0; v < region.values.size(); ++v) {
    EXPECT_EQ(back.values[v].lower, region.values[v].lower);
    EXPECT_EQ(back.values[v].upper, region.values[v].upper);
  }
  ASSERT_EQ(back.splits.size(), region.splits.size());
  for (std::size_t k = 0; k < region.splits.size(); ++k) EXPECT_EQ(back.splits[k], region.splits[k]);
  EXPECT_EQ(back.empty, region.empty);
  EXPECT_EQ(back_parameters.lower_slope, parameters.lower_slope);
  EXPECT_EQ(back_parameters.beta, parameters.beta);
  // A region cut short anywhere is an error.
  ByteWriter region_only;
  write_region(region_only, region);
  const std::size_t region_size = region_only.take().size();
  for (std::size_t cut : {std::size_t{0}, region_size / 3, region_size - 1}) {
    ByteReader short_in(std::string_view(bytes).substr(0, cut));
    EXPECT_THROW(read_region(short_in), Error);
  }
}

}  // namespace
}  // namespace certnn::verify
