#include "certnn/verify/activation_patterns.hpp"

#include <algorithm>
#include <cmath>

#include "certnn/bounds/back_substitution.hpp"
#include "certnn/bounds/relax/activation_lines.hpp"
#include "certnn/model/forward.hpp"
#include "certnn/model/kind_dispatch.hpp"
#include "certnn/verify/minimax_lp.hpp"
#include "certnn/verify/witness.hpp"

namespace certnn::verify {
namespace {

using Eigen::Index;
using Eigen::MatrixXd;
using Eigen::VectorXd;

// The LP's constraint weights are rounded to multiples of 2^-30, so that combining constraints
// with small coefficients (±1 and the like) stays exact (exact_combination checks it).
constexpr double kWeightGrid = 0x1p-30;

// How the pattern LP takes a layer: an affine map passes through exactly, a ReLU-like kink
// becomes an LP variable where it is unstable, and any other non-linear layer leaves the region
// without an LP. Every kind is named here, so a new one is a compile error (model/kind_dispatch.hpp)
// rather than a non-linear layer silently taken for an affine one.
enum class LpRole { Affine, Kink, NoLp };

struct LpRoleOf {
  LpRole operator()(const model::Relu&) const { return LpRole::Kink; }
  // A leak above 1 is not convex below the kink's chord; is_relu_like agrees.
  LpRole operator()(const model::LeakyRelu& l) const { return l.alpha <= 1.0 ? LpRole::Kink : LpRole::NoLp; }
  LpRole operator()(const model::Sigmoid&) const { return LpRole::NoLp; }
  LpRole operator()(const model::Tanh&) const { return LpRole::NoLp; }
  LpRole operator()(const model::Softmax&) const { return LpRole::NoLp; }
  LpRole operator()(const model::MaxPool&) const { return LpRole::NoLp; }
  LpRole operator()(const model::Dense&) const { return LpRole::Affine; }
  LpRole operator()(const model::Conv2d&) const { return LpRole::Affine; }
  LpRole operator()(const model::Reshape&) const { return LpRole::Affine; }
  LpRole operator()(const model::BatchNorm&) const { return LpRole::Affine; }
  LpRole operator()(const model::AddTensors&) const { return LpRole::Affine; }
  LpRole operator()(const model::SubTensors&) const { return LpRole::Affine; }
  LpRole operator()(const model::AddConstant&) const { return LpRole::Affine; }
  LpRole operator()(const model::SubConstant&) const { return LpRole::Affine; }
  LpRole operator()(const model::MulConstant&) const { return LpRole::Affine; }
  LpRole operator()(const model::DivConstant&) const { return LpRole::Affine; }
  LpRole operator()(const model::AveragePool&) const { return LpRole::Affine; }
  LpRole operator()(const model::Pad&) const { return LpRole::Affine; }
};

// Every network value as an affine function of the LP's variables v = (x, a): the input, then
// the outputs a of the unstable unfixed neurons. Stable neurons (fixed ones included: their
// boxes were clipped) pass their pre-activation through exactly.
class AffineForms {
 public:
  // Column layout of a form: the variables, then the constant.
  AffineForms(const model::Network& network, const bounds::Region& region, const std::vector<Neuron>& free)
      : variables_(network.input_size() + static_cast<Index>(free.size())) {
    const auto& nodes = network.nodes();
    values_.resize(nodes.size() + 1);
    values_[0] = MatrixXd::Zero(network.input_size(), variables_ + 1);
    values_[0].leftCols(network.input_size()).setIdentity();
    std::size_t next_free = 0;
    for (std::size_t k = 0; k < nodes.size() && valid_; ++k) {
      const model::Node& node = nodes[k];
      const MatrixXd& z = values_[node.inputs[0]];
      const LpRole role = model::visit_layer(node.op, LpRoleOf{});
      if (role == LpRole::Kink) {
        const bounds::Box& box = region.values[node.inputs[0]];
        MatrixXd out(z.rows(), z.cols());
        for (Index i = 0; i < z.rows(); ++i) {
          if (box.lower[i] >= 0.0) {
            out.row(i) = z.row(i);
          } else if (box.upper[i] <= 0.0) {
            out.row(i) = leak_of(node.op) * z.row(i);
          } else if (next_free < free.size() && free[next_free].node == static_cast<std::int32_t>(k) &&
                     free[next_free].index == i) {
            out.row(i).setZero();
            out(i, network.input_size() + static_cast<Index>(next_free++)) = 1.0;
          } else {
            valid_ = false;  // an unstable neuron outside the list
          }
        }
        values_[k + 1] = std::move(out);
        continue;
      }
      if (role == LpRole::NoLp) {
        valid_ = false;
        break;
      }
      // An affine layer f: the variables' columns map to f(column) − f(0), the constant to f(constant).
      std::vector<const MatrixXd*> operands;
      std::vector<MatrixXd> zeros;
      zeros.reserve(node.inputs.size());
      for (model::ValueId in : node.inputs) {
        operands.push_back(&values_[in]);
        zeros.push_back(MatrixXd::Zero(values_[in].rows(), 1));
      }
      std::vector<const MatrixXd*> zero_operands;
      for (const MatrixXd& zero : zeros) zero_operands.push_back(&zero);
      MatrixXd out = model::apply_layer<double>(node, operands, network);
      const VectorXd at_zero = model::apply_layer<double>(node, zero_operands, network).col(0);
      out.leftCols(variables_).colwise() -= at_zero;
      values_[k + 1] = std::move(out);
    }
  }

