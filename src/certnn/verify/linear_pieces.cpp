#include "certnn/verify/linear_pieces.hpp"

#include <algorithm>

#include "certnn/verify/enclosed_forms.hpp"
#include "certnn/verify/minimax_lp.hpp"
#include "certnn/verify/witness.hpp"

namespace certnn::verify {
namespace {

using Eigen::Index;
using Eigen::MatrixXd;
using Eigen::VectorXd;

// A convex piece of the box: the region with the signs fixed so far recorded as splits (cut or
// ruled out alike), every value up to the input of `node` as enclosed forms, and the cuts as LP
// rows (a ruled-out sign needs no row: the cuts imply it).
struct Piece {
  bounds::Region region;
  std::vector<EnclosedForms> forms;  // per value
  std::size_t node = 0;              // the next node to pass
  SlackRows cuts;
  VectorXd point;  // an input of the piece when one is known (an LP's point), else empty
};

class PieceSearch {
 public:
  PieceSearch(const model::Network& network, const Group& group, const bounds::Box& box, int max_lps)
      : network_(network), group_(group), calculus_(network, box), max_lps_(max_lps) {}

  const FormCalculus& calculus() const { return calculus_; }

  // The disjuncts of `wanted` proved infeasible on every input of the piece.
  OpenDisjuncts prove(Piece piece, OpenDisjuncts wanted) {
    const OpenDisjuncts none(wanted.size(), 0);
    const auto& nodes = network_.nodes();
    for (; piece.node < nodes.size(); ++piece.node) {
      if (lps_ >= max_lps_) return none;
      const model::Node& node = nodes[piece.node];
      if (!is_relu_like(node.op)) {
        std::vector<const EnclosedForms*> operands;
        for (model::ValueId in : node.inputs) operands.push_back(&piece.forms[in]);
        piece.forms[piece.node + 1] = calculus_.affine(piece.node, operands);
        continue;
      }
      const EnclosedForms& z = piece.forms[node.inputs[0]];
      for (Index i = 0; i < z.f.rows(); ++i) {
        const bounds::Box& box = piece.region.values[node.inputs[0]];
        if (box.lower[i] >= 0.0 || box.upper[i] <= 0.0) continue;
        int sign = calculus_.sign_on_box(z, i);
        if (sign == 0) {
          const auto decision = decide_sign(piece, z, i);
          if (decision.sign == 0) {
            if (!decision.cut) return none;  // the LPs find the piece empty, which is not proved
            return cut(std::move(piece), i, decision.sides, std::move(wanted));
          }
          sign = decision.sign;
          if (decision.point.size() > 0) piece.point = decision.point;
        }
        bounds::split_region(piece.region, network_, static_cast<std::int32_t>(piece.node), i, sign);
      }
      const bounds::Box& box = piece.region.values[node.inputs[0]];
      VectorXd slope = VectorXd::Ones(z.f.rows());
      for (Index i = 0; i < slope.size(); ++i)
        if (box.upper[i] <= 0.0) slope[i] = leak_of(node.op);
      piece.forms[piece.node + 1] = calculus_.scale_rows(z, slope);
    }
    OpenDisjuncts proved = none;
    for (std::size_t d = 0; d < wanted.size() && !witness_; ++d)
      if (wanted[d]) proved[d] = leaf_proves(piece, group_.disjuncts[d]);
    return proved;
  }

  std::optional<Witness>& witness() { return witness_; }

 private:
  // The float value of form i at x (a guide for the LPs, not a bound).
  static double value_at(const EnclosedForms& z, Index i, const VectorXd& x) {
    return z.f.row(i).head(x.size()).dot(x) + z.f(i, x.size());
  }

  // A neuron's sign on a piece: proved (±1), or to be cut (both sides feasible, with the LPs'
  // points on them where run), or neither (the LPs call both sides infeasible).
  struct SignDecision {
    int sign = 0;
    bool cut = false;
    std::optional<MinimaxSolution> sides[2];  // z ≥ 0, z ≤ 0
    VectorXd point;                           // an input of the piece on the proved side, if known
  };

  // Is side·z_i ≥ 0 feasible on the piece? The cut rows, then −side·z_i ≤ 0 last.
  std::optional<MinimaxSolution> side_lp(const Piece& piece, const EnclosedForms& z, Index i, double side,
                                         SlackRows& rows) {
    rows = piece.cuts;
    calculus_.append_sign_row(rows, z, i, side);
    ++lps_;
    return solve_minimax(rows.g, rows.h, piece.region.input.lower, piece.region.input.upper);
  }

