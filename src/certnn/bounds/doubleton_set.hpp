// Doubleton sets (Lohner 1987, as in the CAPD library), the values of the doubleton bound method
// (bounds/doubleton.hpp, after the seed paper "Make Interval Bound Propagation great again",
// strategies 1–3): x = c + C·r0 + B·q, C carrying the input exactly and B·q the accumulated errors.
#pragma once

#include <Eigen/Core>
#include <variant>

#include "certnn/bounds/box.hpp"
#include "certnn/bounds/interval_linear_algebra.hpp"
#include "certnn/bounds/method.hpp"

namespace certnn::bounds {

// The invariant every operation keeps (the soundness contract): for every real input in the
// input box there is one r0 ∈ [−1, 1]^{n0}, shared by every value of the network, such that each
// value v the method holds satisfies
//     v = c + C·r0 + B·q   for some real q in the interval vector `error`
// (exact real arithmetic, the float entries of c, C and B taken as the numbers they are). Neither
// B nor q need be special: any B is sound, the strategies only choose B to keep q small.
struct Doubleton {
  Eigen::VectorXd centre;       // c, n
  Eigen::MatrixXd input_part;   // C, n × n0; unused while input_scale is set
  Eigen::VectorXd input_scale;  // when non-empty, C = diag(input_scale) (the input value itself)
  Eigen::MatrixXd basis;        // B, n × m; unused while identity_basis
  bool identity_basis = true;   // B = I (m = n)
  IntervalVector error;         // q, m
  bool unbounded = false;       // no information: the value may be any real vector of size n

  Eigen::Index size() const { return centre.size(); }
};

// The doubleton that may be any real vector of size n (after an overflow or an infinite input).
Doubleton unbounded_doubleton(Eigen::Index n);

// x0 = mid + diag(rad)·r0 with the box inside [mid − rad, mid + rad] (rad rounded up), B = I,
// q = 0. An infinite end gives the unbounded doubleton; throws certnn::Error for a NaN end or a
// lower end above the upper one.
Doubleton input_doubleton(const Box& box);

// Every value of the set lies in the box: c + B·mid(q) ± (|C|·1 + |B|·rad(q)), rounded outward;
// (−∞, +∞) for an unbounded doubleton.
Box enclosing_box(const Doubleton& x);

// A layer's image before its errors are re-expressed (rebase):
//     y = c + C·r0 + A·q + ε   for some real ε with |ε| ≤ fresh,
// q being the operand's error vector and A the image of its basis: fl(L·B), or the layer's map L
// itself (dense or sparse) when B = I.
struct DoubletonImage {
  Eigen::VectorXd centre;
  Eigen::MatrixXd input_part;
  std::variant<Eigen::MatrixXd, SparseRowMatrix> image;  // A, n × m
  Eigen::Index image_fan_in = 0;                          // non-zeros in a row of A, at most
  IntervalVector error;                                   // q, m
  Eigen::VectorXd fresh;                                  // ≥ 0, n
  bool unbounded = false;

  Eigen::Index size() const { return centre.size(); }
};

// The image of x under y = L·x + β, for one real β_i in offset_i per element: L an n' × n float
// matrix with at most fan_in non-zeros per row (MatrixXd or SparseRowMatrix). The rounding of
// every product and the radius of β are added to `fresh` (interval_linear_algebra.hpp); an error
// vector that is exactly 0 (the input's) is dropped.
template <class Matrix>
DoubletonImage map_affine(const Doubleton& x, const Matrix& map, Eigen::Index fan_in, const IntervalVector& offset);

// The enclosing box of an image, as for a doubleton (with the fresh errors).
Box enclosing_box(const DoubletonImage& y);

// Adds any real perturbation within ±radius (radius ≥ 0) to every value of the image.
void add_fresh_error(DoubletonImage& y, const Eigen::VectorXd& radius);

// [x; y]: the same input symbols, the error vectors side by side, q = [q_x; q_y] with B the block
// diagonal of B_x and B_y. Their joint values lie in the product of the two boxes, so it encloses.
Doubleton stack(const Doubleton& x, const Doubleton& y);

// Re-expresses A·q + ε as B'·q' (the seed paper's strategies):
//   Identity   B' = I, q' = the interval product A·q plus ε (interval arithmetic on the errors);
//   Qr         B' = Q of A's Householder QR factorisation, q' ⊇ Q⁻¹(A·q + ε) by the verified
//              inverse of interval_linear_algebra.hpp;
//   QrPivoted  the same with column-pivoted QR of [A·diag(width q), diag(width ε)] (Lohner: the
//              widest errors' directions first).
// A Q too far from orthogonal for the verified inverse falls back to Identity. A result holding a
// non-finite number becomes the unbounded doubleton.
Doubleton rebase(DoubletonImage&& y, DoubletonStrategy strategy);

// Keeps A as the new basis and the fresh errors as new columns, B' = [A, diag(ε)] and
// q' = [q; [−1, 1]^k] (columns whose error is exactly 0 dropped): exact, no wrapping, but q grows.
Doubleton append_errors(DoubletonImage&& y);

}  // namespace certnn::bounds