  bool valid() const { return valid_; }
  Index variables() const { return variables_; }
  const MatrixXd& value(model::ValueId v) const { return values_[v]; }

 private:
  Index variables_;
  std::vector<MatrixXd> values_;
  bool valid_ = true;
};

// The LP of one disjunct on one node of the search (see the header), its rows in blocks:
// the disjunct's constraints, the fixed neurons' sign rows, then three rows per free neuron:
//   leak·z − a ≤ 0,   z − a ≤ 0,   a − (s·z + c) ≤ 0   (s·z + c the chord above the kink).
struct NodeLp {
  MatrixXd g;
  VectorXd h, lower, upper;
};

class PatternSearch {
 public:
  PatternSearch(const model::Network& network, const Group& group, std::size_t max_unstable, int max_lps)
      : network_(network), group_(group), max_unstable_(max_unstable), max_lps_(max_lps) {}

  // The disjuncts of `wanted` proved infeasible on every input of the region.
  OpenDisjuncts prove(const bounds::Region& region, const std::vector<Neuron>& fixed, OpenDisjuncts wanted) {
    OpenDisjuncts proved(wanted.size(), 0);
    if (region.empty) return wanted;
    if (lps_ >= max_lps_) return proved;
    const auto free = unstable_neurons(network_, region, max_unstable_);
    if (!free) return proved;
    const AffineForms forms(network_, region, *free);
    if (!forms.valid()) return proved;
    const bool leaf = free->empty();
    Neuron next{-1, -1};
    bool any_left = false;
    for (std::size_t d = 0; d < wanted.size(); ++d) {
      if (!wanted[d]) continue;
      const NodeLp lp = node_lp(region, forms, fixed, *free, group_.disjuncts[d]);
      const auto solution = solve_minimax(lp.g, lp.h, lp.lower, lp.upper);
      ++lps_;
      if (!solution) {
        wanted[d] = 0;
        continue;
      }
      // The certificate's back-substitution: a proof where the LP is infeasible, and otherwise,
      // short of a leaf, the coefficients that choose the neuron to fix next.
      const bool branching = !leaf && next.node < 0;
      const auto bound = solution->value > 0.0 || branching
                             ? combined_bound(region, fixed, *free, group_.disjuncts[d], solution->weights, branching)
                             : std::nullopt;
      if (solution->value > 0.0 && bound && bound->proved) {
        proved[d] = 1;
        wanted[d] = 0;
        continue;
      }
      if (leaf) {
        if (solution->value <= 0.0 && !witness_)
          witness_ = confirm_witness(network_, group_, solution->point.head(network_.input_size()));
        wanted[d] = 0;
        continue;
      }
      if (next.node < 0) next = branching_neuron(region, *free, bound ? &bound->coefficients : nullptr);
      any_left = true;
    }
    if (!any_left || witness_) return proved;
    // Both signs of the chosen neuron; the second only for what the first proved.
    std::vector<Neuron> deeper = fixed;
    deeper.push_back(next);
    for (int sign : {+1, -1}) {
      bounds::Region child = region;
      bounds::split_region(child, network_, next.node, next.index, sign);
      wanted = prove(child, deeper, std::move(wanted));
      if (witness_ || std::none_of(wanted.begin(), wanted.end(), [](char w) { return w; })) return proved;
    }
    for (std::size_t d = 0; d < wanted.size(); ++d) proved[d] = proved[d] || wanted[d];
    return proved;
  }

