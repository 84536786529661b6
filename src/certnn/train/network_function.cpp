#include "certnn/train/network_function.hpp"

#include "certnn/bounds/relax/activation_lines.hpp"
#include "certnn/core/error.hpp"
#include "certnn/model/kind_dispatch.hpp"
#include "certnn/model/network_walk.hpp"

namespace certnn::train {
namespace {

using namespace certnn::model;
using Eigen::Index;

struct TrainableKind {
  void operator()(const Dense&) const {}
  void operator()(const Conv2d&) const {}
  void operator()(const Relu&) const {}
  void operator()(const Reshape&) const {}
  void operator()(const AddTensors&) const {}
  void operator()(const SubTensors&) const {}
};

// The parameters of one Dense or Conv2d node on the graph: bound blocks as the given variables,
// the node's own parameters as constants. A dense weight bound transposed is applied as
// scale · Vᵀ without forming it.
class NodeParameters {
 public:
  NodeParameters(Graph& graph, const TrainableNetwork& network, std::span<const Var> parameters, std::size_t node)
      : graph_(graph), binding_(network.bindings.at(node)) {
    const LayerOp& op = network.network.nodes()[node].op;
    const auto& [weight, bias] = std::visit(
        [](const auto& layer) -> std::pair<const Eigen::MatrixXd*, const Eigen::VectorXd*> {
          if constexpr (requires { layer.weight; }) {
            return {&layer.weight, &layer.bias};
          } else {
            return {nullptr, nullptr};
          }
        },
        op);
    weight_ = binding_.weight ? parameters[*binding_.weight] : graph.constant(*weight);
    // An unbound zero bias adds nothing: no graph operation for it.
    if (binding_.bias) {
      bias_ = parameters[*binding_.bias];
    } else if (!bias->isZero(0.0)) {
      bias_ = graph.constant(Matrix(*bias));
    }
  }

  bool has_bias() const { return bias_.id >= 0; }
  Var weight() const { return weight_; }
  Var bias() const { return bias_; }

  // W x + b (dense).
  Var apply(Var x) const { return add_bias(product(weight_, x)); }
  // |W| r (dense).
  Var apply_magnitude(Var r) const { return product(graph_.abs(weight_), r, std::abs(binding_.scale)); }
  // Wᵀ λ (dense).
  Var adjoint(Var lambda) const {
    if (binding_.transposed) return graph_.scale(graph_.matmul(weight_, lambda), binding_.scale);
    return graph_.matmul_transposed(weight_, lambda);
  }
  Var add_bias(Var x, Index repeat = 1) const { return has_bias() ? graph_.add_bias(x, bias_, repeat) : x; }

 private:
  Var product(Var weight, Var x) const { return product(weight, x, binding_.scale); }
  Var product(Var weight, Var x, double scale) const {
    if (binding_.transposed) return graph_.scale(graph_.matmul_transposed(weight, x), scale);
    return graph_.matmul(weight, x);
  }

  Graph& graph_;
  const NodeBinding& binding_;
  Var weight_, bias_;
};

Index positions(const Conv2d& c) { return c.window.out_h * c.window.out_w; }

// An interval as centre and radius (radius ≥ 0), rows × batch.
struct IntervalVar {
  Var centre, radius;
};

// Interval arithmetic in centre-radius form: an affine map sends (c, r) to (A c + b, |A| r)
// exactly (the tightest box of the image), ReLU acts on the end points.
struct IntervalStep {
  Graph& graph;
  const TrainableNetwork& network;
  std::span<const Var> p;
  std::size_t node;
  const std::vector<const IntervalVar*>& x;

