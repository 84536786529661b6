// The method × layer-kind soundness matrix (STYLE "The extension rule"): every registered bound
// method on small random networks that exercise each alternative of model::LayerOp. A cell passes
// when the method's box holds the MPFR reference enclosure of the network at every box vertex
// (up to 2^10 of them), at random points and at the points a finite-difference ascent finds on
// each output (both directions; a random 16 of them where a convolution or pooling layer is the
// output), or when the method refuses with certnn::Unsupported naming the method and the kind.
// An empirical method (Result::sound == false, `sample`) is checked for consistency instead: its
// inner box must lie inside every sound box, up to float64 forward rounding.
//
// The rows are one overload per kind (KindCases below) and a static_assert over LayerOp, so a new
// layer kind without a row fails to compile.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "certnn/model/kind_dispatch.hpp"
#include "network_points.hpp"
#include "test_seed.hpp"

namespace certnn::soundness {
namespace {

using Eigen::Index;
using model::LayerOp;
using model::Network;
using model::ValueId;

// Per kind: kBoxCases networks over boxes, then kPointCases over single points (where the bounds
// are tight to a few roundings, so that a rounding in the wrong direction shows).
constexpr int kBoxCases = 12, kPointCases = 12, kCasesPerKind = kBoxCases + kPointCases;

// A network that exercises one kind, with an input box; `variant` names the configuration (both
// orders of SubConstant, both count_include_pad settings, ...).
struct MatrixCase {
  Network network;
  bounds::Box box;
  std::string variant;
};

Index size_between(Rng& rng, Index lo, Index hi) { return static_cast<Index>(uniform_int(rng, lo, hi)); }

// The kind after an affine layer, x[n] → Dense → op (→ Dense when `closed`), or straight on the
// input, x[width] → op (→ Dense), with the input box scaled by `scale`. On point boxes the latter
// keeps the kind's own rounding visible: an earlier layer's error terms would hide a rounding in
// the wrong direction.
MatrixCase dense_sandwich(Rng& rng, LayerOp op, Index width, double scale, const std::string& variant, bool closed,
                          bool on_input, double bias = 0.5) {
  const Index n = on_input ? width : size_between(rng, 2, 6), k = size_between(rng, 1, 4);
  Network net({n});
  ValueId v = model::kInputValue;
  if (!on_input) v = net.add("dense_in", random_dense(rng, n, width, scale, bias), {v});
  v = net.add("kind", std::move(op), {v});
  if (closed) net.add("dense_out", random_dense(rng, width, k), {v});
  bounds::Box box = random_box(rng, n);
  if (on_input) {
    box.lower *= scale;
    box.upper *= scale;
  }
  return {std::move(net), std::move(box),
          variant + (on_input ? " on the input" : " after dense") + (closed ? ", dense" : ", last")};
}

// An image input [1, C, H, W] and a box over it, at most 10 coordinates free half the time (so
// that the vertices are enumerated).
struct Image {
  std::int64_t c, h, w;
};
Image random_image(Rng& rng) { return {uniform_int(rng, 1, 2), uniform_int(rng, 2, 5), uniform_int(rng, 2, 5)}; }
bounds::Box image_box(Rng& rng, const Image& image, int index) {
  return random_box(rng, image.c * image.h * image.w, 0.1, index % 2 == 0 ? 10 : -1);
}

// Flattens value v and closes with a dense layer, or leaves v as the output.
void flatten_and_close(Rng& rng, Network& net, ValueId v, bool closed) {
  if (!closed) return;
  const Index size = net.size(v);
  v = net.add("flatten", model::Reshape{{size}}, {v});
  net.add("dense_out", random_dense(rng, size, size_between(rng, 1, 3)), {v});
}

Eigen::VectorXd random_constants(Rng& rng, Index n, double lo, double hi) {
  Eigen::VectorXd c(n);
  for (Index i = 0; i < n; ++i) c[i] = uniform(rng, lo, hi);
  return c;
}

// One overload per layer kind: the matrix's rows.
struct KindCases {
  Rng& rng;
  int index;

