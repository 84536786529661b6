#include "certnn/stability/gradient_check.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <optional>
#include <random>
#include <set>
#include <span>
#include <string>

#include "certnn/core/error.hpp"
#include "certnn/grad/tape.hpp"
#include "certnn/model/kind_dispatch.hpp"
#include "certnn/model/network_walk.hpp"
#include "certnn/model/window.hpp"

namespace certnn::stability {
namespace {

using namespace certnn::model;
using Eigen::Index;

constexpr double kInfinity = std::numeric_limits<double>::infinity();
// Finite differences evaluated together: the perturbed points of this many entries are the
// columns of one batch.
constexpr std::size_t kEntriesPerEvaluation = 32;

// ---- kinks ----

// Which linear piece of a layer with kinks its input lies on: the sign (−1, 0, 1) of each input
// of Relu and LeakyRelu, the first maximal tap (the one the forward pass and the VJP choose) of
// each MaxPool window; one column per sample, no rows for a smooth layer. A finite difference is
// a valid reference only when its two points lie on the piece of the point itself: where every
// pattern agrees, the function is smooth on the segment between them.
using Pattern = Eigen::Matrix<std::int64_t, Eigen::Dynamic, Eigen::Dynamic>;

using SmoothKinds = KindList<Dense, Conv2d, Sigmoid, Tanh, Softmax, Reshape, BatchNorm, AddTensors, SubTensors,
                             AddConstant, SubConstant, MulConstant, DivConstant, AveragePool, Pad>;

struct KinkPatternStep {
  const Batch<double>& x;  // the layer's first input