  NodeParameters parameters() const { return {graph, network, p, node}; }
  IntervalVar operator()(const Dense&) const {
    const NodeParameters n = parameters();
    return {n.apply(x[0]->centre), n.apply_magnitude(x[0]->radius)};
  }
  IntervalVar operator()(const Conv2d& c) const {
    const NodeParameters n = parameters();
    return {n.add_bias(graph.conv2d(n.weight(), x[0]->centre, c.window), positions(c)),
            graph.conv2d(graph.abs(n.weight()), x[0]->radius, c.window)};
  }
  IntervalVar operator()(const Relu&) const {
    const Var lower = graph.relu(graph.sub(x[0]->centre, x[0]->radius));
    const Var upper = graph.relu(graph.add(x[0]->centre, x[0]->radius));
    return {graph.scale(graph.add(upper, lower), 0.5), graph.scale(graph.sub(upper, lower), 0.5)};
  }
  IntervalVar operator()(const Reshape&) const { return *x[0]; }
  IntervalVar operator()(const AddTensors&) const {
    return {graph.add(x[0]->centre, x[1]->centre), graph.add(x[0]->radius, x[1]->radius)};
  }
  IntervalVar operator()(const SubTensors&) const {
    return {graph.sub(x[0]->centre, x[1]->centre), graph.add(x[0]->radius, x[1]->radius)};
  }
};

// Carries Λ (coefficients on a node's output, one column per (sample, specification) pair,
// ordered s · k + j) back to the node's inputs, adding what the node contributes to the bound's
// constant term to `offset` (1 × columns). Upper bounds throughout.
struct BackwardStep {
  Graph& graph;
  const TrainableNetwork& network;
  std::span<const Var> p;
  const std::vector<IntervalVar>& intervals;  // IBP's, per value
  Index specifications;
  std::size_t node;
  Var lambda;
  Var& offset;

  void add_offset(Var v) const { offset = offset.id < 0 ? v : graph.add(offset, v); }
  NodeParameters parameters() const { return {graph, network, p, node}; }