  // Cases 2, 3 (mod 4) close the network with a dense layer; the point cases (their box is made a
  // point by run_kind) put element-wise kinds straight on the input.
  bool closed() const { return (index / 2) % 2 == 1; }
  bool point() const { return index >= kBoxCases; }

  MatrixCase operator()(const model::Dense&) const {
    const Index n = size_between(rng, 1, 6), m = size_between(rng, 1, 6);
    Network net({n});
    ValueId v = net.add("dense_1", random_dense(rng, n, m, 2.0), {model::kInputValue});
    net.add("dense_2", random_dense(rng, m, size_between(rng, 1, 4), 2.0), {v});
    return {std::move(net), random_box(rng, n), "dense, dense"};
  }
  MatrixCase operator()(const model::Conv2d&) const {
    const Image image = random_image(rng);
    Network net({1, image.c, image.h, image.w});
    const model::Window2d window = random_window(rng, image.c, image.h, image.w, false);
    const ValueId v = net.add("conv", random_conv(rng, window, uniform_int(rng, 1, 3)), {model::kInputValue});
    flatten_and_close(rng, net, v, closed());
    return {std::move(net), image_box(rng, image, index), closed() ? "conv, flatten, dense" : "conv last"};
  }
  MatrixCase operator()(const model::Relu&) const {
    return dense_sandwich(rng, model::Relu{}, size_between(rng, 1, 6), 2.0, "relu", closed(), point());
  }
  MatrixCase operator()(const model::LeakyRelu&) const {
    // α > 1: concave; α < 0: not monotone (ONNX puts no sign on α).
    static constexpr double alphas[] = {0.01, 0.2, 0.0, 1.0, 1.5, -0.5};
    const bool random_alpha = index % 7 == 6;
    const double alpha = random_alpha ? uniform(rng, -1.0, 3.0) : alphas[index % 7];
    std::ostringstream variant;
    if (random_alpha)
      variant << "alpha in [-1, 3]";
    else
      variant << "alpha " << alpha;
    return dense_sandwich(rng, model::LeakyRelu{alpha}, size_between(rng, 1, 6), 2.0, variant.str(), closed(), point());
  }
  MatrixCase operator()(const model::Sigmoid&) const {
    return dense_sandwich(rng, model::Sigmoid{}, size_between(rng, 1, 6), 6.0, "sigmoid", closed(), point(), 3.0);
  }
  MatrixCase operator()(const model::Tanh&) const {
    return dense_sandwich(rng, model::Tanh{}, size_between(rng, 1, 6), 6.0, "tanh", closed(), point(), 3.0);
  }
  MatrixCase operator()(const model::Softmax&) const {
    const Index group = size_between(rng, 1, 4), groups = size_between(rng, 1, 2);
    const Index n = point() ? group * groups : size_between(rng, 2, 5);
    Network net({n});
    ValueId v = model::kInputValue;
    if (!point()) v = net.add("dense_in", random_dense(rng, n, group * groups, 4.0, 2.0), {v});
    v = net.add("softmax", model::Softmax{group}, {v});
    if (closed()) net.add("dense_out", random_dense(rng, group * groups, size_between(rng, 1, 3)), {v});
    bounds::Box box = random_box(rng, n);
    if (point()) {
      box.lower *= 4.0;
      box.upper *= 4.0;
    }
    return {std::move(net), std::move(box),
            std::string(point() ? "softmax on the input" : "softmax after dense") + (closed() ? ", dense" : ", last")};
  }
  MatrixCase operator()(const model::Reshape&) const {
    const Index n = size_between(rng, 2, 6), m = size_between(rng, 1, 3);
    Network net({n});
    ValueId v = net.add("dense_in", random_dense(rng, n, 2 * m), {model::kInputValue});
    v = net.add("reshape_3d", model::Reshape{{1, 2, m}}, {v});
    v = net.add("reshape_2d", model::Reshape{{1, 2 * m}}, {v});
    net.add("dense_out", random_dense(rng, 2 * m, size_between(rng, 1, 3)), {v});
    return {std::move(net), random_box(rng, n), "reshape [1,2,m], [1,2m]"};
  }
  MatrixCase operator()(const model::BatchNorm&) const {
    const std::int64_t channels = uniform_int(rng, 1, 3);
    auto batch_norm = [&](std::int64_t stride) {
      model::BatchNorm b;
      b.scale = random_constants(rng, channels, -2.0, 2.0);
      b.bias = random_constants(rng, channels, -1.0, 1.0);
      b.mean = random_constants(rng, channels, -1.0, 1.0);
      b.variance = random_constants(rng, channels, 0.0, 2.0);
      if (chance(rng, 0.3)) b.variance[0] = 0.0;  // the square root of ε alone
      static constexpr double epsilons[] = {1e-5, 1e-3, 0.1};
      b.epsilon = epsilons[uniform_int(rng, 0, 2)];
      b.channel_stride = stride;
      return b;
    };
    if (index % 2 == 0) {
      const Image image{channels, uniform_int(rng, 1, 3), uniform_int(rng, 1, 3)};
      Network net({1, image.c, image.h, image.w});
      const ValueId v = net.add("batch_norm", batch_norm(image.h * image.w), {model::kInputValue});
      flatten_and_close(rng, net, v, closed());
      return {std::move(net), image_box(rng, image, index), "image, batch norm, dense"};
    }
    const Index n = size_between(rng, 2, 5), per_channel = size_between(rng, 1, 3);
    Network net({n});
    ValueId v = net.add("dense_in", random_dense(rng, n, channels * per_channel), {model::kInputValue});
    v = net.add("to_channels", model::Reshape{{1, channels, per_channel}}, {v});
    v = net.add("batch_norm", batch_norm(per_channel), {v});
    flatten_and_close(rng, net, v, closed());
    return {std::move(net), random_box(rng, n), "dense, [1,C,k], batch norm, dense"};
  }
  // Residuals: y = f(x) ± x for a dense/activation branch f, the same value on both sides (the
  // dependency problem: x − x = 0 exactly), and the network input as an operand.
  // Two different input elements side by side, each exact (no rounding on the way), from an
  // input [1, 1, 1, 2m]: a = (x0, x2, ..., p), b = (q, x1, x3, ...) by padding with constants p, q
  // and picking every other element with a 1x1 max pool of stride 2. An element-wise operation
  // on a and b then rounds where nothing before it did.
  template <class Op>
  MatrixCase interleaved(const char* name) const {
    const std::int64_t m = uniform_int(rng, 1, 4);
    Network net({1, 1, 1, 2 * m});
    auto pick_every_other = [&](ValueId v, const char* node) {
      model::Window2d w;
      w.channels = 1;
      w.in_h = 1;
      w.in_w = 2 * m + 1;
      w.stride_w = 2;
      model::complete_window(w);
      return net.add(node, model::MaxPool{w}, {v});
    };
    const ValueId padded_end = net.add("pad_end", model::Pad{{0, 0, 0, 0}, {0, 0, 0, 1}, uniform(rng, -1.0, 1.0)},
                                       {model::kInputValue});
    const ValueId padded_begin = net.add("pad_begin", model::Pad{{0, 0, 0, 1}, {0, 0, 0, 0}, uniform(rng, -1.0, 1.0)},
                                         {model::kInputValue});
    const ValueId a = pick_every_other(padded_end, "even"), b = pick_every_other(padded_begin, "odd");
    net.add(name, Op{}, {a, b});
    return {std::move(net), random_box(rng, 2 * m), "interleaved input elements"};
  }

