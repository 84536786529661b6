// An exact sum of powers 2^−d: the share of a branch-and-bound tree that is settled. The root
// weighs 1 and each of a sub-problem's two halves half of it, so the leaves weigh 2^−depth and
// the search is complete exactly when the settled leaves sum to 1. Kept as counts per depth with
// carries (two of 2^−d make one of 2^−(d−1)), so no rounding can make an unfinished search look
// finished, however deep the tree.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "certnn/core/bytes.hpp"

namespace certnn::verify {

class DyadicSum {
 public:
  void add(int depth);  // adds 2^−depth; depth ≥ 0
  void add(const DyadicSum& other);
  bool empty() const { return counts_.empty(); }
  bool is_one() const { return counts_.size() == 1 && counts_.begin()->first == 0 && counts_.begin()->second == 1; }
  // Whether the sum exceeds 1: a sub-problem counted twice (a fault of the protocol).
  bool exceeds_one() const;

  void write(ByteWriter& out) const;
  static DyadicSum read(ByteReader& in);

 private:
  void carry(int depth);
  std::map<int, std::uint64_t> counts_;  // depth → count, each count 0 < c < 2 after carrying (depth 0 aside)
};

}  // namespace certnn::verify