  SignDecision decide_sign(const Piece& piece, const EnclosedForms& z, Index i) {
    SignDecision decision;
    bool feasible[2];
    SlackRows rows[2];
    for (int s = 0; s < 2; ++s) {
      const double side = s == 0 ? 1.0 : -1.0;
      // A known input of the piece on this side spares the LP.
      if (piece.point.size() > 0 && side * value_at(z, i, piece.point) > 0.0) {
        feasible[s] = true;
        continue;
      }
      decision.sides[s] = side_lp(piece, z, i, side, rows[s]);
      feasible[s] = !decision.sides[s] || decision.sides[s]->value <= 0.0;
    }
    if (feasible[0] && feasible[1]) {
      decision.cut = true;
      return decision;
    }
    // A side the LP calls infeasible is ruled out only if its weights prove it.
    for (int s = 0; s < 2; ++s) {
      if (feasible[s] || !calculus_.farkas_proves(rows[s], decision.sides[s]->weights)) continue;
      decision.sign = s == 0 ? -1 : 1;
      const auto& other = decision.sides[1 - s];
      if (other && other->value <= 0.0) decision.point = other->point;
      return decision;
    }
    decision.cut = feasible[0] || feasible[1];
    return decision;
  }

  // Both signs of neuron i of the current node, each a piece of its own; the second only for
  // what the first proved.
  OpenDisjuncts cut(Piece piece, Index i, const std::optional<MinimaxSolution> (&sides)[2], OpenDisjuncts wanted) {
    const EnclosedForms& z = piece.forms[network_.nodes()[piece.node].inputs[0]];
    for (int s = 0; s < 2; ++s) {
      const int sign = s == 0 ? 1 : -1;
      Piece child = piece;
      bounds::split_region(child.region, network_, static_cast<std::int32_t>(piece.node), i, sign);
      calculus_.append_sign_row(child.cuts, z, i, sign);
      if (sides[s] && sides[s]->value <= 0.0)
        child.point = sides[s]->point;
      else if (piece.point.size() > 0 && sign * value_at(z, i, piece.point) <= 0.0)
        child.point.resize(0);
      wanted = prove(std::move(child), std::move(wanted));
      if (witness_ || std::none_of(wanted.begin(), wanted.end(), [](char w) { return w; }))
        return OpenDisjuncts(wanted.size(), 0);
    }
    return wanted;
  }

  // On a piece with every sign fixed: proved when the LP of the disjunct and the cuts is
  // infeasible and its weights prove it; a feasible LP's point is checked as a counterexample.
  bool leaf_proves(const Piece& piece, const std::vector<Index>& constraints) {
    const Index c = static_cast<Index>(constraints.size());
    MatrixXd a(group_.coefficients.rows(), c);
    VectorXd b(c);
    for (Index k = 0; k < c; ++k) {
      a.col(k) = group_.coefficients.col(constraints[k]);
      b[k] = group_.bound_hi[constraints[k]];
    }
    const SlackRows disjunct = calculus_.constraint_rows(piece.forms[network_.output()], a, b);
    const Index m = c + piece.cuts.g.rows();
    SlackRows rows{MatrixXd(m, network_.input_size()), VectorXd(m), VectorXd(m)};
    rows.g << disjunct.g, piece.cuts.g;
    rows.h << disjunct.h, piece.cuts.h;
    rows.slack << disjunct.slack, piece.cuts.slack;
    ++lps_;
    const auto solution = solve_minimax(rows.g, rows.h, piece.region.input.lower, piece.region.input.upper);
    if (!solution) return false;
    if (solution->value <= 0.0) {
      witness_ = confirm_witness(network_, group_, solution->point);
      return false;
    }
    return calculus_.farkas_proves(rows, solution->weights);
  }

  const model::Network& network_;
  const Group& group_;
  FormCalculus calculus_;
  int max_lps_;
  int lps_ = 0;
  std::optional<Witness> witness_;
};

}  // namespace

std::optional<Witness> decide_by_linear_pieces(const model::Network& network, const bounds::Region& region,
                                               const Group& group, int max_lps, OpenDisjuncts& open) {
  if (region.empty || !FormCalculus::supports(network)) return std::nullopt;
  PieceSearch search(network, group, region.input, max_lps);
  Piece root;
  root.region = region;
  root.forms.resize(network.nodes().size() + 1);
  root.forms[model::kInputValue] = search.calculus().input();
  root.cuts.g.resize(0, network.input_size());
  const OpenDisjuncts proved = search.prove(std::move(root), open);
  if (search.witness()) return std::move(search.witness());
  for (std::size_t d = 0; d < open.size(); ++d)
    if (proved[d]) open[d] = 0;
  return std::nullopt;
}

}  // namespace certnn::verify