  std::vector<Var> operator()(const Dense&) const {
    const NodeParameters n = parameters();
    if (n.has_bias()) add_offset(graph.matmul_transposed(n.bias(), lambda));
    return {n.adjoint(lambda)};
  }
  std::vector<Var> operator()(const Conv2d& c) const {
    const NodeParameters n = parameters();
    if (n.has_bias()) {
      const Var spread_bias =
          graph.add_bias(graph.constant(Matrix::Zero(graph.value(n.bias()).rows() * positions(c), 1)), n.bias(),
                         positions(c));
      add_offset(graph.matmul_transposed(spread_bias, lambda));
    }
    return {graph.conv2d_transposed(n.weight(), lambda, c.window)};
  }
  // μᵀ relu(h) ≤ (μ⁺ ⊙ a_u + μ⁻ ⊙ a_l)ᵀ h + (μ⁺ ⊙ b_u)ᵀ 1 for h in [l, u]: the chord a_u h + b_u
  // (b_u = −a_u min(l, 0)) lies above ReLU, the line a_l h below it for a_l ∈ [0, 1] between the
  // kinks (a_l = 1 on the active side, 0 on the inactive one).
  std::vector<Var> operator()(const Relu&) const {
    const IntervalVar& h = intervals[network.network.nodes()[node].inputs[0]];
    const Var l = graph.sub(h.centre, h.radius), u = graph.add(h.centre, h.radius);
    const Var slope_up = graph.relu_chord_slope(l, u);
    const Var intercept_up = graph.mul(slope_up, graph.relu(graph.scale(l, -1.0)));
    const Matrix slope_down = graph.value(l).binaryExpr(
        graph.value(u), [](double li, double ui) { return bounds::relax::convex_kink_adaptive_slope(0.0, li, ui); });
    const Var positive = graph.relu(lambda), negative = graph.sub(lambda, positive);
    add_offset(graph.column_sums(graph.mul(positive, graph.repeat_columns(intercept_up, specifications))));
    return {graph.add(graph.mul(positive, graph.repeat_columns(slope_up, specifications)),
                      graph.mul(negative, graph.repeat_columns(graph.constant(slope_down), specifications)))};
  }
  std::vector<Var> operator()(const Reshape&) const { return {lambda}; }
  std::vector<Var> operator()(const AddTensors&) const { return {lambda, lambda}; }
  std::vector<Var> operator()(const SubTensors&) const { return {lambda, graph.scale(lambda, -1.0)}; }
};

[[noreturn]] void refuse(const std::string& context, const Node& node, std::string_view kind) {
  throw Error(context + ": node '" + node.name + "' is a " + std::string(kind) +
              ", which the bound-based trainers do not differentiate; their kinds: Gemm/MatMul, Conv, Relu, "
              "Reshape/Flatten, Add, Sub");
}

// IBP's interval of every value from the boxes [lower, upper] (input_size × batch each); the
// output node itself is skipped when `skip_output`.
std::vector<IntervalVar> intervals(Graph& graph, const TrainableNetwork& network, std::span<const Var> parameters,
                                   const Matrix& lower, const Matrix& upper, bool skip_output) {
  const IntervalVar input{graph.constant((upper + lower) * 0.5), graph.constant((upper - lower) * 0.5)};
  const auto output_node = static_cast<std::size_t>(network.network.output() - 1);
  return walk_forward(network.network, input, KeepValues::All,
                      [&](std::size_t k, const Node& node, const std::vector<const IntervalVar*>& x) {
                        if (skip_output && k == output_node) return IntervalVar{};
                        return visit_layer<UntrainableKinds>(node.op, IntervalStep{graph, network, parameters, k, x},
                                                             [&](std::string_view kind) -> IntervalVar {
                                                               refuse("training", node, kind);
                                                             });
                      });
}

}  // namespace

void check_bound_trainable(const Network& network, const std::string& context) {
  for (const Node& node : network.nodes())
    visit_layer<UntrainableKinds>(node.op, TrainableKind{}, [&](std::string_view kind) { refuse(context, node, kind); });
  const Node* last = network.output() == kInputValue ? nullptr : &network.producer(network.output());
  if (!last || !std::holds_alternative<Dense>(last->op))
    throw Error(context + ": the output of the network is not a dense layer (Gemm/MatMul), which the bound-based "
                "trainers fold the label difference into");
}

std::vector<Var> bind_parameters(Graph& graph, const TrainableNetwork& network) {
  std::vector<Var> vars;
  vars.reserve(network.blocks.size());
  for (std::size_t k = 0; k < network.blocks.size(); ++k) vars.push_back(graph.variable(network.parameter(k)));
  return vars;
}

Var worst_case_differences(Graph& graph, const TrainableNetwork& network, std::span<const Var> parameters,
                           const Matrix& lower, const Matrix& upper, std::span<const std::int64_t> labels) {
  check_bound_trainable(network.network, "ibp training");
  const auto output = static_cast<std::size_t>(network.network.output() - 1);
  const NodeParameters last(graph, network, parameters, output);
  if (network.bindings[output].transposed || !last.has_bias())
    throw Error("ibp training: the output layer must be an untied dense layer with a bias");
  const IntervalVar h = intervals(graph, network, parameters, lower, upper, true)
                            [network.network.nodes()[output].inputs[0]];
  return graph.label_difference_upper(last.weight(), last.bias(), h.centre, h.radius, labels);
}

Var crown_ibp_differences(Graph& graph, const TrainableNetwork& network, std::span<const Var> parameters,
                          const Matrix& lower, const Matrix& upper, std::span<const std::int64_t> labels) {
  const Index k = network.classes, batch = lower.cols();
  if (static_cast<Index>(labels.size()) != batch)
    throw ShapeError("crown-ibp: " + std::to_string(labels.size()) + " labels for " + std::to_string(batch) + " boxes");
  check_bound_trainable(network.network, "crown-ibp training");
  const std::vector<IntervalVar> boxes = intervals(graph, network, parameters, lower, upper, true);

  Matrix specification = Matrix::Zero(k, k * batch);  // column s · k + j: e_j − e_label(s)
  for (Index s = 0; s < batch; ++s)
    for (Index j = 0; j < k; ++j) {
      specification(j, s * k + j) += 1.0;
      specification(labels[static_cast<std::size_t>(s)], s * k + j) -= 1.0;
    }
  Var offset;
  const Var lambda = walk_backward(
      network.network, graph.constant(std::move(specification)), [](Var v) { return v.id >= 0; },
      [&](std::size_t node, const Node& n, Var at_output) {
        return visit_layer<UntrainableKinds>(
            n.op, BackwardStep{graph, network, parameters, boxes, k, node, at_output, offset},
            [&](std::string_view kind) -> std::vector<Var> { refuse("training", n, kind); });
      },
      [&](Var& target, Var pulled) { target = graph.add(target, pulled); });

  // max over the box of Λᵀ x = Λᵀ centre + |Λ|ᵀ radius.
  Var bound = offset;
  if (lambda.id >= 0) {
    const Var centre = graph.repeat_columns(graph.constant((upper + lower) * 0.5), k);
    const Var radius = graph.repeat_columns(graph.constant((upper - lower) * 0.5), k);
    const Var input_term = graph.add(graph.column_sums(graph.mul(lambda, centre)),
                                     graph.column_sums(graph.mul(graph.abs(lambda), radius)));
    bound = bound.id >= 0 ? graph.add(bound, input_term) : input_term;
  }
  if (bound.id < 0) bound = graph.constant(Matrix::Zero(1, k * batch));
  return graph.reshape(bound, k, batch);
}

}  // namespace certnn::train
