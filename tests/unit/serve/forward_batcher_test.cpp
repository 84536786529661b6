#include "certnn/serve/forward_batcher.hpp"

#include <gtest/gtest.h>

#include <random>
#include <thread>
#include <vector>

#include "../attack/attack_test_networks.hpp"
#include "certnn/core/error.hpp"
#include "certnn/model/forward.hpp"
#include "random_seed.hpp"

namespace certnn::serve {
namespace {

using attack::testing::random_mlp;
using attack::testing::uniform;

// Relative agreement of a joined pass with a pass of its own: the products differ only in how
// they are blocked, so by a few roundings of each dot product.
void expect_close(const Eigen::MatrixXd& joined, const Eigen::MatrixXd& alone) {
  ASSERT_EQ(joined.rows(), alone.rows());
  ASSERT_EQ(joined.cols(), alone.cols());
  EXPECT_LE((joined - alone).cwiseAbs().maxCoeff(), 1e-12 * (1.0 + alone.cwiseAbs().maxCoeff()));
}

TEST(ForwardBatcher, ConcurrentRequestsAreJoinedAndEachGetsItsOwnScores) {
  std::mt19937 random = certnn::testing::seeded_generator();
  const model::Network network = random_mlp(random, 64, 256, 10);
  constexpr int kThreads = 16, kRequests = 40;
  std::vector<std::vector<Eigen::MatrixXd>> inputs(kThreads);
  std::uint64_t columns = 0;
  for (auto& per_thread : inputs)
    for (int r = 0; r < kRequests; ++r) {
      per_thread.push_back(uniform(random, 64, 1 + r % 3, 0, 1));
      columns += static_cast<std::uint64_t>(per_thread.back().cols());
    }

  ForwardBatcher batcher(network, 32, 2);
  std::vector<std::vector<Eigen::MatrixXd>> scores(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (const auto& x : inputs[static_cast<std::size_t>(t)]) scores[static_cast<std::size_t>(t)].push_back(batcher.forward(x));
    });
  for (auto& thread : threads) thread.join();

  for (int t = 0; t < kThreads; ++t)
    for (int r = 0; r < kRequests; ++r) {
      const auto& x = inputs[static_cast<std::size_t>(t)][static_cast<std::size_t>(r)];
      expect_close(scores[static_cast<std::size_t>(t)][static_cast<std::size_t>(r)], model::forward(network, x));
    }
  const ForwardBatcher::Counts counts = batcher.counts();
  EXPECT_EQ(counts.inputs, columns);
  // Sixteen threads that always have a request queued cannot all have been served alone.
  EXPECT_LT(counts.passes, static_cast<std::uint64_t>(kThreads * kRequests));
  EXPECT_LE(counts.largest, 32);
}

TEST(ForwardBatcher, ARequestLargerThanTheLimitIsEvaluatedAlone) {
  std::mt19937 random = certnn::testing::seeded_generator();
  const model::Network network = random_mlp(random, 8, 16, 3);
  ForwardBatcher batcher(network, 4, 1);
  const Eigen::MatrixXd x = uniform(random, 8, 9, 0, 1);
  expect_close(batcher.forward(x), model::forward(network, x));
  EXPECT_EQ(batcher.counts().passes, 1u);
  EXPECT_EQ(batcher.counts().largest, 9);
}

TEST(ForwardBatcher, AWrongInputSizeIsRefusedWithoutDisturbingOthers) {
  std::mt19937 random = certnn::testing::seeded_generator();
  const model::Network network = random_mlp(random, 8, 16, 3);
  ForwardBatcher batcher(network, 4, 1);
  EXPECT_THROW(batcher.forward(Eigen::MatrixXd::Zero(7, 1)), ShapeError);
  const Eigen::MatrixXd x = uniform(random, 8, 2, 0, 1);
  expect_close(batcher.forward(x), model::forward(network, x));
  EXPECT_EQ(batcher.counts().passes, 1u);
}

}  // namespace
}  // namespace certnn::serve
