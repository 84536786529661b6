// Sub-problems as bytes, for a search spread over several processes (verify/shared_search.hpp):
// the boxes of input splitting, and the regions (every value's enclosure and the split signs) and
// relaxation parameters of ReLU splitting; and the counterexamples the processes agree on. A received sub-problem is the one that was sent, bit
// for bit, so its bounds are the ones its sender would have computed.
#pragma once

#include <optional>
#include <vector>

#include "certnn/bounds/back_substitution.hpp"
#include "certnn/bounds/region.hpp"
#include "certnn/core/bytes.hpp"
#include "certnn/verify/verifier.hpp"

namespace certnn::verify {

void write_box(ByteWriter& out, const bounds::Box& box);
bounds::Box read_box(ByteReader& in);

void write_region(ByteWriter& out, const bounds::Region& region);
bounds::Region read_region(ByteReader& in);

void write_parameters(ByteWriter& out, const bounds::RelaxationParameters& parameters);
bounds::RelaxationParameters read_parameters(ByteReader& in);

// Flags (the open disjuncts) and indices (constraint columns).
void write_flags(ByteWriter& out, const std::vector<char>& flags);
std::vector<char> read_flags(ByteReader& in);
void write_indices(ByteWriter& out, const std::vector<Eigen::Index>& indices);
std::vector<Eigen::Index> read_indices(ByteReader& in);

// A counterexample or none (a flag byte first).
void write_witness(ByteWriter& out, const std::optional<Witness>& witness);
std::optional<Witness> read_witness(ByteReader& in);

}  // namespace certnn::verify