  template <class Op>
  MatrixCase residual(const char* name) const {
    if (point() && index % 3 != 1) return interleaved<Op>(name);
    const Index n = size_between(rng, 2, 6), m = size_between(rng, 1, 5);
    Network net({n});
    ValueId sum = model::kInputValue;
    const char* variant = "";
    switch (index % 3) {
      case 0: {
        const ValueId a = net.add("dense_a", random_dense(rng, n, m), {model::kInputValue});
        ValueId b = net.add("relu", model::Relu{}, {a});
        b = net.add("dense_b", random_dense(rng, m, m), {b});
        sum = net.add(name, Op{}, {b, a});
        variant = "residual branch";
        break;
      }
      case 1: {
        const ValueId a = point() ? model::kInputValue : net.add("dense_a", random_dense(rng, n, m), {model::kInputValue});
        sum = net.add(name, Op{}, {a, a});
        variant = point() ? "the input twice" : "same operand twice";
        break;
      }
      default: {
        const ValueId t = net.add("tanh", model::Tanh{}, {model::kInputValue});
        sum = net.add(name, Op{}, {model::kInputValue, t});
        variant = "input and tanh(input)";
        break;
      }
    }
    if (closed()) net.add("dense_out", random_dense(rng, net.size(sum), size_between(rng, 1, 3)), {sum});
    return {std::move(net), random_box(rng, n), std::string(variant) + (closed() ? ", dense" : ", last")};
  }
  MatrixCase operator()(const model::AddTensors&) const { return residual<model::AddTensors>("add"); }
  MatrixCase operator()(const model::SubTensors&) const { return residual<model::SubTensors>("sub"); }
  MatrixCase operator()(const model::AddConstant&) const {
    const Index m = size_between(rng, 1, 5);
    return dense_sandwich(rng, model::AddConstant{random_constants(rng, m, -4.0, 4.0)}, m, 1.0, "x + c", closed(), point());
  }
  MatrixCase operator()(const model::SubConstant&) const {
    const Index m = size_between(rng, 1, 5);
    const bool first = index % 2 == 1;
    return dense_sandwich(rng, model::SubConstant{random_constants(rng, m, -4.0, 4.0), first}, m, 1.0,
                          first ? "c - x" : "x - c", closed(), point());
  }
  MatrixCase operator()(const model::MulConstant&) const {
    const Index m = size_between(rng, 1, 5);
    Eigen::VectorXd c = index % 2 ? random_constants(rng, m, -3.0, -0.01) : random_constants(rng, m, -3.0, 3.0);
    if (index % 4 == 2) c[0] = 0.0;
    return dense_sandwich(rng, model::MulConstant{c}, m, 1.0, index % 2 ? "x * c, c < 0" : "x * c, mixed signs",
                          closed(), point());
  }
  MatrixCase operator()(const model::DivConstant&) const {
    const Index m = size_between(rng, 1, 5);
    Eigen::VectorXd c = random_constants(rng, m, 0.001, 4.0);
    if (index % 2) c = -c;
    return dense_sandwich(rng, model::DivConstant{c}, m, 1.0, index % 2 ? "x / c, c < 0" : "x / c, c > 0",
                          closed(), point());
  }
  // Pooling straight on the input (even cases) or after a convolution (odd cases).
  template <class Pool>
  MatrixCase pooling(Pool pool, const std::string& variant) const {
    const Image image = random_image(rng);
    Network net({1, image.c, image.h, image.w});
    ValueId v = model::kInputValue;
    std::int64_t channels = image.c, h = image.h, w = image.w;
    if (index % 2) {
      const model::Window2d window = random_window(rng, image.c, image.h, image.w, false);
      const model::Conv2d conv = random_conv(rng, window, uniform_int(rng, 1, 2));
      channels = conv.out_channels;
      h = window.out_h;
      w = window.out_w;
      v = net.add("conv", conv, {v});
    }
    pool.window = random_window(rng, channels, h, w, true);
    v = net.add("pool", pool, {v});
    flatten_and_close(rng, net, v, index % 3 == 0);
    return {std::move(net), image_box(rng, image, index), variant + (index % 2 ? " after conv" : " on the input")};
  }
  MatrixCase operator()(const model::AveragePool&) const {
    model::AveragePool pool;
    pool.count_include_pad = (index / 2) % 2 == 1;
    return pooling(pool, pool.count_include_pad ? "count_include_pad" : "in-bounds count");
  }
  MatrixCase operator()(const model::MaxPool&) const { return pooling(model::MaxPool{}, "max"); }
  MatrixCase operator()(const model::Pad&) const {
    model::Pad pad;
    pad.value = chance(rng, 0.3) ? 0.0 : uniform(rng, -2.0, 2.0);
    if (index % 2 == 0) {
      const Image image = random_image(rng);
      Network net({1, image.c, image.h, image.w});
      pad.begin = {0, uniform_int(rng, 0, 1), uniform_int(rng, 0, 2), uniform_int(rng, 0, 2)};
      pad.end = {chance(rng, 0.2) ? 1 : 0, uniform_int(rng, 0, 1), uniform_int(rng, 0, 2), uniform_int(rng, 0, 2)};
      const ValueId v = net.add("pad", pad, {model::kInputValue});
      flatten_and_close(rng, net, v, closed());
      return {std::move(net), image_box(rng, image, index), "image pad"};
    }
    const Index n = size_between(rng, 1, 5);
    pad.begin = {uniform_int(rng, 0, 2)};
    pad.end = {uniform_int(rng, 0, 2)};
    Network net({n});
    const ValueId v = net.add("pad", pad, {model::kInputValue});
    net.add("dense_out", random_dense(rng, net.size(v), size_between(rng, 1, 3)), {v});
    return {std::move(net), random_box(rng, n), "vector pad"};
  }
};

// A new layer kind without a row here does not compile.
static_assert(model::covers_all_kinds<KindCases, model::KindList<>>,
              "the soundness matrix needs a row (a KindCases overload) for every layer kind");

// ---- Cells -------------------------------------------------------------------------------------

struct Cell {
  int passed = 0, refused = 0, failed = 0;
  bool empirical = false;
  std::string first_failure;

