// The settled share of a branch-and-bound tree: exactly 1 when, and only when, the leaves of a
// complete tree are summed, whatever the order, the depth or the grouping of the reports.
#include "certnn/verify/dyadic_sum.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "random_seed.hpp"

namespace certnn::verify {
namespace {

// The leaf depths of a random binary tree with `leaves` leaves.
std::vector<int> random_tree(std::mt19937& rng, int leaves) {
  std::vector<int> depths = {0};
  while (static_cast<int>(depths.size()) < leaves) {
    std::uniform_int_distribution<std::size_t> pick(0, depths.size() - 1);
    const std::size_t leaf = pick(rng);
    const int depth = depths[leaf] + 1;
    depths[leaf] = depth;
    depths.push_back(depth);
  }
  return depths;
}

TEST(DyadicSum, TheLeavesOfACompleteTreeSumToExactlyOne) {
  std::mt19937 rng = testing::seeded_generator();
  for (int trial = 0; trial < 50; ++trial) {
    std::vector<int> depths = random_tree(rng, 1 + trial * 7);
    std::shuffle(depths.begin(), depths.end(), rng);
    // Reported by three "ranks" in batches, then added up.
    DyadicSum parts[3], total;
    for (std::size_t i = 0; i < depths.size(); ++i) parts[i % 3].add(depths[i]);
    for (int missing = -1; missing < 3; ++missing) {
      DyadicSum sum;
      for (int p = 0; p < 3; ++p)
        if (p != missing) sum.add(parts[p]);
      if (missing < 0 || parts[missing].empty()) {
        EXPECT_TRUE(sum.is_one());
      } else {
        EXPECT_FALSE(sum.is_one()) << "a lost share still sums to one";
      }
      EXPECT_FALSE(sum.exceeds_one());
    }
  }
}

TEST(DyadicSum, AMissingDeepLeafIsSeenWhereAFloatWouldRoundItAway) {
  // A leaf at depth 80 weighs 2^-80: lost in a double's sum next to 1, kept here.
  DyadicSum sum;
  for (int d = 1; d <= 80; ++d) sum.add(d);  // 1 − 2^−80
  EXPECT_FALSE(sum.is_one());
  sum.add(80);
  EXPECT_TRUE(sum.is_one());
  sum.add(200);
  EXPECT_TRUE(sum.exceeds_one());
}

TEST(DyadicSum, TravelsAsBytes) {
  DyadicSum sum;
  for (int d : {3, 3, 5, 1, 64}) sum.add(d);  // 25/32 + 2^-64
  ByteWriter out;
  sum.write(out);
  const std::string bytes = out.take();
  ByteReader in(bytes);
  DyadicSum back = DyadicSum::read(in);
  EXPECT_TRUE(in.done());
  // The complement, 7/32 − 2^-64 = 2^-3 + 2^-4 + 2^-6 + ... + 2^-64.
  DyadicSum rest;
  rest.add(3);
  rest.add(4);
  for (int d = 6; d <= 63; ++d) rest.add(d);
  back.add(rest);
  EXPECT_FALSE(back.is_one());
  back.add(64);
  EXPECT_TRUE(back.is_one());
}

}  // namespace
}  // namespace certnn::verify
