// Affine forms (zonotopes), the values of the affine bound method (bounds/affine.hpp, after the
// seed paper "Make Interval Bound Propagation great again"): x = c + G·ε + [−r, r] with noise
// symbols ε ∈ [−1, 1]^K shared by every value of the network, and the operations on them.
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <span>
#include <vector>

#include "certnn/bounds/box.hpp"
#include "certnn/core/interval.hpp"

namespace certnn::bounds {

// The invariant every operation keeps (the soundness contract): for every real input in the
// input box there is one ε ∈ [−1, 1]^K such that every value v the method holds satisfies
//     |v_i − c_i − Σ_j G_ij ε_j| ≤ r_i     (exact real arithmetic, for every element i),
// where v is the exact real-arithmetic value of the network at that input. The radius r is a
// private error term of each element, shared with nothing; symbols are shared between values.
//
// G is stored in two parts: dense columns for symbols 0..k−1, and a block of fresh symbols
// fresh_first.. (k ≤ fresh_first) that each sit in one row only, as the input's symbols and an
// activation's new symbols do; keeping those sparse saves memory and lets the next linear layer
// treat them as scaled columns of its matrix. Symbols between the two parts have coefficient 0.
struct AffineForm {
  struct FreshSymbol {
    Eigen::Index row = 0;
    double coefficient = 0.0;
  };

  Eigen::VectorXd centre;             // c, n
  Eigen::MatrixXd generators;         // dense part of G, n × k
  Eigen::Index fresh_first = 0;       // number of the first fresh symbol
  std::vector<FreshSymbol> fresh;     // symbol fresh_first + t is fresh[t] (one row)
  Eigen::VectorXd radius;             // r ≥ 0, n
  Eigen::VectorXd magnitude;          // ≥ Σ_j |G_ij| exactly, both parts, n (set by finalize())

  Eigen::Index size() const { return centre.size(); }
  // Symbols numbered at or above this have coefficient 0 in every row.
  Eigen::Index symbols() const {
    return fresh.empty() ? generators.cols() : fresh_first + static_cast<Eigen::Index>(fresh.size());
  }
};

// The symbols in use by all forms of one propagation; fresh symbols are numbered from count on.
struct SymbolCount {
  Eigen::Index count = 0;
};

// One fresh symbol per non-degenerate element: x_i = mid_i + rad_i·ε_i with [lo, hi] ⊆ [mid ± rad]
// exactly. Infinite elements become unbounded rows (c = 0, r = +∞). Throws certnn::Error for a
// NaN or lo > hi.
AffineForm input_form(const Box& box, SymbolCount& symbols);

// Sets magnitude, and turns every row with a NaN or infinite part into the unbounded row
// c = 0, G = 0, r = +∞ (which encloses everything). Every function here returns finalized forms.
void finalize(AffineForm& form);

// G as one dense n × symbols() matrix.
Eigen::MatrixXd dense_generators(const AffineForm& form);
// Moves the fresh symbols into the dense part (same numbers, same values).
void materialize(AffineForm& form);

// magnitude + r, rounded up: |v_i − c_i| ≤ total_radius_i.
Eigen::VectorXd total_radius(const AffineForm& form);
// [c − (Σ|G| + r), c + (Σ|G| + r)], rounded outward.
Box enclosing_box(const AffineForm& form);

// y_i = a_i·x_i + b_i for some real a_i ∈ slope[i] and b_i ∈ offset[i] (one pair per element,
// depending on nothing else). An offset wider than a point becomes a fresh symbol of coefficient
// its half-width when fresh_offsets is set (activations, whose offsets are genuine uncertainty),
// otherwise it goes into r (rounding-sized offsets, as of BatchNorm's factor). Works in place on x
// (pass a form no longer needed by moving it in).
AffineForm apply_elementwise(AffineForm x, std::span<const Interval> slope, std::span<const Interval> offset,
                             bool fresh_offsets, SymbolCount& symbols);

// x + sign·y for sign = ±1, over the symbols of both.
AffineForm add_forms(const AffineForm& x, const AffineForm& y, double sign);

// Row o of the result is row source[o] of x, or the constant `fill` where source[o] < 0.
AffineForm select_rows(const AffineForm& x, const std::vector<std::int64_t>& source, double fill);

// Adds a fresh symbol with coefficient coefficient[i] to every row i where it is positive (the
// row's new term is coefficient[i]·ε with ε fresh), numbered from symbols.count on.
void append_fresh_symbols(AffineForm& form, const Eigen::VectorXd& coefficient, SymbolCount& symbols);

// Turns each radius r_i > tolerance·(Σ_j|G_ij| + |c_i|) into a fresh symbol (r_i·ε with ε fresh,
// r_i = 0), the largest first and at most `capacity` of them. Sound because δ_i ∈ [−r_i, r_i] is
// r_i·ε for ε = δ_i / r_i. Worth it because a radius goes through a linear layer as |W|·r, which
// compounds over layers like interval arithmetic, while a symbol goes through exactly.
void radius_to_symbols(AffineForm& form, double tolerance, SymbolCount& symbols, Eigen::Index capacity);

// Moves the symbols of smallest total |coefficient| over all `forms` into their radii until at
// most `limit` remain, renumbering the rest the same way in every form. Sound because
// |Σ_{j removed} G_ij ε_j| ≤ Σ_{j removed} |G_ij| for any ε; the forms must be every form still in
// use (a form left out would keep symbols under numbers that now mean others).
void consolidate(const std::vector<AffineForm*>& forms, SymbolCount& symbols, Eigen::Index limit);

}  // namespace certnn::bounds