  std::optional<Witness>& witness() { return witness_; }

 private:
  struct CombinedBound {
    bool proved = false;
    std::vector<MatrixXd> coefficients;  // per node, of the activation outputs
  };

  const MatrixXd& pre_activation(const AffineForms& forms, const Neuron& n) const {
    return forms.value(network_.nodes()[static_cast<std::size_t>(n.node)].inputs[0]);
  }

  NodeLp node_lp(const bounds::Region& region, const AffineForms& forms, const std::vector<Neuron>& fixed,
                 const std::vector<Neuron>& free, const std::vector<Index>& constraints) const {
    const Index n = forms.variables(), c = static_cast<Index>(constraints.size());
    const Index f = static_cast<Index>(fixed.size()), u = static_cast<Index>(free.size());
    NodeLp lp{MatrixXd::Zero(c + f + 3 * u, n), VectorXd::Zero(c + f + 3 * u), VectorXd(n), VectorXd(n)};
    const MatrixXd& y = forms.value(network_.output());
    for (Index r = 0; r < c; ++r) {
      const VectorXd a = group_.coefficients.col(constraints[r]);
      lp.g.row(r) = a.transpose() * y.leftCols(n);
      lp.h[r] = group_.bound_hi[constraints[r]] - a.dot(y.col(n));
    }
    for (Index r = 0; r < f; ++r) {
      const Neuron& neuron = fixed[r];
      const double sign = region.splits[static_cast<std::size_t>(neuron.node)][neuron.index];
      const auto z = pre_activation(forms, neuron).row(neuron.index);
      lp.g.row(c + r) = -sign * z.head(n);
      lp.h[c + r] = sign * z[n];
    }
    const Index input = network_.input_size();
    lp.lower.head(input) = region.values[model::kInputValue].lower;
    lp.upper.head(input) = region.values[model::kInputValue].upper;
    for (Index q = 0; q < u; ++q) {
      const Neuron& neuron = free[q];
      const model::Node& node = network_.nodes()[static_cast<std::size_t>(neuron.node)];
      const bounds::Box& box = region.values[node.inputs[0]];
      const double l = box.lower[neuron.index], up = box.upper[neuron.index], leak = leak_of(node.op);
      const bounds::relax::Lines lines = bounds::relax::piecewise_linear_lines(leak, l, up);
      const auto z = pre_activation(forms, neuron).row(neuron.index);
      const Index r = c + f + 3 * q, a = input + q;
      lp.g.row(r) = leak * z.head(n);
      lp.g(r, a) -= 1.0;
      lp.h[r] = -leak * z[n];
      lp.g.row(r + 1) = z.head(n);
      lp.g(r + 1, a) -= 1.0;
      lp.h[r + 1] = -z[n];
      lp.g.row(r + 2) = -lines.upper.slope * z.head(n);
      lp.g(r + 2, a) += 1.0;
      lp.h[r + 2] = lines.upper.slope * z[n] + lines.upper.offset;
      // A box looser than the triangle's, so that its lower rows carry the weights (the slope α).
      lp.lower[a] = std::min(leak * l, 0.0) - 1.0;
      lp.upper[a] = up + 1.0;
    }
    return lp;
  }

