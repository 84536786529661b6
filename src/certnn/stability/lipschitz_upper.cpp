#include "certnn/stability/lipschitz_upper.hpp"

#include <algorithm>
#include <optional>
#include <string>
#include <variant>

#include "certnn/core/error.hpp"
#include "certnn/core/rounding.hpp"
#include "certnn/model/kind_dispatch.hpp"
#include "certnn/stability/linear_operator.hpp"
#include "certnn/stability/spectral_norm.hpp"

namespace certnn::stability {
namespace {

using namespace certnn::model;
namespace r = certnn::rounding;

// How a node's Lipschitz bound follows from its inputs': a ± b moves by at most what a and b
// move together; a one-input layer by its own constant (the layer figure) times its input's.
// Every kind is named, so a new two-input kind cannot be taken for a sum unnoticed.
enum class Composition { SumOfInputs, ScaledInput };

struct CompositionOf {
  Composition operator()(const AddTensors&) const { return Composition::SumOfInputs; }
  Composition operator()(const SubTensors&) const { return Composition::SumOfInputs; }
  Composition operator()(const Dense&) const { return Composition::ScaledInput; }
  Composition operator()(const Conv2d&) const { return Composition::ScaledInput; }
  Composition operator()(const Relu&) const { return Composition::ScaledInput; }
  Composition operator()(const LeakyRelu&) const { return Composition::ScaledInput; }
  Composition operator()(const Sigmoid&) const { return Composition::ScaledInput; }
  Composition operator()(const Tanh&) const { return Composition::ScaledInput; }
  Composition operator()(const Softmax&) const { return Composition::ScaledInput; }
  Composition operator()(const Reshape&) const { return Composition::ScaledInput; }
  Composition operator()(const BatchNorm&) const { return Composition::ScaledInput; }
  Composition operator()(const AddConstant&) const { return Composition::ScaledInput; }
  Composition operator()(const SubConstant&) const { return Composition::ScaledInput; }
  Composition operator()(const MulConstant&) const { return Composition::ScaledInput; }
  Composition operator()(const DivConstant&) const { return Composition::ScaledInput; }
  Composition operator()(const AveragePool&) const { return Composition::ScaledInput; }
  Composition operator()(const MaxPool&) const { return Composition::ScaledInput; }
  Composition operator()(const Pad&) const { return Composition::ScaledInput; }
};

// The node producing a value, unless it is the network's input.
const Node* producer_of(const Network& network, ValueId value) {
  return value == kInputValue ? nullptr : &network.producer(value);
}

// A gradient-step block x − M σ(A x + a) + m (M = the outer Dense's weight, negated when the
// block adds it), σ monotone with 0 ≤ σ' ≤ c. Writing M = s Aᵀ + E (s ≥ 0 the least-squares
// factor, E what is left, rounding included), its Jacobian is I − s AᵀDA − E D A with
// D = diag(σ') ∈ [0, c]. I − s AᵀDA is symmetric with eigenvalues in [1 − s c ‖A‖₂², 1], so the
// block moves by at most max(1, s c ‖A‖₂² − 1) + c ‖E‖₂ ‖A‖₂ times what x moves: 1 for the
// non-expansive blocks of train/stable_blocks.hpp (s = h, h ‖A‖₂² ≤ 2), where the sum rule gives
// 1 + h ‖A‖₂². None when the node is no such block.
struct BlockBound {
  double factor;  // the block's Lipschitz constant as a map of x
  ValueId x;      // the operand the block starts from
};

std::optional<BlockBound> gradient_block_bound(const Network& network, const Node& node,
                                               const std::vector<LayerStability>& layers) {
  const bool subtracts = std::holds_alternative<SubTensors>(node.op);
  if (!subtracts && !std::holds_alternative<AddTensors>(node.op)) return std::nullopt;
  for (const int branch : {1, 0}) {
    if (subtracts && branch == 0) break;  // x − y only: the block must be the subtracted operand
    const ValueId x = node.inputs[1 - branch];
    const Node* outer = producer_of(network, node.inputs[branch]);
    const Node* activation = outer ? producer_of(network, outer->inputs[0]) : nullptr;
    const Node* inner = activation ? producer_of(network, activation->inputs[0]) : nullptr;
    if (!inner || inner->inputs[0] != x) continue;
    const auto* outer_dense = std::get_if<Dense>(&outer->op);
    const auto* inner_dense = std::get_if<Dense>(&inner->op);
    const std::optional<double> ceiling = derivative_ceiling(activation->op);
    if (!outer_dense || !inner_dense || !ceiling || outer_dense->weight.rows() != inner_dense->weight.cols() ||
        outer_dense->weight.cols() != inner_dense->weight.rows())
      continue;
    const Eigen::MatrixXd m = subtracts ? outer_dense->weight : Eigen::MatrixXd(-outer_dense->weight);
    const Eigen::MatrixXd at = inner_dense->weight.transpose();
    const double norm_squared = at.squaredNorm();
    const double s = norm_squared > 0 ? std::max(0.0, (m.array() * at.array()).sum() / norm_squared) : 0.0;
    // ‖E‖₂ ≤ ‖E‖_F, every entry |M_ij − s·Aᵀ_ij| bounded above over the rounding of s·Aᵀ_ij.
    double residue_squared = 0.0;
    for (Eigen::Index i = 0; i < m.rows(); ++i)
      for (Eigen::Index j = 0; j < m.cols(); ++j) {
        const double lo = r::mul_down(s, at(i, j)), hi = r::mul_up(s, at(i, j));
        const double e = std::max(std::abs(r::sub_up(m(i, j), lo)), std::abs(r::sub_down(m(i, j), hi)));
        residue_squared = r::add_up(residue_squared, r::mul_up(e, e));
      }
    const double a_norm = layers[static_cast<std::size_t>(activation->inputs[0] - 1)].upper;  // inner's ‖A‖₂
    const double contraction = r::sub_up(r::mul_up(r::mul_up(s, *ceiling), r::mul_up(a_norm, a_norm)), 1.0);
    const double residue = r::mul_up(r::mul_up(*ceiling, r::sqrt_up(residue_squared)), a_norm);
    if (!std::isfinite(contraction) || !std::isfinite(residue)) continue;
    return BlockBound{r::add_up(std::max(1.0, contraction), residue), x};
  }
  return std::nullopt;
}

}  // namespace

std::optional<LinearOperator> linear_operator_of(const LayerOp& op) {
  if (const auto* dense = std::get_if<Dense>(&op)) return dense_operator(dense->weight);
  if (const auto* conv = std::get_if<Conv2d>(&op)) return convolution_operator(*conv);
  return std::nullopt;
}

std::optional<double> derivative_ceiling(const LayerOp& op) {
  if (std::holds_alternative<Relu>(op) || std::holds_alternative<Tanh>(op)) return 1.0;
  if (std::holds_alternative<Sigmoid>(op)) return 0.25;
  if (const auto* leaky = std::get_if<LeakyRelu>(&op); leaky && leaky->alpha >= 0.0 && leaky->alpha <= 1.0) return 1.0;
  return std::nullopt;
}

LipschitzUpper lipschitz_upper(const Network& network, const std::vector<LayerStability>& layers,
                               const StabilityOptions& options) {
  const auto& nodes = network.nodes();
  if (layers.size() != nodes.size())
    throw Error("lipschitz: " + std::to_string(layers.size()) + " layer figures for " + std::to_string(nodes.size()) +
                " nodes");
  LipschitzUpper out;
  out.value.assign(static_cast<std::size_t>(network.value_count()), 0.0);
  out.value[kInputValue] = 1.0;
  for (std::size_t k = 0; k < nodes.size(); ++k) {
    const Node& node = nodes[k];
    double bound = 0.0;
    if (visit_layer(node.op, CompositionOf{}) == Composition::SumOfInputs) {
      bound = r::add_up(out.value[node.inputs[0]], out.value[node.inputs[1]]);
      if (const auto block = gradient_block_bound(network, node, layers)) {
        const double through_block = r::mul_up(block->factor, out.value[block->x]);
        if (through_block < bound) {
          bound = through_block;
          ++out.tightened;
        }
      }
    } else {
      bound = r::mul_up(layers[k].upper, out.value[node.inputs[0]]);
    }
    // Linear (this node) ← activation ← linear: bound through c ‖|B||A|‖₂.
    const ValueId activation_value = node.inputs[0];
    if (node.inputs.size() == 1 && activation_value != kInputValue) {
      const Node& activation = network.producer(activation_value);
      const ValueId first_value = activation.inputs[0];
      const auto ceiling = derivative_ceiling(activation.op);
      if (ceiling && first_value != kInputValue) {
        const Node& first = network.producer(first_value);
        const auto outer = linear_operator_of(node.op), inner = linear_operator_of(first.op);
        if (outer && inner) {
          const double pair = collatz_upper(compose(absolute(*outer), absolute(*inner), *ceiling),
                                            options.spectral.collatz_iterations);
          const double chained = r::mul_up(pair, out.value[first.inputs[0]]);
          if (chained < bound) {
            bound = chained;
            ++out.tightened;
          }
        }
      }
    }
    out.value[k + 1] = bound;
  }
  out.output = out.value[network.output()];
  return out;
}

}  // namespace certnn::stability