  Pattern signs() const {
    return x.unaryExpr([](double v) -> std::int64_t { return (v > 0) - (v < 0); });
  }
  Pattern operator()(const Relu&) const { return signs(); }
  Pattern operator()(const LeakyRelu&) const { return signs(); }
  Pattern operator()(const MaxPool& p) const {
    const Window2d& w = p.window;
    Pattern first_max = Pattern::Constant(w.channels * w.out_h * w.out_w, x.cols(), -1);
    for_each_window(w, [&](std::int64_t out, std::int64_t in_index) {
      for (Index s = 0; s < x.cols(); ++s) {
        std::int64_t& best = first_max(out, s);
        if (best < 0 || x(in_index, s) > x(best, s)) best = in_index;
      }
    });
    return first_max;
  }
  // Named one by one, so that a new kind must be placed here or above before this compiles.
  template <class Kind>
    requires kind_in_list<Kind, SmoothKinds>
  Pattern operator()(const Kind&) const {
    return Pattern(0, x.cols());
  }
};

Pattern kink_pattern(const Node& node, const Batch<double>& first_input) {
  return visit_layer(node.op, KinkPatternStep{first_input});
}

bool same_piece(const Pattern& pattern, Index column, const Pattern& base, Index base_column) {
  return pattern.col(column) == base.col(base_column);
}

// ---- trainable parameters ----

using KindsWithoutParameters = KindList<Relu, LeakyRelu, Sigmoid, Tanh, Softmax, Reshape, AddTensors, SubTensors,
                                        AddConstant, SubConstant, MulConstant, DivConstant, AveragePool, MaxPool, Pad>;

// The addresses of a layer's trainable parameters in the order of flatten() below: weight
// (column-major), scale, bias — the fields of grad::ParameterGradient.
struct ParameterSlotsStep {
  static void add(std::vector<const double*>& slots, const auto& m) {
    for (Index i = 0; i < m.size(); ++i) slots.push_back(m.data() + i);
  }
  std::vector<const double*> operator()(const Dense& d) const {
    std::vector<const double*> slots;
    add(slots, d.weight);
    add(slots, d.bias);
    return slots;
  }
  std::vector<const double*> operator()(const Conv2d& c) const {
    std::vector<const double*> slots;
    add(slots, c.weight);
    add(slots, c.bias);
    return slots;
  }
  std::vector<const double*> operator()(const BatchNorm& b) const {
    std::vector<const double*> slots;
    add(slots, b.scale);
    add(slots, b.bias);
    return slots;
  }
  template <class Kind>
    requires kind_in_list<Kind, KindsWithoutParameters>
  std::vector<const double*> operator()(const Kind&) const {
    return {};
  }
};

Eigen::VectorXd flatten(const grad::ParameterGradient& p) {
  Eigen::VectorXd out(p.weight.size() + p.scale.size() + p.bias.size());
  out.head(p.weight.size()) = Eigen::Map<const Eigen::VectorXd>(p.weight.data(), p.weight.size());
  out.segment(p.weight.size(), p.scale.size()) = p.scale;
  out.tail(p.bias.size()) = p.bias;
  return out;
}

// ---- finite differences ----

// u^(1/3) · max(1, |t|) (gradient_check.hpp).
double step_around(double t) {
  static const double kStepScale = std::cbrt(std::numeric_limits<double>::epsilon() / 2);
  return kStepScale * std::max(1.0, std::abs(t));
}

// One gradient entry: element `element` of sample (column) `sample`.
struct Entry {
  Index sample = 0, element = 0;
};

// All elements x samples entries, or max_entries of them drawn at random without replacement
// (Floyd's algorithm: memory for the sample only, however many parameters a layer holds); ordered
// by sample.
std::vector<Entry> draw_entries(Index elements, Index samples, std::int64_t max_entries, std::mt19937_64& random) {
  const std::int64_t count = static_cast<std::int64_t>(elements) * samples;
  std::vector<std::int64_t> chosen;
  if (count <= max_entries) {
    chosen.resize(static_cast<std::size_t>(count));
    std::iota(chosen.begin(), chosen.end(), std::int64_t{0});
  } else {
    std::set<std::int64_t> drawn;
    for (std::int64_t j = count - max_entries; j < count; ++j) {
      const std::int64_t t = std::uniform_int_distribution<std::int64_t>(0, j)(random);
      drawn.insert(drawn.contains(t) ? j : t);
    }
    chosen.assign(drawn.begin(), drawn.end());
  }
  std::vector<Entry> entries;
  entries.reserve(chosen.size());
  for (std::int64_t index : chosen)
    entries.push_back({static_cast<Index>(index / elements), static_cast<Index>(index % elements)});
  return entries;
}

// Splits entries (ordered by sample) into runs of one sample, at most kEntriesPerEvaluation long.
template <class Visit>
void for_each_run(const std::vector<Entry>& entries, Visit&& visit) {
  for (std::size_t begin = 0; begin < entries.size();) {
    std::size_t end = begin + 1;
    while (end < entries.size() && end - begin < kEntriesPerEvaluation && entries[end].sample == entries[begin].sample)
      ++end;
    visit(std::span<const Entry>(entries.data() + begin, end - begin));
    begin = end;
  }
}

// Columns 2c and 2c + 1: sample run[c].sample of `values` with element run[c].element moved up
// and down by its step.
Batch<double> moved_points(const Batch<double>& values, std::span<const Entry> run) {
  const Index sample = run.front().sample;
  Batch<double> points = values.col(sample).replicate(1, 2 * static_cast<Index>(run.size()));
  for (std::size_t c = 0; c < run.size(); ++c) {
    const double t = values(run[c].element, sample), h = step_around(t);
    points(run[c].element, 2 * c) = t + h;
    points(run[c].element, 2 * c + 1) = t - h;
  }
  return points;
}

// r · (y(t + h) − y(t − h)) / ((t + h) − (t − h)) for the pair of columns of entry c. The outputs
// are subtracted before the weighting so that the common part cancels exactly, and the quotient
// divides by the difference of the rounded points.
double central_difference(const Eigen::VectorXd& cotangent, const Batch<double>& outputs, const Batch<double>& points,
                          Index element, std::size_t c) {
  const Index up = 2 * static_cast<Index>(c), down = up + 1;
  return cotangent.dot(outputs.col(up) - outputs.col(down)) / (points(element, up) - points(element, down));
}

void compare(GradientCheckEntry& entry, double analytic, double numeric, double floor) {
  entry.max_relative_error = std::max(entry.max_relative_error, relative_error(analytic, numeric, floor));
  ++entry.compared;
}

Batch<double> uniform_matrix(std::mt19937_64& random, Index rows, Index cols) {
  std::uniform_real_distribution<double> uniform(-1.0, 1.0);
  Batch<double> m(rows, cols);
  for (Index i = 0; i < m.size(); ++i) m(i) = uniform(random);
  return m;
}

// A generator per comparison (stream = node index, or the node count for the whole network), so
// that the draws of one layer do not depend on the others.
std::mt19937_64 generator(std::uint64_t seed, std::size_t stream) {
  std::seed_seq sequence{static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32),
                         static_cast<std::uint32_t>(stream)};
  return std::mt19937_64(sequence);
}

bool shaped_like(const std::vector<Batch<double>>& cotangents, const std::vector<const Batch<double>*>& inputs) {
  if (cotangents.size() != inputs.size()) return false;
  for (std::size_t i = 0; i < inputs.size(); ++i)
    if (cotangents[i].rows() != inputs[i]->rows() || cotangents[i].cols() != inputs[i]->cols()) return false;
  return true;
}

// ---- one layer ----

// The VJP's cotangent of input `slot` against differences of r·layer with that input moved.
void check_layer_input(const Network& network, const Node& node, const std::vector<const Batch<double>*>& operands,
                       std::size_t slot, const Batch<double>& cotangent, const Batch<double>& analytic,
                       const GradientCheckOptions& options, std::mt19937_64& random, GradientCheckEntry& entry) {
  const Batch<double>& x = *operands[slot];
  const Pattern base = kink_pattern(node, *operands[0]);
  for_each_run(draw_entries(x.rows(), x.cols(), options.max_entries, random), [&](std::span<const Entry> run) {
    const Index sample = run.front().sample, columns = 2 * static_cast<Index>(run.size());
    std::vector<Batch<double>> points(operands.size());
    std::vector<const Batch<double>*> moved(operands.size());
    for (std::size_t i = 0; i < operands.size(); ++i) {
      points[i] = i == slot ? moved_points(x, run) : Batch<double>(operands[i]->col(sample).replicate(1, columns));
      moved[i] = &points[i];
    }
    const Batch<double> outputs = apply_layer<double>(node, moved, network);
    const Pattern pieces = kink_pattern(node, points[0]);
    const Eigen::VectorXd r = cotangent.col(sample);
    for (std::size_t c = 0; c < run.size(); ++c) {
      if (!same_piece(pieces, 2 * c, base, sample) || !same_piece(pieces, 2 * c + 1, base, sample)) {
        ++entry.skipped;
        continue;
      }
      compare(entry, analytic(run[c].element, sample), central_difference(r, outputs, points[slot], run[c].element, c),
              options.floor);
    }
  });
}

// The parameter gradient against differences of Σ_s r_s·layer_θ(x_s). The layers with parameters
// are linear in them, so there are no kinks to skip.
void check_layer_parameters(const Network& network, const Node& node,
                            const std::vector<const Batch<double>*>& operands, const Batch<double>& cotangent,
                            const GradientCheckOptions& options, std::mt19937_64& random, GradientCheckEntry& entry) {
  Node perturbed = node;
  const std::vector<const double*> slots = visit_layer(perturbed.op, ParameterSlotsStep{});
  if (slots.empty()) return;
  const Eigen::VectorXd analytic = flatten(options.parameter_gradient(node, operands, cotangent));
  if (analytic.size() != static_cast<Index>(slots.size())) {
    entry.max_relative_error = kInfinity;
    return;
  }
  for (const Entry& e : draw_entries(analytic.size(), 1, options.max_entries, random)) {
    // The slots address `perturbed`, this function's own copy: it is written only here, and
    // every parameter is restored before the next one moves.
    double& theta = *const_cast<double*>(slots[static_cast<std::size_t>(e.element)]);
    const double original = theta, h = step_around(original);
    const double up = original + h, down = original - h;
    theta = up;
    const Batch<double> outputs_up = apply_layer<double>(perturbed, operands, network);
    theta = down;
    const Batch<double> outputs_down = apply_layer<double>(perturbed, operands, network);
    theta = original;
    const double numeric = (cotangent.array() * (outputs_up - outputs_down).array()).sum() / (up - down);
    compare(entry, analytic[e.element], numeric, options.floor);
  }
}

GradientCheckEntry check_layer(const Network& network, std::size_t k, const grad::Tape& tape,
                               const GradientCheckOptions& options) {
  const Node& node = network.nodes()[k];
  GradientCheckEntry entry{node.name, std::string(kind_name(node.op))};
  std::mt19937_64 random = generator(options.seed, k);
  std::vector<const Batch<double>*> operands;
  for (ValueId v : node.inputs) operands.push_back(&tape.value(v));
  const Batch<double>& output = tape.value(static_cast<ValueId>(k + 1));
  const Batch<double> cotangent = uniform_matrix(random, output.rows(), output.cols());

  const std::vector<Batch<double>> analytic = options.input_vjp(node, operands, output, cotangent, network);
  if (!shaped_like(analytic, operands)) {
    entry.max_relative_error = kInfinity;
    return entry;
  }
  for (std::size_t slot = 0; slot < operands.size(); ++slot)
    check_layer_input(network, node, operands, slot, cotangent, analytic[slot], options, random, entry);
  check_layer_parameters(network, node, operands, cotangent, options, random, entry);
  return entry;
}

// ---- the whole network ----

// dL/dx by a reverse sweep of the VJP under test over the recorded values, accumulating the
// cotangent of a value over all its readers (model/network_walk.hpp, as grad/backward.cpp). Empty when the
// VJP returns cotangents of the wrong shape.
std::optional<Batch<double>> input_gradient_with(const Network& network, const grad::Tape& tape,
                                                 const Batch<double>& output_cotangent, const InputVjp& vjp) {
  bool misshaped = false;
  Batch<double> gradient = walk_backward(
      network, output_cotangent, [](const Batch<double>& g) { return g.size() > 0; },
      [&](std::size_t k, const Node& node, const Batch<double>& g) {
        std::vector<const Batch<double>*> operands;
        for (ValueId v : node.inputs) operands.push_back(&tape.value(v));
        std::vector<Batch<double>> pulled = vjp(node, operands, tape.value(static_cast<ValueId>(k + 1)), g, network);
        if (shaped_like(pulled, operands)) return pulled;
        misshaped = true;
        return std::vector<Batch<double>>(node.inputs.size());
      },
      [](Batch<double>& target, const Batch<double>& pulled) { target += pulled; });
  if (misshaped) return std::nullopt;
  if (gradient.size() == 0) return Batch<double>::Zero(network.input_size(), tape.batch_size());
  return gradient;
}

GradientCheckEntry check_network(const Network& network, const grad::Tape& tape, const GradientCheckOptions& options) {
  GradientCheckEntry entry{"network", ""};
  const auto& nodes = network.nodes();
  std::mt19937_64 random = generator(options.seed, nodes.size());
  const Batch<double> cotangent = uniform_matrix(random, network.output_size(), tape.batch_size());
  const std::optional<Batch<double>> analytic = input_gradient_with(network, tape, cotangent, options.input_vjp);
  if (!analytic) {
    entry.max_relative_error = kInfinity;
    return entry;
  }

  // The layers with kinks and the pieces the recorded pass lies on.
  std::vector<std::size_t> kinked;
  std::vector<Pattern> base;
  for (std::size_t k = 0; k < nodes.size(); ++k) {
    Pattern pattern = kink_pattern(nodes[k], tape.value(nodes[k].inputs[0]));
    if (pattern.rows() == 0) continue;
    kinked.push_back(k);
    base.push_back(std::move(pattern));
  }

  const Batch<double>& x = tape.input();
  for_each_run(draw_entries(x.rows(), x.cols(), options.max_entries, random), [&](std::span<const Entry> run) {
    const Index sample = run.front().sample;
    const Batch<double> points = moved_points(x, run);
    const std::vector<Batch<double>> values = forward_values<double>(network, points);
    std::vector<bool> straddles(run.size(), false);
    for (std::size_t i = 0; i < kinked.size(); ++i) {
      const Pattern pieces = kink_pattern(nodes[kinked[i]], values[nodes[kinked[i]].inputs[0]]);
      for (std::size_t c = 0; c < run.size(); ++c)
        if (!same_piece(pieces, 2 * c, base[i], sample) || !same_piece(pieces, 2 * c + 1, base[i], sample))
          straddles[c] = true;
    }
    const Eigen::VectorXd r = cotangent.col(sample);
    for (std::size_t c = 0; c < run.size(); ++c) {
      if (straddles[c]) {
        ++entry.skipped;
        continue;
      }
      compare(entry, (*analytic)(run[c].element, sample),
              central_difference(r, values[network.output()], points, run[c].element, c), options.floor);
    }
  });
  return entry;
}

void check_options(const GradientCheckOptions& options) {
  if (!(options.tolerance > 0) || !std::isfinite(options.tolerance))
    throw Error("gradient check: the tolerance must be a finite number > 0");
  if (!(options.floor > 0) || !std::isfinite(options.floor))
    throw Error("gradient check: the floor must be a finite number > 0");
  if (options.max_entries < 1) throw Error("gradient check: max_entries must be at least 1");
  if (!options.input_vjp || !options.parameter_gradient)
    throw Error("gradient check: no gradient function to check");
}

}  // namespace

