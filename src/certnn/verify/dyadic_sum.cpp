#include "certnn/verify/dyadic_sum.hpp"

#include "certnn/core/error.hpp"

namespace certnn::verify {

void DyadicSum::carry(int depth) {
  while (depth > 0) {
    auto entry = counts_.find(depth);
    if (entry == counts_.end() || entry->second < 2) return;
    const std::uint64_t pairs = entry->second / 2;
    entry->second %= 2;
    if (entry->second == 0) counts_.erase(entry);
    counts_[depth - 1] += pairs;
    --depth;
  }
}

void DyadicSum::add(int depth) {
  if (depth < 0) throw Error("DyadicSum: negative depth");
  ++counts_[depth];
  carry(depth);
}

void DyadicSum::add(const DyadicSum& other) {
  // Deepest first, so each carry reaches the shallower depths before they are added.
  for (auto entry = other.counts_.rbegin(); entry != other.counts_.rend(); ++entry) {
    counts_[entry->first] += entry->second;
    carry(entry->first);
  }
}

bool DyadicSum::exceeds_one() const {
  if (counts_.empty()) return false;
  const auto& [depth, count] = *counts_.begin();
  return depth == 0 && (count > 1 || counts_.size() > 1);
}

void DyadicSum::write(ByteWriter& out) const {
  out.put(static_cast<std::uint64_t>(counts_.size()));
  for (const auto& [depth, count] : counts_) {
    out.put(static_cast<std::int32_t>(depth));
    out.put(count);
  }
}

DyadicSum DyadicSum::read(ByteReader& in) {
  DyadicSum sum;
  for (std::size_t n = in.count(12); n > 0; --n) {
    const auto depth = in.get<std::int32_t>();
    const auto count = in.get<std::uint64_t>();
    if (depth < 0) throw Error("message: negative depth in a settled sum");
    sum.counts_[depth] += count;
    sum.carry(depth);
  }
  return sum;
}

}  // namespace certnn::verify
