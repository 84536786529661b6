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

  IntervalVar dense(Var weight, Var bias, IntervalVar in) {
    return {graph.add_bias(graph.matmul(weight, in.centre), bias), graph.matmul(graph.abs(weight), in.radius)};
  }
  IntervalVar relu(IntervalVar in) {
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

Var logits(Graph& graph, const TrainableNetwork& network, std::span<const Var> parameters, Var inputs) {
  PointStep step{graph, parameters, inputs};
  for (const TrainableLayer& layer : network.layers) std::visit(step, layer);
  return step.x;
}

IntervalVar penultimate_interval(Graph& graph, const TrainableNetwork& network, std::span<const Var> parameters,
                                 const Matrix& lower, const Matrix& upper) {
  last_dense(network);
  IntervalStep step{graph, parameters,
                    {graph.constant((upper + lower) * 0.5), graph.constant((upper - lower) * 0.5)}};
  for (std::size_t k = 0; k + 1 < network.layers.size(); ++k) std::visit(step, network.layers[k]);
  return step.x;
}

Var worst_case_differences(Graph& graph, const TrainableNetwork& network, std::span<const Var> parameters,
                           const Matrix& lower, const Matrix& upper, std::span<const std::int64_t> labels) {
  const DenseLayer& last = last_dense(network);
  const IntervalVar h = penultimate_interval(graph, network, parameters, lower, upper);
  return graph.label_difference_upper(parameters[last.weight], parameters[last.bias], h.centre, h.radius, labels);
}

}  // namespace certnn::train
