#include "certnn/train/network_function.hpp"

#include "certnn/core/error.hpp"

namespace certnn::train {
namespace {

struct PointStep {
  Graph& graph;
  std::span<const Var> p;
  Var x;

  void operator()(const DenseLayer& d) { x = graph.add_bias(graph.matmul(p[d.weight], x), p[d.bias]); }
  void operator()(const ConvLayer& c) {
    const Eigen::Index positions = c.window.out_h * c.window.out_w;
    x = graph.add_bias(graph.conv2d(p[c.weight], x, c.window), p[c.bias], positions);
  }
  void operator()(const ReluLayer&) { x = graph.relu(x); }
  void operator()(const StableBlock& b) {
    const Var active = graph.relu(graph.add_bias(graph.matmul(p[b.weight], x), p[b.bias]));
    x = graph.sub(x, graph.scale(graph.matmul_transposed(p[b.weight], active), b.step));
  }
  void operator()(const ResidualBlock& b) {
    const Var active = graph.relu(graph.add_bias(graph.matmul(p[b.inner_weight], x), p[b.inner_bias]));
    x = graph.add(x, graph.matmul(p[b.outer_weight], active));
  }
};

// Interval arithmetic in centre-radius form: an affine map sends (c, r) to (A c + b, |A| r)
// exactly (the tightest box of the image), ReLU acts on the end points.
struct IntervalStep {
  Graph& graph;
  std::span<const Var> p;
  IntervalVar x;
  std::vector<IntervalVar>* relu_inputs;

  IntervalVar dense(Var weight, Var bias, IntervalVar in) {
    return {graph.add_bias(graph.matmul(weight, in.centre), bias), graph.matmul(graph.abs(weight), in.radius)};
  }
  IntervalVar relu(IntervalVar in) {
    if (relu_inputs) relu_inputs->push_back(in);
    const Var lower = graph.relu(graph.sub(in.centre, in.radius));
    const Var upper = graph.relu(graph.add(in.centre, in.radius));
    return {graph.scale(graph.add(upper, lower), 0.5), graph.scale(graph.sub(upper, lower), 0.5)};
  }

  void operator()(const DenseLayer& d) { x = dense(p[d.weight], p[d.bias], x); }
  void operator()(const ConvLayer& c) {
    const Eigen::Index positions = c.window.out_h * c.window.out_w;
    x = {graph.add_bias(graph.conv2d(p[c.weight], x.centre, c.window), p[c.bias], positions),
         graph.conv2d(graph.abs(p[c.weight]), x.radius, c.window)};
  }
  void operator()(const ReluLayer&) { x = relu(x); }
  void operator()(const StableBlock& b) {
    const IntervalVar active = relu(dense(p[b.weight], p[b.bias], x));
    const Var magnitude = graph.abs(p[b.weight]);
    x = {graph.sub(x.centre, graph.scale(graph.matmul_transposed(p[b.weight], active.centre), b.step)),
         graph.add(x.radius, graph.scale(graph.matmul_transposed(magnitude, active.radius), b.step))};
  }
  void operator()(const ResidualBlock& b) {
    const IntervalVar active = relu(dense(p[b.inner_weight], p[b.inner_bias], x));
    x = {graph.add(x.centre, graph.matmul(p[b.outer_weight], active.centre)),
         graph.add(x.radius, graph.matmul(graph.abs(p[b.outer_weight]), active.radius))};
  }
};

// Carries Λ (coefficients on a layer's output, one column per (sample, specification) pair,
// ordered s · k + j) back through one layer, adding what the layer contributes to the bound's
// constant term to `offset` (1 × columns). Upper bounds throughout.
struct BackwardStep {
  Graph& graph;
  std::span<const Var> p;
  std::vector<IntervalVar>& relu_inputs;  // consumed from the back
  Eigen::Index specifications;
  Var lambda, offset;

  // μᵀ relu(h) ≤ (μ⁺ ⊙ a_u + μ⁻ ⊙ a_l)ᵀ h + (μ⁺ ⊙ b_u)ᵀ 1 for h in [l, u]: the chord a_u h + b_u
  // (b_u = −a_u min(l, 0)) lies above ReLU, the line a_l h below it for a_l ∈ [0, 1] between the
  // kinks (a_l = 1 on the active side, 0 on the inactive one). Returns the coefficients on h.
  Var relax(Var mu) {
    const IntervalVar h = relu_inputs.back();
    relu_inputs.pop_back();
    const Var l = graph.sub(h.centre, h.radius), u = graph.add(h.centre, h.radius);
    const Var slope_up = graph.relu_chord_slope(l, u);
    const Var intercept_up = graph.mul(slope_up, graph.relu(graph.scale(l, -1.0)));
    const Matrix slope_down = (graph.value(u) + graph.value(l)).unaryExpr([](double v) { return v > 0 ? 1.0 : 0.0; });
    const Var positive = graph.relu(mu), negative = graph.sub(mu, positive);
    offset = graph.add(offset, graph.column_sums(graph.mul(positive, graph.repeat_columns(intercept_up, specifications))));
    return graph.add(graph.mul(positive, graph.repeat_columns(slope_up, specifications)),
                     graph.mul(negative, graph.repeat_columns(graph.constant(slope_down), specifications)));
  }
  void affine(Var weight, Var bias) {
    offset = graph.add(offset, graph.matmul_transposed(bias, lambda));
    lambda = graph.matmul_transposed(weight, lambda);
  }
  // Through x ← x + M relu(W x + b): the skip carries Λ unchanged, the branch Λ's image.
  void residual(Var weight, Var bias, Var branch_coefficients) {
    const Var nu = relax(branch_coefficients);
    offset = graph.add(offset, graph.matmul_transposed(bias, nu));
    lambda = graph.add(lambda, graph.matmul_transposed(weight, nu));
  }