  // The back-substitution of the LP's combination: the constraints' weights (on the grid) combine
  // them, the fixed neurons' weights are their β, and each free neuron's lower slope is the
  // weighted mean of its two lower rows' slopes. Proved when its bound clears the combined
  // threshold; nothing when the combination does not round exactly.
  std::optional<CombinedBound> combined_bound(const bounds::Region& region, const std::vector<Neuron>& fixed,
                                              const std::vector<Neuron>& free, const std::vector<Index>& constraints,
                                              const VectorXd& weights, bool keep_coefficients) const {
    const Index c = static_cast<Index>(constraints.size()), f = static_cast<Index>(fixed.size());
    const VectorXd lambda = (weights.head(c) / kWeightGrid).array().round() * kWeightGrid;
    Combination combination{VectorXd::Zero(group_.coefficients.rows()), 0.0};
    if ((lambda.array() > 0.0).any()) {
      auto exact = exact_combination(group_, constraints, lambda);
      if (!exact) return std::nullopt;
      combination = std::move(*exact);
    }
    const auto& nodes = network_.nodes();
    const auto column = [&](std::vector<MatrixXd>& per_node, const Neuron& n) -> double& {
      MatrixXd& m = per_node[static_cast<std::size_t>(n.node)];
      if (m.size() == 0) m = MatrixXd::Zero(network_.size(nodes[static_cast<std::size_t>(n.node)].inputs[0]), 1);
      return m(n.index, 0);
    };
    bounds::RelaxationParameters parameters;
    parameters.beta.resize(nodes.size());
    parameters.lower_slope.resize(nodes.size());
    for (Index i = 0; i < f; ++i) column(parameters.beta, fixed[i]) = weights[c + i];
    for (std::size_t q = 0; q < free.size(); ++q) {
      const Index r = c + f + 3 * static_cast<Index>(q);
      const double leak = leak_of(nodes[static_cast<std::size_t>(free[q].node)].op);
      const double total = weights[r] + weights[r + 1];
      column(parameters.lower_slope, free[q]) = total > 0.0 ? (leak * weights[r] + weights[r + 1]) / total : 1.0;
    }
    bounds::LinearBound bound = bounds::back_substitute(network_, region, network_.output(), combination.coefficients,
                                                        &parameters, keep_coefficients);
    return CombinedBound{bound.lower[0] > combination.bound_hi, std::move(bound.activation_coefficients)};
  }

  // The free neuron with the largest |g|·(−l·u)/(u − l); without coefficients, the first.
  Neuron branching_neuron(const bounds::Region& region, const std::vector<Neuron>& free,
                          const std::vector<MatrixXd>* coefficients) const {
    Neuron best = free.front();
    double best_score = -1.0;
    for (const Neuron& n : free) {
      const auto k = static_cast<std::size_t>(n.node);
      const bounds::Box& z = region.values[network_.nodes()[k].inputs[0]];
      const double l = z.lower[n.index], u = z.upper[n.index];
      const double g = coefficients && coefficients->size() > k && (*coefficients)[k].size() > 0
                           ? std::abs((*coefficients)[k](n.index, 0))
                           : 1.0;
      const double score = g * (-l * u) / (u - l);
      if (score > best_score) {
        best_score = score;
        best = n;
      }
    }
    return best;
  }

  const model::Network& network_;
  const Group& group_;
  std::size_t max_unstable_;
  int max_lps_;
  int lps_ = 0;
  std::optional<Witness> witness_;
};

}  // namespace

std::optional<std::vector<Neuron>> unstable_neurons(const model::Network& network, const bounds::Region& region,
                                                    std::size_t limit) {
  std::vector<Neuron> unstable;
  const auto& nodes = network.nodes();
  for (std::size_t k = 0; k < nodes.size(); ++k) {
    if (!is_relu_like(nodes[k].op)) continue;
    const bounds::Box& z = region.values[nodes[k].inputs[0]];
    const bool has_splits = k < region.splits.size() && region.splits[k].size() > 0;
    for (Index i = 0; i < z.size(); ++i) {
      if (!(z.lower[i] < 0.0 && z.upper[i] > 0.0) || (has_splits && region.splits[k][i] != 0)) continue;
      if (unstable.size() == limit) return std::nullopt;
      unstable.push_back(Neuron{static_cast<std::int32_t>(k), i});
    }
  }
  return unstable;
}

std::optional<Witness> decide_by_patterns(const model::Network& network, const bounds::Region& region,
                                          const Group& group, std::size_t max_unstable, int max_lps,
                                          OpenDisjuncts& open) {
  PatternSearch search(network, group, max_unstable, max_lps);
  const OpenDisjuncts proved = search.prove(region, {}, open);
  if (search.witness()) return std::move(search.witness());
  for (std::size_t d = 0; d < open.size(); ++d)
    if (proved[d]) open[d] = 0;
  return std::nullopt;
}

}  // namespace certnn::verify
