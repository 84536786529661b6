// A sufficient, rigorous test that a symmetric floating-point matrix is positive definite: a
// floating-point Cholesky factorisation of the matrix shifted down by a bound on the
// factorisation's own rounding error (S. M. Rump, "Verification of positive definiteness",
// BIT Numerical Mathematics 46 (2006) 433–452, Theorem 2.3 and Corollary 2.4).
#pragma once

#include <Eigen/Core>

namespace certnn::stability {

// True only when the real symmetric matrix whose entries are those of the lower triangle of `a`
// (n x n) is positive definite; false when the test cannot tell (an indefinite or nearly
// singular matrix, a non-finite entry). Round-to-nearest arithmetic only.
bool verify_positive_definite(const Eigen::MatrixXd& a);

}  // namespace certnn::stability