  void operator()(const DenseLayer& d) { affine(p[d.weight], p[d.bias]); }
  void operator()(const ConvLayer& c) {
    const Eigen::Index positions = c.window.out_h * c.window.out_w;
    const Var spread_bias =
        graph.add_bias(graph.constant(Matrix::Zero(graph.value(p[c.bias]).rows() * positions, 1)), p[c.bias], positions);
    offset = graph.add(offset, graph.matmul_transposed(spread_bias, lambda));
    lambda = graph.conv2d_transposed(p[c.weight], lambda, c.window);
  }
  void operator()(const ReluLayer&) { lambda = relax(lambda); }
  void operator()(const StableBlock& b) {
    residual(p[b.weight], p[b.bias], graph.scale(graph.matmul(p[b.weight], lambda), -b.step));
  }
  void operator()(const ResidualBlock& b) {
    residual(p[b.inner_weight], p[b.inner_bias], graph.matmul_transposed(p[b.outer_weight], lambda));
  }
};

const DenseLayer& last_dense(const TrainableNetwork& network) {
  if (network.layers.empty() || !std::holds_alternative<DenseLayer>(network.layers.back()))
    throw Error("training: the network's last layer must be dense");
  return std::get<DenseLayer>(network.layers.back());
}

}  // namespace

std::vector<Var> bind_parameters(Graph& graph, const TrainableNetwork& network) {
  std::vector<Var> vars;
  vars.reserve(network.blocks.size());
  for (std::size_t k = 0; k < network.blocks.size(); ++k) vars.push_back(graph.variable(network.parameter(k)));
  return vars;
}

std::vector<Var> bind_constants(Graph& graph, const TrainableNetwork& network) {
  std::vector<Var> vars;
  vars.reserve(network.blocks.size());
  for (std::size_t k = 0; k < network.blocks.size(); ++k) vars.push_back(graph.constant(network.parameter(k)));
  return vars;
}

Var logits(Graph& graph, const TrainableNetwork& network, std::span<const Var> parameters, Var inputs) {
  PointStep step{graph, parameters, inputs};
  for (const TrainableLayer& layer : network.layers) std::visit(step, layer);
  return step.x;
}

IntervalVar penultimate_interval(Graph& graph, const TrainableNetwork& network, std::span<const Var> parameters,
                                 const Matrix& lower, const Matrix& upper, std::vector<IntervalVar>* relu_inputs) {
  last_dense(network);
  IntervalStep step{graph, parameters,
                    {graph.constant((upper + lower) * 0.5), graph.constant((upper - lower) * 0.5)}, relu_inputs};
  for (std::size_t k = 0; k + 1 < network.layers.size(); ++k) std::visit(step, network.layers[k]);
  return step.x;
}

Var worst_case_differences(Graph& graph, const TrainableNetwork& network, std::span<const Var> parameters,
                           const Matrix& lower, const Matrix& upper, std::span<const std::int64_t> labels) {
  const DenseLayer& last = last_dense(network);
  const IntervalVar h = penultimate_interval(graph, network, parameters, lower, upper);
  return graph.label_difference_upper(parameters[last.weight], parameters[last.bias], h.centre, h.radius, labels);
}

Var crown_ibp_differences(Graph& graph, const TrainableNetwork& network, std::span<const Var> parameters,
                          const Matrix& lower, const Matrix& upper, std::span<const std::int64_t> labels) {
  const DenseLayer& last = last_dense(network);
  const Eigen::Index k = network.classes, batch = lower.cols();
  if (static_cast<Eigen::Index>(labels.size()) != batch)
    throw ShapeError("crown-ibp: " + std::to_string(labels.size()) + " labels for " + std::to_string(batch) + " boxes");
  std::vector<IntervalVar> relu_inputs;
  penultimate_interval(graph, network, parameters, lower, upper, &relu_inputs);

  Matrix specification = Matrix::Zero(k, k * batch);  // column s · k + j: e_j − e_label(s)
  for (Eigen::Index s = 0; s < batch; ++s)
    for (Eigen::Index j = 0; j < k; ++j) {
      specification(j, s * k + j) += 1.0;
      specification(labels[static_cast<std::size_t>(s)], s * k + j) -= 1.0;
    }
  const Var c = graph.constant(std::move(specification));
  BackwardStep step{graph, parameters, relu_inputs, k, graph.matmul_transposed(parameters[last.weight], c),
                    graph.matmul_transposed(parameters[last.bias], c)};
  for (std::size_t layer = network.layers.size() - 1; layer-- > 0;) std::visit(step, network.layers[layer]);

  // max over the box of Λᵀ x = Λᵀ centre + |Λ|ᵀ radius.
  const Var centre = graph.repeat_columns(graph.constant((upper + lower) * 0.5), k);
  const Var radius = graph.repeat_columns(graph.constant((upper - lower) * 0.5), k);
  const Var bound = graph.add(step.offset, graph.add(graph.column_sums(graph.mul(step.lambda, centre)),
                                                     graph.column_sums(graph.mul(graph.abs(step.lambda), radius))));
  return graph.reshape(bound, k, batch);
}

}  // namespace certnn::train