double relative_error(double analytic, double numeric, double floor) {
  const double error =
      std::abs(analytic - numeric) / std::max({std::abs(analytic), std::abs(numeric), floor});
  return std::isnan(error) || !std::isfinite(analytic) || !std::isfinite(numeric) ? kInfinity : error;
}

double GradientCheckReport::max_relative_error() const {
  double worst = total.max_relative_error;
  for (const GradientCheckEntry& layer : layers) worst = std::max(worst, layer.max_relative_error);
  return worst;
}

bool GradientCheckReport::passed() const { return max_relative_error() <= tolerance; }

const GradientCheckEntry& GradientCheckReport::worst() const {
  const GradientCheckEntry* worst_layer = nullptr;
  for (const GradientCheckEntry& layer : layers)
    if (worst_layer == nullptr || layer.max_relative_error > worst_layer->max_relative_error) worst_layer = &layer;
  if (worst_layer != nullptr &&
      (worst_layer->max_relative_error > tolerance || worst_layer->max_relative_error >= total.max_relative_error))
    return *worst_layer;
  return total;
}

GradientCheckReport check_gradients(const Network& network, const Batch<double>& inputs,
                                    const GradientCheckOptions& options) {
  check_options(options);
  if (inputs.cols() == 0) throw Error("gradient check: no inputs to check the gradients at");
  const grad::Tape tape = grad::record(network, inputs);
  GradientCheckReport report;
  report.tolerance = options.tolerance;
  for (std::size_t k = 0; k < network.nodes().size(); ++k)
    report.layers.push_back(check_layer(network, k, tape, options));
  report.total = check_network(network, tape, options);
  return report;
}

}  // namespace certnn::stability
