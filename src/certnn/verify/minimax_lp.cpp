#include "certnn/verify/minimax_lp.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

namespace certnn::verify {
namespace {

using Eigen::Index;
using Eigen::MatrixXd;
using Eigen::VectorXd;

// Pivot tolerance: the rows and the box are scaled to unit size, so entries are of order 1.
constexpr double kTolerance = 1e-11;

// A dense simplex tableau for max c·v subject to A v ≤ b, v ≥ 0, one slack per row. The last row
// holds the reduced costs negated (d_j = −c̄_j) and the objective value. Row-major: pivots
// update whole rows.
class Tableau {
 public:
  Tableau(const MatrixXd& a, const VectorXd& b, const VectorXd& c)
      : rows_(a.rows()), columns_(a.cols() + a.rows()), t_(MatrixXd::Zero(rows_ + 1, columns_ + 1)), basis_(rows_) {
    t_.topLeftCorner(rows_, a.cols()) = a;
    t_.block(0, a.cols(), rows_, rows_).setIdentity();
    t_.topRightCorner(rows_, 1) = b;
    t_.bottomLeftCorner(1, a.cols()) = -c.transpose();
    for (Index r = 0; r < rows_; ++r) basis_[r] = a.cols() + r;
  }

  void pivot(Index r, Index j) {
    t_.row(r) /= t_(r, j);
    for (Index i = 0; i <= rows_; ++i)
      if (i != r && t_(i, j) != 0.0) t_.row(i) -= t_(i, j) * t_.row(r);
    basis_[r] = j;
  }

  // Dantzig's rule (the most negative reduced cost), which takes fewer pivots, for the first
  // `dantzig_steps`, then Bland's rule, which cannot cycle, until optimal; false when the
  // iteration budget runs out or a column is unbounded.
  bool optimise(int budget, int dantzig_steps) {
    for (int step = 0; step < budget; ++step) {
      Index entering = -1;
      if (step < dantzig_steps) {
        double most_negative = -kTolerance;
        for (Index j = 0; j < columns_; ++j)
          if (t_(rows_, j) < most_negative) {
            most_negative = t_(rows_, j);
            entering = j;
          }
      } else {
        for (Index j = 0; j < columns_ && entering < 0; ++j)
          if (t_(rows_, j) < -kTolerance) entering = j;
      }
      if (entering < 0) return true;
      Index leaving = -1;
      double best = 0.0;
      for (Index r = 0; r < rows_; ++r) {
        const double a = t_(r, entering);
        if (a <= kTolerance) continue;
        const double ratio = t_(r, columns_) / a;
        if (leaving < 0 || ratio < best - kTolerance || (ratio <= best + kTolerance && basis_[r] < basis_[leaving])) {
          leaving = r;
          best = ratio;
        }
      }
      if (leaving < 0) return false;
      pivot(leaving, entering);
    }
    return false;
  }

  double reduced(Index j) const { return t_(rows_, j); }
  VectorXd solution() const {
    VectorXd v = VectorXd::Zero(columns_);
    for (Index r = 0; r < rows_; ++r) v[basis_[r]] = std::max(t_(r, columns_), 0.0);
    return v;
  }

 private:
  Index rows_, columns_;
  Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> t_;
  std::vector<Index> basis_;
};

}  // namespace

std::optional<MinimaxSolution> solve_minimax(const MatrixXd& g, const VectorXd& h, const VectorXd& lower,
                                             const VectorXd& upper) {
  const Index m = g.rows(), n = g.cols();
  if (m == 0 || h.size() != m || lower.size() != n || upper.size() != n || !g.allFinite() || !h.allFinite() ||
      !lower.allFinite() || !upper.allFinite() || (lower.array() > upper.array()).any())
    return std::nullopt;
  // x = lower + width ⊙ y with y in [0, 1]^n, and every row scaled to unit size: the sign of the
  // optimum and the certificates are unchanged, the tableau's entries are of order 1.
  const VectorXd width = upper - lower;
  MatrixXd a = g * width.asDiagonal();
  VectorXd b = h - g * lower;
  VectorXd scale(m);
  for (Index i = 0; i < m; ++i) {
    scale[i] = std::max(a.row(i).cwiseAbs().maxCoeff(), std::abs(b[i]));
    if (!(scale[i] > 0.0)) scale[i] = 1.0;
    a.row(i) /= scale[i];
    b[i] /= scale[i];
  }
  // Variables y and τ = t + T ≥ 0, with T above −t* (each row's minimum over the box bounds t*
  // from below). Rows: a_i·y − τ ≤ b_i − T, and y_j ≤ 1. Objective: max −τ.
  double shift = 0.0;
  for (Index i = 0; i < m; ++i) shift = std::max(shift, std::abs(b[i]) + a.row(i).cwiseAbs().sum());
  shift += 2.0;
  MatrixXd rows = MatrixXd::Zero(m + n, n + 1);
  VectorXd rhs(m + n);
  rows.topLeftCorner(m, n) = a;
  rows.block(0, n, m, 1).setConstant(-1.0);
  rhs.head(m) = b.array() - shift;
  rows.bottomLeftCorner(n, n).setIdentity();
  rhs.tail(n).setOnes();
  VectorXd objective = VectorXd::Zero(n + 1);
  objective[n] = -1.0;
  Tableau tableau(rows, rhs, objective);
  // Every row i < m starts infeasible (its right side is below −1); τ entering at the most
  // negative one makes the starting basis feasible (Chvátal's auxiliary-variable start).
  Index most_negative = 0;
  for (Index i = 1; i < m; ++i)
    if (rhs[i] < rhs[most_negative]) most_negative = i;
  tableau.pivot(most_negative, n);
  const int size = static_cast<int>(m + 2 * n + 1);
  if (!tableau.optimise(50 * size, 4 * size)) return std::nullopt;

  const VectorXd v = tableau.solution();
  MinimaxSolution solution;
  solution.value = v[n] - shift;
  solution.point = (lower + width.cwiseProduct(v.head(n).cwiseMin(1.0))).cwiseMax(lower).cwiseMin(upper);
  solution.weights.resize(m);
  for (Index i = 0; i < m; ++i) solution.weights[i] = std::max(tableau.reduced(n + 1 + i), 0.0) / scale[i];
  const double total = solution.weights.sum();
  if (!(total > 0.0) || !std::isfinite(total)) return std::nullopt;
  solution.weights /= total;
  return solution;
}

}  // namespace certnn::verify