  void fail(const std::string& why) {
    if (failed++ == 0) first_failure = why;
  }
  std::string label() const {
    if (failed > 0) return "FAIL";
    std::string s = empirical ? "inner" : passed > 0 ? "pass" : "";
    if (refused > 0) s += std::string(s.empty() ? "" : "+") + "refused";
    return s.empty() ? "-" : s;
  }
};

struct Row {
  std::string kind;
  std::vector<std::string> variants;
  std::int64_t points = 0;
  std::vector<Cell> cells;  // one per method
};

bool contains(const std::string& text, std::string_view part) { return text.find(part) != std::string::npos; }

// Rounding allowance of the empirical check: the float64 forward error of these networks (a few
// layers of width ≤ 6, values of order 1) is below 2^-45 relative to the values or absolute;
// 2^-30 leaves a wide margin.
constexpr double kForwardSlack = 0x1p-30;
double forward_slack(double bound) { return kForwardSlack * (1.0 + std::abs(bound)); }

void run_case(const MatrixCase& c, std::string_view kind, Rng& rng, const std::vector<std::unique_ptr<bounds::Method>>& methods,
              Row& row, const std::string& where) {
  const ReferenceEvaluator reference;
  std::vector<MethodOutcome> outcomes;
  for (const auto& method : methods) outcomes.push_back(run_method(*method, c.network, c.box));

  std::vector<std::size_t> sound;
  for (std::size_t m = 0; m < outcomes.size(); ++m) {
    const MethodOutcome& o = outcomes[m];
    Cell& cell = row.cells[m];
    switch (o.status) {
      case MethodOutcome::Status::Refused:
        ++cell.refused;
        if (!contains(o.message, o.method) || !contains(o.message, kind))
          cell.fail(where + ": the refusal does not name the method and the kind " + std::string(kind) + ": " +
                    o.message);
        break;
      case MethodOutcome::Status::Error:
        cell.fail(where + ": threw " + o.message);
        break;
      case MethodOutcome::Status::Bounds:
        if (o.result.output.size() != c.network.output_size())
          cell.fail(where + ": " + std::to_string(o.result.output.size()) + " output bounds for " +
                    std::to_string(c.network.output_size()) + " outputs");
        else if (o.result.sound)
          sound.push_back(m);
        else
          cell.empirical = true;
        break;
    }
  }

  // The points: vertices, random points, and the ascent's finds on every output (a point box is
  // its only point).
  std::vector<Eigen::VectorXd> points = box_vertices(c.box, 10);
  if (!free_coordinates(c.box).empty()) {
    points.push_back((c.box.lower + c.box.upper) * 0.5);
    for (int k = 0; k < 24; ++k) points.push_back(random_point_in(rng, c.box));
    for (Eigen::VectorXd& x : ascent_points(c.network, c.box, rng)) points.push_back(std::move(x));
  }
  row.points += static_cast<std::int64_t>(points.size());

  std::vector<bool> held(outcomes.size(), true);
  for (const Eigen::VectorXd& x : points) {
    Values exact;
    try {
      exact = reference.evaluate(c.network, x);
    } catch (const std::exception& e) {
      for (std::size_t m : sound) row.cells[m].fail(where + ": the MPFR reference failed: " + e.what());
      return;
    }
    for (std::size_t m : sound) {
      if (!held[m]) continue;
      const Index i = first_escape(outcomes[m].result.output, exact);
      if (i < 0) continue;
      held[m] = false;
      const bounds::Box& b = outcomes[m].result.output;
      row.cells[m].fail(where + ": output " + std::to_string(i) + " = [" +
                        exact[static_cast<std::size_t>(i)].lo.to_string(30) + ", " +
                        exact[static_cast<std::size_t>(i)].hi.to_string(30) + "] outside [" + hex(b.lower[i]) +
                        ", " + hex(b.upper[i]) + "] at " + describe_point(x));
    }
  }
  for (std::size_t m : sound)
    if (held[m]) ++row.cells[m].passed;

  // Empirical methods: inner boxes, inside every sound box up to forward rounding.
  for (std::size_t e = 0; e < outcomes.size(); ++e) {
    if (outcomes[e].status != MethodOutcome::Status::Bounds || outcomes[e].result.sound) continue;
    const bounds::Box& inner = outcomes[e].result.output;
    bool consistent = true;
    for (std::size_t m : sound) {
      const bounds::Box& outer = outcomes[m].result.output;
      for (Index i = 0; i < inner.size() && consistent; ++i)
        if (!(inner.lower[i] >= outer.lower[i] - forward_slack(outer.lower[i]) &&
              inner.upper[i] <= outer.upper[i] + forward_slack(outer.upper[i]))) {
          consistent = false;
          row.cells[e].fail(where + ": output " + std::to_string(i) + " sampled in [" + hex(inner.lower[i]) + ", " +
                            hex(inner.upper[i]) + "], outside " + outcomes[m].method + "'s [" + hex(outer.lower[i]) +
                            ", " + hex(outer.upper[i]) + "]");
        }
    }
    if (consistent) ++row.cells[e].passed;
  }
}

template <std::size_t I>
Row run_kind(std::uint64_t seed, const std::vector<std::unique_ptr<bounds::Method>>& methods) {
  using Kind = std::variant_alternative_t<I, LayerOp>;
  Row row{std::string(Kind::kind_name), {}, 0, std::vector<Cell>(methods.size())};
  for (int index = 0; index < kCasesPerKind; ++index) {
    Rng rng = case_generator(seed, 100 + I, static_cast<std::uint64_t>(index));
    MatrixCase c = KindCases{rng, index}(Kind{});
    if (index >= kBoxCases) {
      c.box.upper = c.box.lower;
      c.variant += ", point box";
    }
    bool has_kind = false;
    for (const model::Node& node : c.network.nodes()) has_kind = has_kind || node.op.index() == I;
    EXPECT_TRUE(has_kind) << "the " << row.kind << " row built a network without a " << row.kind << " layer";
    if (std::find(row.variants.begin(), row.variants.end(), c.variant) == row.variants.end())
      row.variants.push_back(c.variant);
    const std::string where = row.kind + " case " + std::to_string(index) + " (" + c.variant +
                              ", CERTNN_TEST_SEED=" + std::to_string(seed) + ")";
    run_case(c, Kind::kind_name, rng, methods, row, where);
  }
  return row;
}

TEST(MethodMatrix, EveryMethodOnEveryLayerKind) {
  const std::uint64_t seed = announce_seed();
  const std::vector<std::string> names = bounds::method_names();
  std::vector<std::unique_ptr<bounds::Method>> methods;
  for (const std::string& name : names) methods.push_back(bounds::make_method(name));

  constexpr std::size_t kKinds = std::variant_size_v<LayerOp>;
  std::vector<Row> rows = [&]<std::size_t... I>(std::index_sequence<I...>) {
    return std::vector<Row>{run_kind<I>(seed, methods)...};
  }(std::make_index_sequence<kKinds>{});
  ASSERT_EQ(rows.size(), kKinds);

  // The matrix, as a reader sees it.
  std::cout << "\nmethod x layer-kind soundness matrix: " << kCasesPerKind << " random networks per kind (" << kBoxCases
            << " over boxes, " << kPointCases << " at points); pass = every MPFR point inside the bounds, refused = Unsupported "
               "naming method and kind, inner = empirical box inside the sound boxes\n";
  std::cout << std::left << std::setw(20) << "kind";
  for (const std::string& name : names) std::cout << std::setw(12) << name;
  std::cout << "MPFR points\n";
  for (const Row& row : rows) {
    std::cout << std::setw(20) << row.kind;
    for (const Cell& cell : row.cells) std::cout << std::setw(12) << cell.label();
    std::cout << row.points << "\n";
  }
  std::cout << "\nnetworks per kind:\n";
  for (const Row& row : rows) {
    std::string variants;
    for (const std::string& v : row.variants) variants += (variants.empty() ? "" : "; ") + v;
    std::cout << "  " << std::setw(20) << row.kind << variants << "\n";
  }
  std::cout << std::right << "\n";

  for (const Row& row : rows) {
    bool some_sound_method_passed = false;
    for (std::size_t m = 0; m < row.cells.size(); ++m) {
      const Cell& cell = row.cells[m];
      EXPECT_EQ(cell.failed, 0) << names[m] << " x " << row.kind << ": " << cell.failed << " of " << kCasesPerKind
                                << " cases failed; first: " << cell.first_failure;
      some_sound_method_passed = some_sound_method_passed || (!cell.empirical && cell.passed == kCasesPerKind);
    }
    EXPECT_TRUE(some_sound_method_passed) << "no sound method bounds every " << row.kind << " case";
  }

  // What the registry (and `certnn methods --matrix`, the README's table) claims is what the
  // cases show: a refused kind is refused in every case, an estimate is an inner box, and every
  // other cell passes against MPFR in every case.
  const auto& registry = bounds::method_registry();
  ASSERT_EQ(registry.size(), names.size());
  for (std::size_t m = 0; m < registry.size(); ++m) {
    const std::vector<std::string_view> refused = registry[m].make()->refused_kinds();
    for (const Row& row : rows) {
      const Cell& cell = row.cells[m];
      const bool claims_refusal = std::find(refused.begin(), refused.end(), row.kind) != refused.end();
      SCOPED_TRACE(names[m] + " x " + row.kind);
      if (claims_refusal) {
        EXPECT_EQ(cell.refused, kCasesPerKind);
      } else if (!registry[m].sound) {
        EXPECT_TRUE(cell.empirical);
        EXPECT_EQ(cell.refused, 0);
      } else {
        EXPECT_EQ(cell.passed, kCasesPerKind);
        EXPECT_EQ(cell.refused, 0);
      }
    }
  }
}

}  // namespace
}  // namespace certnn::soundness
