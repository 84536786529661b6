// The enclosed forms of exact linear-piece decisions (verify/enclosed_forms.hpp) against the MPFR
// reference. The forms are sound when, at every input of the box where the assumed ReLU signs
// hold, each exact real-arithmetic value v_i lies within F_i·(x, 1) ± radius_i; the LP rows built
// from them when an exact constraint that holds implies g·x − h ≤ slack; and a Farkas check when
// the weights it accepts really prove the slackened system infeasible on the box. A radius or a
// slack that misses one rounding, or an underflow, lets the exact decisions prove a false claim.
//
// - Networks: random Dense/ReLU/LeakyReLU networks (moderate weights, weights of 1e6, of 1e-300,
//   products that underflow to subnormals and a 2^1000 layer that magnifies what they lost), a
//   network with Sub/Div/Mul/Add constants, reshapes and residual Add/Sub tensors, and chains of
//   element-wise layers on x itself, evaluated in MPFR at box vertices, random points and points
//   next to a ReLU's kink. The ReLU signs at each point come from the MPFR pre-activations, and
//   the forms are propagated node by node with those slopes; the sign rows and output constraint
//   rows are checked at the same points.
// - Operations: each layer kind, scale_rows and constraint_rows on random forms with random radii
//   must map every value the operands' forms allow into their result; images are taken at the
//   ends of the radii that push each result furthest, and a Dense layer is built whose underflows
//   all round the same way. sign_on_box must hold at the box vertex nearest to the other side.
// - Farkas checks: systems shifted to margins from clear to below rounding (accepted weights have a
//   positive exact margin, clear margins are accepted, a raised slack is refused), sweeps across
//   zero margin where every product underflows (also with every rounding in the wrong direction),
//   satisfiable systems (no weights prove them, the LP's included) and malformed weights.
//
// Every comparison is exact: F_i·(x, 1) ± radius_i and the margins are computed in MPFR with enough
// bits that no operation rounds (each one's ternary value is checked).
#include "certnn/verify/enclosed_forms.hpp"

#include <gtest/gtest.h>
#include <mpfr.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <iostream>
#include <iterator>
#include <limits>
#include <optional>
#include <sstream>
#include <string>
#include <variant>
#include <vector>

#include "certnn/verify/minimax_lp.hpp"
#include "certnn/verify/search.hpp"
#include "mpfr_reference.hpp"
#include "network_points.hpp"
#include "random_doubles.hpp"
#include "test_seed.hpp"

namespace certnn::soundness {
namespace {

using Eigen::Index;
using Eigen::MatrixXd;
using Eigen::VectorXd;
using model::Network;
using model::ValueId;
using verify::EnclosedForms;
using verify::FormCalculus;
using verify::SlackRows;

// Doubles are multiples of 2^-1074 below 2^1024, so products of two of them are multiples of
// 2^-2148 below 2^2048, and products of such a sum with a double multiples of 2^-3222 below
// 2^3072: 8192 bits hold every sum of a few of them exactly. The reference evaluates the networks
// at the same precision (its enclosures are rigorous at any; at this one they are tight).
constexpr mpfr_prec_t kExactBits = 8192;

// A sum of products computed in MPFR that records whether any operation rounded.
class ExactSum {
 public:
  ExactSum() : value_(kExactBits), scratch_(kExactBits) {}
  void add(double a) { note(mpfr_add_d(value_.get(), value_.get(), a, MPFR_RNDN)); }
  void add(const Mpfr& a) { note(mpfr_add(value_.get(), value_.get(), a.get(), MPFR_RNDN)); }
  void add_product(double a, double b) {
    note(mpfr_set_d(scratch_.get(), a, MPFR_RNDN));
    note(mpfr_mul_d(scratch_.get(), scratch_.get(), b, MPFR_RNDN));
    add(scratch_);
  }
  void add_product(const Mpfr& a, double b) {
    note(mpfr_mul_d(scratch_.get(), a.get(), b, MPFR_RNDN));
    add(scratch_);
  }
  const Mpfr& value() const { return value_; }
  bool exact() const { return exact_; }

 private:
  void note(int ternary) { exact_ = exact_ && ternary == 0; }

  Mpfr value_, scratch_;
  bool exact_ = true;
};

// F_i·(x, 1), exactly.
ExactSum form_value(const EnclosedForms& form, Index i, const VectorXd& x) {
  ExactSum c;
  for (Index j = 0; j < x.size(); ++j) c.add_product(form.f(i, j), x[j]);
  c.add(form.f(i, x.size()));
  return c;
}

// Whether the enclosure of the exact value lies in F_i·(x, 1) ± radius_i.
::testing::AssertionResult form_encloses(const EnclosedForms& form, Index i, const VectorXd& x, const Enclosure& v) {
  const double r = form.radius[i];
  if (!(r >= 0.0) || !std::isfinite(r)) return ::testing::AssertionFailure() << "radius " << hex(r);
  ExactSum lower = form_value(form, i, x), upper = lower;
  lower.add(-r);
  upper.add(r);
  if (!lower.exact() || !upper.exact()) return ::testing::AssertionFailure() << "the exact arithmetic rounded";
  if (mpfr_lessequal_p(lower.value().get(), v.lo.get()) && mpfr_lessequal_p(v.hi.get(), upper.value().get()))
    return ::testing::AssertionSuccess();
  ExactSum centre = form_value(form, i, x);
  Mpfr excess(kExactBits);  // how far the value is outside the radius
  if (mpfr_less_p(v.lo.get(), lower.value().get())) {
    mpfr_sub(excess.get(), lower.value().get(), v.lo.get(), MPFR_RNDU);
  } else {
    mpfr_sub(excess.get(), v.hi.get(), upper.value().get(), MPFR_RNDU);
  }
  return ::testing::AssertionFailure() << "value [" << v.lo.to_string() << ", " << v.hi.to_string() << "], F·(x, 1) = "
                                       << centre.value().to_string() << ", radius " << hex(r) << " ("
                                       << r << "), outside by " << excess.to_string(6);
}

// ---- Random networks --------------------------------------------------------------------------

model::LayerOp random_activation(Rng& rng) {
  if (chance(rng, 0.5)) return model::Relu{};
  static constexpr double kAlphas[] = {0.0, 0.01, 0.1, 0.25, 1.0 / 3.0, 0.7, 1.0};
  return model::LeakyRelu{kAlphas[uniform_int(rng, 0, static_cast<std::int64_t>(std::size(kAlphas)) - 1)]};
}

// x[n] → (Dense → activation)* → Dense, dense layer k's weights multiplied by weight_scales[k]
// and its biases by the product of the scales so far (the size of the values it adds to).
Network scaled_mlp(Rng& rng, const std::vector<double>& weight_scales) {
  const Index n = uniform_int(rng, 2, 5);
  Network net({n});
  ValueId v = model::kInputValue;
  Index width = n;
  double value_scale = 1.0;
  for (std::size_t k = 0; k < weight_scales.size(); ++k) {
    const bool last = k + 1 == weight_scales.size();
    const Index out = last ? uniform_int(rng, 1, 3) : uniform_int(rng, 3, 8);
    model::Dense dense = random_dense(rng, width, out, 2.0);
    value_scale *= weight_scales[k];
    dense.weight *= weight_scales[k];
    dense.bias *= value_scale;
    v = net.add("dense_" + std::to_string(k), dense, {v});
    width = out;
    if (!last) v = net.add("activation_" + std::to_string(k), random_activation(rng), {v});
  }
  return net;
}

VectorXd random_constant(Rng& rng, Index n, bool nonzero) {
  VectorXd c(n);
  for (Index i = 0; i < n; ++i) {
    c[i] = chance(rng, 0.2) ? static_cast<double>(uniform_int(rng, -3, 3)) : uniform(rng, -2.0, 2.0);
    if (nonzero && std::abs(c[i]) < 0.05) c[i] = chance(rng, 0.5) ? 3.0 : 0.1;
  }
  return c;
}

// Every layer kind the forms pass: x[n] → Dense → ReLU → (c − ·) or (· − c) → ÷ c → Dense →
// LeakyReLU → + the ReLU's output → [1, w] → × c → + c → [w] → − the subtraction's output → Dense.
Network constants_and_residuals(Rng& rng) {
  const Index n = uniform_int(rng, 2, 4), w = uniform_int(rng, 3, 6);
  Network net({n});
  ValueId v = net.add("dense_in", random_dense(rng, n, w, 2.0), {model::kInputValue});
  const ValueId relu = net.add("relu", model::Relu{}, {v});
  const ValueId sub = net.add("sub", model::SubConstant{random_constant(rng, w, false), chance(rng, 0.5)}, {relu});
  v = net.add("div", model::DivConstant{random_constant(rng, w, true)}, {sub});
  v = net.add("dense_mid", random_dense(rng, w, w, 2.0), {v});
  v = net.add("leaky", model::LeakyRelu{0.1}, {v});
  v = net.add("skip", model::AddTensors{}, {v, relu});
  v = net.add("to_row", model::Reshape{{1, w}}, {v});
  v = net.add("mul", model::MulConstant{random_constant(rng, w, false)}, {v});
  v = net.add("add", model::AddConstant{random_constant(rng, w, false)}, {v});
  v = net.add("flatten", model::Reshape{{w}}, {v});
  v = net.add("minus", model::SubTensors{}, {v, sub});
  net.add("dense_out", random_dense(rng, w, uniform_int(rng, 1, 3), 2.0), {v});
  return net;
}

// A factor for Mul/Div constants: inexact reciprocals and full significands, exact small ones,
// and (for products only) subnormal ones whose entries keep a few bits.
double random_factor(Rng& rng, bool allow_subnormal) {
  const double u = uniform(rng, 0.0, 1.0), sign = random_sign(rng);
  if (u < 0.15) return sign * static_cast<double>(uniform_int(rng, 1, 4));
  if (u < 0.3) return sign / 3.0;
  if (u < 0.4) return sign * 0.1;
  if (allow_subnormal && u < 0.5) return sign * std::ldexp(random_significand(rng), static_cast<int>(uniform_int(rng, -1072, -1040)));
  return sign * std::ldexp(random_significand(rng), static_cast<int>(uniform_int(rng, -4, 4)));
}

// x[n] → a chain of element-wise layers (× c, ÷ c, + c, − c, c − ·, + or − an earlier value,
// ReLU, LeakyReLU, reshape and back) → sometimes a Dense layer. The forms of x are exact with
// radius 0, so each layer's own rounding term is all that covers the rounding it adds.
Network elementwise_chain(Rng& rng) {
  const Index n = uniform_int(rng, 2, 4);
  Network net({n});
  std::vector<ValueId> earlier{model::kInputValue};
  ValueId v = model::kInputValue;
  const int steps = static_cast<int>(uniform_int(rng, 3, 8));
  for (int step = 0; step < steps; ++step) {
    const std::string name = "step_" + std::to_string(step);
    VectorXd c(n);
    switch (uniform_int(rng, 0, 7)) {
      case 0:
        for (Index i = 0; i < n; ++i) c[i] = random_factor(rng, true);
        v = net.add(name, model::MulConstant{c}, {v});
        break;
      case 1:
        for (Index i = 0; i < n; ++i) c[i] = random_factor(rng, false);
        v = net.add(name, model::DivConstant{c}, {v});
        break;
      case 2:
        for (Index i = 0; i < n; ++i) c[i] = random_factor(rng, false);
        v = net.add(name, model::AddConstant{c}, {v});
        break;
      case 3:
        for (Index i = 0; i < n; ++i) c[i] = random_factor(rng, false);
        v = net.add(name, model::SubConstant{c, chance(rng, 0.5)}, {v});
        break;
      case 4:
        v = net.add(name, model::AddTensors{}, {v, earlier[uniform_int(rng, 0, static_cast<std::int64_t>(earlier.size()) - 1)]});
        break;
      case 5:
        v = net.add(name, model::SubTensors{}, {v, earlier[uniform_int(rng, 0, static_cast<std::int64_t>(earlier.size()) - 1)]});
        break;
      case 6:
        v = net.add(name, random_activation(rng), {v});
        break;
      default:
        v = net.add(name + "_row", model::Reshape{{1, n}}, {v});
        v = net.add(name, model::Reshape{{n}}, {v});
        break;
    }
    earlier.push_back(v);
  }
  if (chance(rng, 0.5)) net.add("dense_out", random_dense(rng, n, uniform_int(rng, 1, 3), 2.0), {v});
  return net;
}

struct Family {
  std::string name;
  std::function<Network(Rng&)> make;
  double box_scale;  // the box's centre and radius are multiplied by it
  int networks;
};

std::vector<Family> families() {
  return {
      {"moderate", [](Rng& rng) { return scaled_mlp(rng, {1.0, 1.0, 1.0}); }, 1.0, 12},
      {"deep", [](Rng& rng) { return scaled_mlp(rng, {1.0, 1.0, 1.0, 1.0, 1.0}); }, 1.0, 6},
      {"wide box", [](Rng& rng) { return scaled_mlp(rng, {1.0, 1.0, 1.0}); }, 1e6, 6},
      {"weights 1e6", [](Rng& rng) { return scaled_mlp(rng, {1e6, 1e6, 1e6}); }, 1.0, 8},
      {"weights 1e-300", [](Rng& rng) { return scaled_mlp(rng, {1e-300, 1e-300, 1e-300}); }, 1.0, 8},
      // Products of 1e-310 are subnormal: a relative error bound misses their rounding, and the
      // 1e300 layer after them magnifies it to the size of the values.
      {"mixed 1e-300, 1e-10, 1e300", [](Rng& rng) { return scaled_mlp(rng, {1e-300, 1e-10, 1e300, 1.0}); }, 1.0, 8},
      // Products of 2^-1074 to 2^-1040 keep a few bits or none: only the underflow terms cover
      // what they lose, and the 2^1000 layer brings it to the size of the values.
      {"underflowing products", [](Rng& rng) { return scaled_mlp(rng, {0x1p-537, 0x1p-537, 0x1p1000, 1.0}); }, 4.0, 8},
      {"subnormal products", [](Rng& rng) { return scaled_mlp(rng, {0x1p-520, 0x1p-520, 0x1p1000, 1.0}); }, 4.0, 8},
      {"constants and residuals", constants_and_residuals, 1.0, 10},
      {"element-wise chain", elementwise_chain, 4.0, 30},
  };
}

// The slope of ReLU-like `op` below its kink.
double leak(const model::LayerOp& op) {
  if (const auto* leaky = std::get_if<model::LeakyRelu>(&op)) return leaky->alpha;
  return 0.0;
}

// The forms of every value at the activation pattern of the point evaluated, and the sign taken
// for each ReLU-like input element (+1: z ≥ 0, −1: z ≤ 0); nothing when the enclosure of a
// pre-activation straddles zero. An exact zero takes either side at random: both hold there.
struct Propagation {
  std::vector<EnclosedForms> forms;
  std::vector<std::vector<int>> signs;  // per node, empty unless ReLU-like
};
std::optional<Propagation> propagate_at(const Network& network, const FormCalculus& calculus,
                                        const Evaluation& evaluation, Rng& rng) {
  Propagation p;
  p.forms.resize(static_cast<std::size_t>(network.value_count()));
  p.signs.resize(network.nodes().size());
  p.forms[model::kInputValue] = calculus.input();
  for (std::size_t k = 0; k < network.nodes().size(); ++k) {
    const model::Node& node = network.nodes()[k];
    if (!verify::is_relu_like(node.op)) {
      std::vector<const EnclosedForms*> operands;
      for (ValueId in : node.inputs) operands.push_back(&p.forms[in]);
      p.forms[k + 1] = calculus.affine(k, operands);
      continue;
    }
    const Values& z = evaluation.values[node.inputs[0]];
    VectorXd slope(static_cast<Index>(z.size()));
    for (std::size_t i = 0; i < z.size(); ++i) {
      const int lo = mpfr_sgn(z[i].lo.get()), hi = mpfr_sgn(z[i].hi.get());
      int sign;
      if (lo == 0 && hi == 0) {
        sign = chance(rng, 0.5) ? 1 : -1;
      } else if (lo >= 0) {
        sign = 1;
      } else if (hi <= 0) {
        sign = -1;
      } else {
        return std::nullopt;
      }
      p.signs[k].push_back(sign);
      slope[static_cast<Index>(i)] = sign > 0 ? 1.0 : leak(node.op);
    }
    p.forms[k + 1] = calculus.scale_rows(p.forms[node.inputs[0]], slope);
  }
  return p;
}

// The sign of pre-activation `neuron` of ReLU-like node `node` at x: ±1, or 0 where the enclosure
// reaches zero.
int pre_activation_sign(const ReferenceEvaluator& reference, const Network& network, std::size_t node, Index neuron,
                        const VectorXd& x) {
  const Evaluation evaluation = reference.evaluate_all(network, x);
  const Enclosure& z = evaluation.values[network.nodes()[node].inputs[0]][static_cast<std::size_t>(neuron)];
  return mpfr_sgn(z.lo.get()) > 0 ? 1 : mpfr_sgn(z.hi.get()) < 0 ? -1 : 0;
}

// Points on both sides of a ReLU's kink, as close to it as double inputs get: the ends of a
// bisection between two random points of the box where the pre-activation's signs differ. There
// the forms' value can sit on the wrong side of zero, and the sign rows need their slacks.
std::vector<VectorXd> kink_points(const ReferenceEvaluator& reference, const Network& network, const bounds::Box& box,
                                  Rng& rng, int kinks) {
  std::vector<std::size_t> activations;
  for (std::size_t k = 0; k < network.nodes().size(); ++k)
    if (verify::is_relu_like(network.nodes()[k].op)) activations.push_back(k);
  std::vector<VectorXd> points;
  if (activations.empty()) return points;
  for (int attempt = 0; attempt < 12 * kinks && points.size() < 2 * static_cast<std::size_t>(kinks); ++attempt) {
    const std::size_t node = activations[uniform_int(rng, 0, static_cast<std::int64_t>(activations.size()) - 1)];
    const Index neuron = uniform_int(rng, 0, network.size(network.nodes()[node].inputs[0]) - 1);
    // b is often a's reflection through the centre, across the neurons that are nearly linear.
    VectorXd a = random_point_in(rng, box), b = chance(rng, 0.5) ? VectorXd(box.lower + box.upper - a) : random_point_in(rng, box);
    b = b.cwiseMax(box.lower).cwiseMin(box.upper);
    const int sign_a = pre_activation_sign(reference, network, node, neuron, a);
    if (sign_a == 0 || sign_a * pre_activation_sign(reference, network, node, neuron, b) >= 0) continue;
    for (int step = 0; step < 120; ++step) {
      const VectorXd mid = a + 0.5 * (b - a);
      if (mid == a || mid == b) break;
      const int sign = pre_activation_sign(reference, network, node, neuron, mid);
      if (sign == 0) {
        a = b = mid;
        break;
      }
      (sign == sign_a ? a : b) = mid;
    }
    points.push_back(a);
    points.push_back(b);
  }
  return points;
}

// Whether g_k·x − h_k ≤ slack_k holds exactly for row k.
::testing::AssertionResult row_holds(const SlackRows& rows, Index k, const VectorXd& x) {
  ExactSum s;
  for (Index j = 0; j < x.size(); ++j) s.add_product(rows.g(k, j), x[j]);
  s.add(-rows.h[k]);
  s.add(-rows.slack[k]);
  if (!s.exact()) return ::testing::AssertionFailure() << "the exact arithmetic rounded";
  if (mpfr_sgn(s.value().get()) <= 0 && rows.slack[k] >= 0.0) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "g·x − h − slack = " << s.value().to_string(8) << ", slack " << hex(rows.slack[k]);
}

// The smallest double ≥ a·v over the enclosures of v.
double bound_above(const VectorXd& a, const Values& v) {
  Mpfr sum(kExactBits), term(kExactBits);
  for (Index j = 0; j < a.size(); ++j) {
    mpfr_mul_d(term.get(), (a[j] >= 0.0 ? v[j].hi : v[j].lo).get(), a[j], MPFR_RNDU);
    mpfr_add(sum.get(), sum.get(), term.get(), MPFR_RNDU);
  }
  return mpfr_get_d(sum.get(), MPFR_RNDU);
}

bounds::Box scaled_box(Rng& rng, Index n, double scale) {
  bounds::Box box = random_box(rng, n);
  box.lower *= scale;
  box.upper *= scale;
  return box;
}

TEST(EnclosedFormsMpfr, FormsEncloseTheExactValuesWhereTheirSignsHold) {
  const std::uint64_t seed = announce_seed();
  const ReferenceEvaluator reference(kExactBits), bisection_reference;
  std::int64_t points = 0, checked = 0, straddling = 0, rows_checked = 0, kinks = 0;
  int failures = 0;
  const std::vector<Family> all = families();
  for (std::size_t f = 0; f < all.size(); ++f) {
    for (int k = 0; k < all[f].networks && failures < 10; ++k) {
      Rng rng = case_generator(seed, 100 + f, static_cast<std::uint64_t>(k));
      const Network network = all[f].make(rng);
      ASSERT_TRUE(FormCalculus::supports(network));
      const bounds::Box box = scaled_box(rng, network.input_size(), all[f].box_scale);
      const FormCalculus calculus(network, box);
      std::vector<VectorXd> xs = box_vertices(box, 5);
      xs.push_back((box.lower + box.upper) * 0.5);
      for (int p = 0; p < 12; ++p) xs.push_back(random_point_in(rng, box));
      const std::vector<VectorXd> near_kinks = kink_points(bisection_reference, network, box, rng, 3);
      kinks += static_cast<std::int64_t>(near_kinks.size());
      xs.insert(xs.end(), near_kinks.begin(), near_kinks.end());
      for (std::size_t p = 0; p < xs.size() && failures < 10; ++p) {
        const VectorXd& x = xs[p];
        const Evaluation evaluation = reference.evaluate_all(network, x);
        const auto propagation = propagate_at(network, calculus, evaluation, rng);
        if (!propagation) {
          ++straddling;
          continue;
        }
        ++points;
        const std::string where = all[f].name + " network " + std::to_string(k) + " (seed " + std::to_string(seed) +
                                  "), point " + std::to_string(p) + ": " + describe_point(x);
        for (ValueId v = 0; v < network.value_count(); ++v) {
          const Values& values = evaluation.values[v];
          const EnclosedForms& form = propagation->forms[v];
          ASSERT_EQ(form.f.rows(), static_cast<Index>(values.size())) << where;
          ASSERT_EQ(form.f.cols(), network.input_size() + 1) << where;
          for (std::size_t i = 0; i < values.size(); ++i) {
            ++checked;
            const auto result = form_encloses(form, static_cast<Index>(i), x, values[i]);
            EXPECT_TRUE(result) << where << ", value " << v << (v > 0 ? " (" + network.producer(v).name + ")" : "")
                                << " element " << i;
            failures += !result;
          }
        }
        // The sign rows of the pattern hold at x.
        for (std::size_t node = 0; node < network.nodes().size(); ++node) {
          const std::vector<int>& signs = propagation->signs[node];
          const ValueId z = network.nodes()[node].inputs[0];
          for (std::size_t i = 0; i < signs.size(); ++i) {
            SlackRows rows{MatrixXd(0, network.input_size()), VectorXd(0), VectorXd(0)};
            calculus.append_sign_row(rows, propagation->forms[z], static_cast<Index>(i), signs[i]);
            ++rows_checked;
            const auto result = row_holds(rows, 0, x);
            EXPECT_TRUE(result) << where << ", sign row of node " << node << " element " << i;
            failures += !result;
          }
        }
        // Output constraints a·y ≤ b with b the smallest double above a·y: the rows hold at x.
        const Index m = network.output_size(), c = uniform_int(rng, 1, 3);
        MatrixXd a(m, c);
        for (Index j = 0; j < a.size(); ++j) a(j) = chance(rng, 0.3) ? static_cast<double>(uniform_int(rng, -2, 2)) : uniform(rng, -1.0, 1.0);
        VectorXd b(c);
        const Values& y = evaluation.values[network.output()];
        for (Index j = 0; j < c; ++j) b[j] = bound_above(a.col(j), y);
        if (!b.allFinite()) continue;
        const SlackRows rows = calculus.constraint_rows(propagation->forms[network.output()], a, b);
        for (Index j = 0; j < c; ++j) {
          ++rows_checked;
          const auto result = row_holds(rows, j, x);
          EXPECT_TRUE(result) << where << ", output constraint " << j;
          failures += !result;
        }
      }
    }
  }
  std::cout << points << " points (" << kinks << " next to kinks), " << checked << " values and " << rows_checked
            << " rows checked, " << straddling << " points skipped (a pre-activation enclosure across zero)\n";
  EXPECT_GT(points, 1000);
  EXPECT_GT(kinks, 30);
}

// ---- Each operation on synthetic forms -------------------------------------------------------

// The forms are propagated by induction over the nodes, so each operation must map every value
// its operands' forms allow (any z with |z − F·(x, 1)| ≤ radius) into its own result's forms. The
// operands here are random forms with random radii at several magnitudes (full significands,
// products that underflow to subnormals, entries that cancel), and the images are taken at the
// ends of the operands' radii that push each result furthest.

// ±m·2^e with e in [lo, hi]; some zeros and small integers (scaled to 2^lo).
double random_entry(Rng& rng, int lo, int hi) {
  const double u = uniform(rng, 0.0, 1.0);
  if (u < 0.1) return 0.0;
  if (u < 0.2) return std::ldexp(static_cast<double>(uniform_int(rng, -3, 3)), lo);
  return random_sign(rng) * std::ldexp(random_significand(rng), static_cast<int>(uniform_int(rng, lo, hi)));
}

struct Magnitude {
  std::string name;
  int lo, hi;                // exponents of the forms' entries
  int weight_lo, weight_hi;  // exponents of Dense weights and Mul/Div constants
};

const std::vector<Magnitude>& magnitudes() {
  static const std::vector<Magnitude> all = {
      {"moderate", -4, 4, -4, 4},
      {"cancelling", -60, 60, -30, 30},
      {"large", 15, 25, 15, 25},
      {"huge", 480, 500, 380, 400},
      {"tiny", -1000, -990, -4, 4},
      {"underflowing products", -560, -520, -540, -500},
      {"subnormal products", -560, -540, -520, -500},
      {"subnormal", -1074, -1040, -4, 4},
  };
  return all;
}

// Random forms; `exact`: radius 0 throughout (forms of values no rounding has touched yet), so
// that the operation's own rounding term is all that covers its rounding.
EnclosedForms random_forms(Rng& rng, Index rows, Index n, const Magnitude& m, bool exact) {
  EnclosedForms v{MatrixXd(rows, n + 1), VectorXd::Zero(rows)};
  for (Index k = 0; k < v.f.size(); ++k) v.f(k) = random_entry(rng, m.lo, m.hi);
  for (Index i = 0; i < rows && !exact; ++i)
    v.radius[i] = chance(rng, 0.35) ? 0.0 : std::ldexp(random_significand(rng), static_cast<int>(uniform_int(rng, m.lo - 60, m.hi)));
  return v;
}

// A network whose node 1 applies `op` to value 1 (of `rows` elements), the node affine(1, ...)
// is asked about.
Network host_network(Index n, Index rows, model::LayerOp op, std::size_t operands) {
  Network net({n});
  const ValueId v = net.add("placeholder", model::Dense{MatrixXd::Zero(rows, n), VectorXd::Zero(rows)}, {model::kInputValue});
  net.add("under_test", std::move(op), std::vector<ValueId>(operands, v));
  return net;
}

// z_i = F_i·(x, 1) + end·radius_i, exactly.
Mpfr operand_value(const EnclosedForms& v, Index i, const VectorXd& x, double end, bool& exact) {
  ExactSum z = form_value(v, i, x);
  z.add(end * v.radius[i]);
  exact = exact && z.exact();
  return z.value();
}

// The image of one element under an element-wise kind, enclosed (directed rounding; exact but
// for division).
Enclosure elementwise_image(const model::LayerOp& op, Index i, const Mpfr& z, const Mpfr* w, double slope) {
  Enclosure e{Mpfr(kExactBits), Mpfr(kExactBits)};
  const auto both = [&](auto&& f) {
    f(e.lo.get(), MPFR_RNDD);
    f(e.hi.get(), MPFR_RNDU);
  };
  if (const auto* mul = std::get_if<model::MulConstant>(&op)) {
    both([&](mpfr_ptr r, mpfr_rnd_t d) { mpfr_mul_d(r, z.get(), mul->constant[i], d); });
  } else if (const auto* div = std::get_if<model::DivConstant>(&op)) {
    both([&](mpfr_ptr r, mpfr_rnd_t d) { mpfr_div_d(r, z.get(), div->constant[i], d); });
  } else if (const auto* add = std::get_if<model::AddConstant>(&op)) {
    both([&](mpfr_ptr r, mpfr_rnd_t d) { mpfr_add_d(r, z.get(), add->constant[i], d); });
  } else if (const auto* sub = std::get_if<model::SubConstant>(&op)) {
    both([&](mpfr_ptr r, mpfr_rnd_t d) {
      sub->constant_first ? mpfr_d_sub(r, sub->constant[i], z.get(), d) : mpfr_sub_d(r, z.get(), sub->constant[i], d);
    });
  } else if (std::holds_alternative<model::AddTensors>(op)) {
    both([&](mpfr_ptr r, mpfr_rnd_t d) { mpfr_add(r, z.get(), w->get(), d); });
  } else if (std::holds_alternative<model::SubTensors>(op)) {
    both([&](mpfr_ptr r, mpfr_rnd_t d) { mpfr_sub(r, z.get(), w->get(), d); });
  } else if (std::holds_alternative<model::Reshape>(op)) {
    both([&](mpfr_ptr r, mpfr_rnd_t d) { mpfr_set(r, z.get(), d); });
  } else {  // an activation's side: slope·z
    both([&](mpfr_ptr r, mpfr_rnd_t d) { mpfr_mul_d(r, z.get(), slope, d); });
  }
  return e;
}

TEST(EnclosedFormsMpfr, EachOperationMapsItsOperandsFormsIntoItsOwn) {
  const std::uint64_t seed = announce_seed();
  const std::vector<Magnitude>& all = magnitudes();
  std::int64_t images = 0, rows_checked = 0;
  int failures = 0;
  for (int index = 0; index < 1400 && failures < 10; ++index) {
    Rng rng = case_generator(seed, 500, static_cast<std::uint64_t>(index));
    const Magnitude& m = all[static_cast<std::size_t>(index) % all.size()];
    const int kind = static_cast<int>((static_cast<std::size_t>(index) / all.size()) % 10);
    const Index n = uniform_int(rng, 1, 4), rows = uniform_int(rng, 1, 6);
    bounds::Box box = random_box(rng, n);
    if (chance(rng, 0.5)) {
      box.lower *= 4.0;
      box.upper *= 4.0;
    }
    const bool exact_operands = chance(rng, 0.4);
    const EnclosedForms v = random_forms(rng, rows, n, m, exact_operands), w = random_forms(rng, rows, n, m, exact_operands);
    VectorXd constant(rows), slope(rows);
    for (Index i = 0; i < rows; ++i) {
      constant[i] = random_entry(rng, m.weight_lo, m.weight_hi);
      if (constant[i] == 0.0) constant[i] = 3.0;
      static constexpr double kSlopes[] = {0.0, 1.0, 0.1, 1.0 / 3.0, 0.7, 0.01};
      slope[i] = chance(rng, 0.3) ? uniform(rng, 0.0, 1.0) : kSlopes[uniform_int(rng, 0, 5)];
    }
    // Constants added to the forms are of the forms' size.
    VectorXd offset(rows);
    for (Index i = 0; i < rows; ++i) offset[i] = random_entry(rng, m.lo, m.hi);
    model::Dense dense{MatrixXd(uniform_int(rng, 1, 5), rows), VectorXd()};
    for (Index k = 0; k < dense.weight.size(); ++k) dense.weight(k) = random_entry(rng, m.weight_lo, m.weight_hi);
    dense.bias = VectorXd::NullaryExpr(dense.weight.rows(), [&] { return random_entry(rng, m.lo + m.weight_lo, m.hi + m.weight_hi); });

    model::LayerOp op = model::Relu{};
    std::size_t operands = 1;
    switch (kind) {
      case 0: op = dense; break;
      case 1: op = model::MulConstant{constant}; break;
      case 2: op = model::DivConstant{constant}; break;
      case 3: op = model::AddConstant{offset}; break;
      case 4: op = model::SubConstant{offset, false}; break;
      case 5: op = model::SubConstant{offset, true}; break;
      case 6: op = model::AddTensors{}; operands = 2; break;
      case 7: op = model::SubTensors{}; operands = 2; break;
      case 8: op = model::Reshape{{1, rows}}; break;
      default: break;  // scale_rows
    }
    const Network network = host_network(n, rows, op, operands);
    const FormCalculus calculus(network, box);
    const EnclosedForms out = kind == 9 ? calculus.scale_rows(v, slope)
                                        : calculus.affine(1, operands == 2 ? std::vector<const EnclosedForms*>{&v, &w}
                                                                           : std::vector<const EnclosedForms*>{&v});
    const std::string where = "case " + std::to_string(index) + " (seed " + std::to_string(seed) + "), " + m.name +
                              " forms, " + (kind == 9 ? std::string("scale_rows") : std::string(model::kind_name(op)));
    std::vector<VectorXd> xs = box_vertices(box, 3);
    for (int p = 0; p < 3; ++p) xs.push_back(random_point_in(rng, box));
    for (std::size_t p = 0; p < xs.size() && failures < 10; ++p) {
      const VectorXd& x = xs[p];
      bool exact = true;
      const auto check = [&](const Enclosure& image, Index i, const std::string& which) {
        ++images;
        const auto result = form_encloses(out, i, x, image);
        EXPECT_TRUE(result) << where << ", " << describe_point(x) << ", element " << i << " at " << which;
        failures += !result;
      };
      if (kind == 0) {
        // Row i is largest where every z_j sits at the end its weight's sign favours.
        for (Index i = 0; i < dense.weight.rows(); ++i)
          for (double end : {1.0, -1.0}) {
            ExactSum y;
            y.add(dense.bias[i]);
            for (Index j = 0; j < rows; ++j) {
              const double s = dense.weight(i, j) >= 0.0 ? end : -end;
              y.add_product(operand_value(v, j, x, s, exact), dense.weight(i, j));
            }
            exact = exact && y.exact();
            check(Enclosure{y.value(), y.value()}, i, end > 0 ? "its largest" : "its smallest");
          }
      } else {
        for (Index i = 0; i < rows; ++i)
          for (double end_v : {1.0, 0.0, -1.0})
            for (double end_w : {1.0, -1.0}) {
              if (operands == 1 && end_w < 0.0) continue;
              const Mpfr z = operand_value(v, i, x, end_v, exact);
              const Mpfr z2 = operand_value(w, i, x, end_w, exact);
              check(elementwise_image(op, i, z, operands == 2 ? &z2 : nullptr, slope[i]), i,
                    "ends " + std::to_string(end_v) + ", " + std::to_string(end_w));
            }
      }
      ASSERT_TRUE(exact) << where << ": the exact arithmetic rounded";
      // a·v ≤ b at b the smallest double above a·z for the z furthest below the forms in a's
      // direction: the row g·x − h ≤ slack must still hold.
      if (kind == 9 || kind == 0) continue;
      const VectorXd a = VectorXd::NullaryExpr(rows, [&] { return random_entry(rng, -4, 4); });
      ExactSum az;
      for (Index j = 0; j < rows; ++j) az.add_product(operand_value(v, j, x, a[j] >= 0.0 ? -1.0 : 1.0, exact), a[j]);
      ASSERT_TRUE(exact && az.exact()) << where;
      const double b = mpfr_get_d(az.value().get(), MPFR_RNDU);
      if (!std::isfinite(b)) continue;
      const SlackRows row = calculus.constraint_rows(v, a, VectorXd::Constant(1, b));
      ++rows_checked;
      const auto result = row_holds(row, 0, x);
      EXPECT_TRUE(result) << where << ", constraint row at " << describe_point(x);
      failures += !result;
    }
  }
  std::cout << images << " images and " << rows_checked << " constraint rows checked\n";
  EXPECT_GT(images, 20000);
}

// A Dense layer whose products all underflow and all round the same way, against the signs of
// a box vertex: the forms' value there is off by about k/2 smallest subnormals per unit of
// Σ|x_l| + 1, which only the layer's underflow term covers (its relative terms vanish).
TEST(EnclosedFormsMpfr, DenseUnderflowAtItsWorstCase) {
  const std::uint64_t seed = announce_seed();
  for (int index = 0; index < 200; ++index) {
    Rng rng = case_generator(seed, 700, static_cast<std::uint64_t>(index));
    const Index n = uniform_int(rng, 1, 4), k = uniform_int(rng, 1, 8);
    bounds::Box box{VectorXd(n), VectorXd(n)};
    VectorXd x(n);
    for (Index l = 0; l < n; ++l) {
      box.upper[l] = uniform(rng, 2.0, 12.0);
      box.lower[l] = -box.upper[l];
      x[l] = chance(rng, 0.5) ? box.upper[l] : box.lower[l];
    }
    model::Dense dense{MatrixXd(1, k), VectorXd::Zero(1)};
    for (Index j = 0; j < k; ++j) dense.weight(0, j) = random_sign(rng) * std::ldexp(random_significand(rng), -520);
    // F_jl = p / W_j with |p| = (N + 0.5 ± 0.01)·2^-1074: fl(W_j·F_jl) is off by 0.49 of a
    // subnormal step, in the direction of x_l's sign (x_n = 1 for the constant column).
    EnclosedForms v{MatrixXd(k, n + 1), VectorXd::Zero(k)};
    for (Index j = 0; j < k; ++j)
      for (Index l = 0; l <= n; ++l) {
        const double want = l < n && x[l] < 0.0 ? -1.0 : 1.0, sign = random_sign(rng);
        const double steps = static_cast<double>(uniform_int(rng, 256, 4096)) + 0.5 + 0.01 * want * sign;
        Mpfr f(kExactBits);
        mpfr_set_d(f.get(), sign * steps, MPFR_RNDN);
        mpfr_mul_2si(f.get(), f.get(), -1074, MPFR_RNDN);
        mpfr_div_d(f.get(), f.get(), dense.weight(0, j), MPFR_RNDN);
        v.f(j, l) = mpfr_get_d(f.get(), MPFR_RNDN);
      }
    const Network network = host_network(n, k, dense, 1);
    const EnclosedForms out = FormCalculus(network, box).affine(1, {&v});
    bool exact = true;
    ExactSum y;
    for (Index j = 0; j < k; ++j) y.add_product(operand_value(v, j, x, 0.0, exact), dense.weight(0, j));
    ASSERT_TRUE(exact && y.exact());
    // The construction works: the forms' value is off by at least 0.4·k steps per unit.
    ExactSum error = form_value(out, 0, x);
    Mpfr negated(y.value());
    mpfr_neg(negated.get(), negated.get(), MPFR_RNDN);
    error.add(negated);
    ASSERT_TRUE(error.exact());
    const double units = x.cwiseAbs().sum() + 1.0;
    Mpfr steps(error.value());  // the error in subnormal steps
    mpfr_mul_2si(steps.get(), steps.get(), 1074, MPFR_RNDN);
    ASSERT_GE(mpfr_cmp_d(steps.get(), 0.4 * static_cast<double>(k) * units), 0)
        << "case " << index << ": the products did not round as planned (off by " << steps.to_string(6) << " steps)";
    EXPECT_TRUE(form_encloses(out, 0, x, Enclosure{y.value(), y.value()}))
        << "case " << index << " (seed " << seed << "), k = " << k << ", " << describe_point(x);
  }
}

// A network for the calculus's constructor where only the box matters (sign_on_box, farkas_proves).
Network identity_network(Index n) {
  Network net({n});
  net.add("identity", model::Dense{MatrixXd::Identity(n, n), VectorXd::Zero(n)}, {model::kInputValue});
  return net;
}

// sign_on_box: +1 only where F_i·(x, 1) − radius_i ≥ 0 at every x of the box, −1 only where
// F_i·(x, 1) + radius_i ≤ 0: checked exactly at the vertex where s·F_i·(x, 1) is smallest. The
// constant of each row is set so that this extreme is a chosen fraction of the row's size from
// zero, on either side of it; a clear margin must be recognised.
TEST(EnclosedFormsMpfr, SignOnTheBoxHoldsAtEveryPointOfTheBox) {
  const std::uint64_t seed = announce_seed();
  const std::vector<Magnitude>& all = magnitudes();
  static constexpr double kFractions[] = {1e-2, 1e-8, 1e-14, 1e-16, 0.0, -1e-16, -1e-14, -1e-2};
  int signed_rows = 0;
  for (int index = 0; index < 1500; ++index) {
    Rng rng = case_generator(seed, 900, static_cast<std::uint64_t>(index));
    const Magnitude& m = all[static_cast<std::size_t>(index) % all.size()];
    const Index n = uniform_int(rng, 1, 4);
    bounds::Box box = random_box(rng, n);
    if (chance(rng, 0.5)) {
      box.lower *= 4.0;
      box.upper *= 4.0;
    }
    EnclosedForms v = random_forms(rng, 1, n, m, chance(rng, 0.3));
    // s·(F·(x, 1)) − radius at the vertex where s·F·(x, ·) is smallest, exactly: ≥ 0 exactly
    // when s·z ≥ 0 for every z the forms allow on the box.
    const auto margin_towards = [&](double s, bool& exact) {
      VectorXd vertex(n);
      for (Index j = 0; j < n; ++j) vertex[j] = s * v.f(0, j) >= 0.0 ? box.lower[j] : box.upper[j];
      ExactSum e = form_value(v, 0, vertex);
      e.add(-s * v.radius[0]);
      exact = exact && e.exact();
      Mpfr margin(e.value());
      if (s < 0.0) mpfr_neg(margin.get(), margin.get(), MPFR_RNDN);
      return margin;
    };
    const double side = random_sign(rng);
    const double fraction = kFractions[uniform_int(rng, 0, static_cast<std::int64_t>(std::size(kFractions)) - 1)];
    VectorXd extent = box.lower.cwiseAbs().cwiseMax(box.upper.cwiseAbs());
    const double size = v.f.row(0).head(n).cwiseAbs().dot(extent) + v.radius[0];
    bool exact = true;
    v.f(0, n) = 0.0;
    const Mpfr without_constant = margin_towards(side, exact);
    v.f(0, n) = side * (fraction * size - mpfr_get_d(without_constant.get(), MPFR_RNDN));
    if (!std::isfinite(v.f(0, n))) continue;
    const Mpfr margin = margin_towards(side, exact);
    ASSERT_TRUE(exact) << index;

    const Network network = identity_network(n);
    const int sign = FormCalculus(network, box).sign_on_box(v, 0);
    const std::string where = "case " + std::to_string(index) + " (seed " + std::to_string(seed) + "), " + m.name +
                              " forms aimed at sign " + std::to_string(static_cast<int>(side)) + ", exact margin " +
                              margin.to_string(8) + ", size " + std::to_string(size);
    if (sign != 0) {
      ++signed_rows;
      ASSERT_TRUE(sign == 1 || sign == -1) << where;
      const Mpfr towards_sign = margin_towards(sign, exact);
      ASSERT_TRUE(exact) << where;
      EXPECT_GE(mpfr_sgn(towards_sign.get()), 0) << where << ", sign " << sign << ", margin towards it "
                                                 << towards_sign.to_string(8);
    }
    if (mpfr_cmp_d(margin.get(), 1e-9 * size + 1e-300) > 0) {
      EXPECT_EQ(sign, static_cast<int>(side)) << where;
    }
  }
  EXPECT_GT(signed_rows, 300);
}

// ---- Farkas certificates ----------------------------------------------------------------------

// A system of rows over a box with weights, and the exact value of
// min over the box of Σ w_k (g_k·x − h_k) − Σ w_k slack_k: positive exactly when the weights
// prove that no input of the box meets every g_k·x − h_k ≤ slack_k.
struct FarkasCase {
  bounds::Box box;
  SlackRows rows;
  VectorXd weights;
};

// The exact margin, or nothing when the arithmetic rounded.
std::optional<Mpfr> exact_margin(const FarkasCase& c) {
  const Index n = c.box.size(), m = c.rows.g.rows();
  ExactSum total;
  for (Index j = 0; j < n; ++j) {
    ExactSum coefficient;
    for (Index k = 0; k < m; ++k) coefficient.add_product(c.rows.g(k, j), c.weights[k]);
    if (!coefficient.exact()) return std::nullopt;
    total.add_product(coefficient.value(), mpfr_sgn(coefficient.value().get()) >= 0 ? c.box.lower[j] : c.box.upper[j]);
  }
  for (Index k = 0; k < m; ++k) {
    total.add_product(-c.rows.h[k], c.weights[k]);
    total.add_product(-c.rows.slack[k], c.weights[k]);
  }
  if (!total.exact()) return std::nullopt;
  return total.value();
}

// Σ_k w_k (|g_k|·extent + |h_k|): the size the check's rounding allowance is relative to.
double weighted_size(const FarkasCase& c) {
  VectorXd extent = c.box.lower.cwiseAbs().cwiseMax(c.box.upper.cwiseAbs());
  return c.weights.dot(c.rows.g.cwiseAbs() * extent + c.rows.h.cwiseAbs());
}

// Random rows with entries of size `scale`, non-negative slacks, weights with some zeros.
FarkasCase random_system(Rng& rng, double scale) {
  const Index n = uniform_int(rng, 1, 5), m = uniform_int(rng, 1, 8);
  FarkasCase c{random_box(rng, n), SlackRows{MatrixXd(m, n), VectorXd(m), VectorXd(m)}, VectorXd(m)};
  for (Index k = 0; k < c.rows.g.size(); ++k)
    c.rows.g(k) = chance(rng, 0.15) ? static_cast<double>(uniform_int(rng, -2, 2)) * scale : uniform(rng, -1.0, 1.0) * scale;
  for (Index k = 0; k < m; ++k) {
    c.rows.h[k] = uniform(rng, -1.0, 1.0) * scale;
    c.rows.slack[k] = chance(rng, 0.3) ? 0.0 : uniform(rng, 0.0, 1e-3) * scale;
    c.weights[k] = chance(rng, 0.2) ? 0.0 : std::ldexp(uniform(rng, 0.0, 1.0), static_cast<int>(uniform_int(rng, -30, 0)));
  }
  if (c.weights.maxCoeff() <= 0.0) c.weights[0] = 0.5;
  return c;
}

bool proves(const FarkasCase& c) {
  const Network network = identity_network(c.box.size());
  return FormCalculus(network, c.box).farkas_proves(c.rows, c.weights);
}

// Systems shifted so that the margin is a chosen fraction of their size, clearly positive, just
// positive, zero or negative: accepted weights always have a positive exact margin, and a clear
// margin is always accepted. Raising one weighted row's slack by the margin makes the same weights
// fail.
TEST(EnclosedFormsMpfr, FarkasChecksAcceptExactlyTheWeightsThatProve) {
  const std::uint64_t seed = announce_seed();
  static constexpr double kScales[] = {1.0, 1e6, 1e-300, 0x1p-1000, 0x1p-1040, 0x1p-1068};
  static constexpr double kFractions[] = {1e-2, 1e-6, 1e-12, 1e-15, 1e-17, 0.0, -1e-17, -1e-12, -1e-2};
  int proved = 0, refused_infeasible_claims = 0;
  for (int index = 0; index < 1200; ++index) {
    Rng rng = case_generator(seed, 300, static_cast<std::uint64_t>(index));
    const double scale = kScales[index % std::size(kScales)];
    FarkasCase c = random_system(rng, scale);
    // Shift every h by δ: the margin moves by −δ·Σw, to the chosen fraction of the size.
    const auto before = exact_margin(c);
    ASSERT_TRUE(before.has_value()) << index;
    const double target = kFractions[(index / std::size(kScales)) % std::size(kFractions)] * weighted_size(c);
    const double shift = (mpfr_get_d(before->get(), MPFR_RNDN) - target) / c.weights.sum();
    c.rows.h.array() += shift;
    if (!c.rows.h.allFinite()) continue;
    const auto margin = exact_margin(c);
    ASSERT_TRUE(margin.has_value()) << index;
    const bool positive = mpfr_sgn(margin->get()) > 0;
    const bool accepted = proves(c);
    const std::string where = "case " + std::to_string(index) + " (seed " + std::to_string(seed) + "), scale " +
                              std::to_string(scale) + ", exact margin " + margin->to_string(8) + ", size " +
                              std::to_string(weighted_size(c));
    EXPECT_TRUE(!accepted || positive) << where;
    // The check's allowance is (m + 1)·2^-53 of the size plus a few underflows.
    if (mpfr_cmp_d(margin->get(), 1e-9 * weighted_size(c) + 1e-316) > 0) {
      EXPECT_TRUE(accepted) << where;
    }
    proved += accepted;
    refused_infeasible_claims += !positive && !accepted;
    if (!accepted) continue;
    // Raise the slack of the heaviest row by margin / w: now the margin is ≤ 0.
    Index k;
    c.weights.maxCoeff(&k);
    Mpfr step(kExactBits);
    mpfr_div_d(step.get(), margin->get(), c.weights[k], MPFR_RNDU);
    mpfr_add_d(step.get(), step.get(), c.rows.slack[k], MPFR_RNDU);
    c.rows.slack[k] = mpfr_get_d(step.get(), MPFR_RNDU);
    const auto lowered = exact_margin(c);
    ASSERT_TRUE(lowered.has_value()) << where;
    ASSERT_LE(mpfr_sgn(lowered->get()), 0) << where;
    EXPECT_FALSE(proves(c)) << where << ", slack of row " << k << " raised to " << hex(c.rows.slack[k]);
  }
  EXPECT_GT(proved, 200);
  EXPECT_GT(refused_infeasible_claims, 200);
}

// Rows of subnormal coefficients under weights near 1: every product the check forms underflows,
// so only its underflow allowance covers their rounding. Moving one h by subnormal steps (single
// ones around zero margin, then doubling up to 2^15) sweeps the exact margin from negative to
// past the allowance: every accepted step has a positive margin, and the largest ones are
// accepted.
TEST(EnclosedFormsMpfr, FarkasChecksAreSoundWhereEveryProductUnderflows) {
  const std::uint64_t seed = announce_seed();
  int accepted_steps = 0;
  for (int index = 0; index < 200; ++index) {
    Rng rng = case_generator(seed, 600, static_cast<std::uint64_t>(index));
    const Index n = uniform_int(rng, 1, 5), m = uniform_int(rng, 2, 8);
    FarkasCase c{random_box(rng, n), SlackRows{MatrixXd(m, n), VectorXd(m), VectorXd::Zero(m)}, VectorXd(m)};
    c.box.lower *= 4.0;
    c.box.upper *= 4.0;
    for (Index k = 0; k < c.rows.g.size(); ++k) c.rows.g(k) = random_entry(rng, -1074, -1045);
    for (Index k = 0; k < m; ++k) {
      c.rows.h[k] = random_entry(rng, -1074, -1045);
      c.weights[k] = uniform(rng, 0.5, 1.0);
    }
    // h_0 moved so that the margin is about zero, then stepped by 2^-1074 (exact: h_0 is subnormal).
    const auto start = exact_margin(c);
    ASSERT_TRUE(start.has_value()) << index;
    Mpfr shift(kExactBits);
    mpfr_div_d(shift.get(), start->get(), c.weights[0], MPFR_RNDN);
    c.rows.h[0] += mpfr_get_d(shift.get(), MPFR_RNDN);
    const double h0 = c.rows.h[0];
    std::vector<int> steps;
    for (int step = -40; step <= 40; ++step) steps.push_back(step);
    for (int step = 64; step <= 1 << 15; step *= 2) steps.insert(steps.end(), {step, -step});
    for (int step : steps) {
      c.rows.h[0] = h0 + step * 0x1p-1074;
      const auto margin = exact_margin(c);
      ASSERT_TRUE(margin.has_value()) << index;
      if (!proves(c)) continue;
      ++accepted_steps;
      EXPECT_GT(mpfr_sgn(margin->get()), 0) << "case " << index << " (seed " << seed << "), step " << step
                                             << ", exact margin " << margin->to_string(8);
    }
  }
  std::cout << accepted_steps << " steps accepted\n";
  EXPECT_GT(accepted_steps, 200);
}

// The same near the worst case: every product of the check underflows and rounds in the direction
// that raises its lowest value, by about half a subnormal step (weights W·2^-36 with odd W, and
// coefficients chosen so that each product is (N + 1/2 ∓ 2^-7) steps). The exact margin is then
// swept across zero by the slack of row 0, whose product with its weight stays exact.
TEST(EnclosedFormsMpfr, FarkasChecksAreSoundWhenEveryUnderflowRoundsTheWrongWay) {
  const std::uint64_t seed = announce_seed();
  int accepted_steps = 0;
  for (int index = 0; index < 150; ++index) {
    Rng rng = case_generator(seed, 800, static_cast<std::uint64_t>(index));
    const Index n = uniform_int(rng, 1, 5), m = uniform_int(rng, 2, 8);
    FarkasCase c{bounds::Box{VectorXd(n), VectorXd(n)}, SlackRows{MatrixXd(m, n), VectorXd(m), VectorXd::Zero(m)},
                 VectorXd(m)};
    for (Index j = 0; j < n; ++j) {
      c.box.upper[j] = uniform(rng, 2.0, 12.0);
      c.box.lower[j] = -c.box.upper[j];
    }
    // (steps)·2^-1074 / w, rounded: its product with w is `steps` subnormal steps to about 2^-20.
    const auto quotient = [](double steps, double w) {
      Mpfr q(kExactBits);
      mpfr_set_d(q.get(), steps, MPFR_RNDN);
      mpfr_mul_2si(q.get(), q.get(), -1074, MPFR_RNDN);
      mpfr_div_d(q.get(), q.get(), w, MPFR_RNDN);
      return mpfr_get_d(q.get(), MPFR_RNDN);
    };
    constexpr double kOff = 0x1p-7;
    for (Index k = 0; k < m; ++k) {
      c.weights[k] = std::ldexp(static_cast<double>(2 * uniform_int(rng, 0, 31) + 1), -36);
      // g·w > 0 rounded down: the combined coefficients c_j come out low, and every c_j > 0 is
      // taken at the negative lower end, so the box minimum comes out high.
      for (Index j = 0; j < n; ++j)
        c.rows.g(k, j) = quotient(static_cast<double>(uniform_int(rng, 1 << 22, 1 << 23)) + 0.5 - kOff, c.weights[k]);
      // h·w < 0 rounded away from zero: d = Σ w h comes out low, −d high.
      c.rows.h[k] = -quotient(static_cast<double>(uniform_int(rng, 1 << 29, 1 << 30)) + 0.5 + kOff, c.weights[k]);
    }
    const auto start = exact_margin(c);
    ASSERT_TRUE(start.has_value()) << index;
    ASSERT_GT(mpfr_sgn(start->get()), 0) << index;
    // slack_0 = t·2^-1038: w_0·slack_0 = t·W_0 steps exactly; t_0 brings the margin to about 0.
    Mpfr t0(*start);
    mpfr_mul_2si(t0.get(), t0.get(), 1074, MPFR_RNDN);
    mpfr_div_d(t0.get(), t0.get(), c.weights[0] * 0x1p36, MPFR_RNDN);
    const double base = std::floor(mpfr_get_d(t0.get(), MPFR_RNDN));
    std::vector<double> steps;
    for (int step = -40; step <= 40; ++step) steps.push_back(step);
    for (int step = 64; step <= 1 << 14; step *= 2) steps.insert(steps.end(), {static_cast<double>(step), -static_cast<double>(step)});
    for (double step : steps) {
      c.rows.slack[0] = (base + step) * 0x1p-1038;
      if (c.rows.slack[0] < 0.0) continue;
      const auto margin = exact_margin(c);
      ASSERT_TRUE(margin.has_value()) << index;
      if (!proves(c)) continue;
      ++accepted_steps;
      EXPECT_GT(mpfr_sgn(margin->get()), 0) << "case " << index << " (seed " << seed << "), slack step " << step
                                             << ", exact margin " << margin->to_string(8);
    }
  }
  std::cout << accepted_steps << " steps accepted\n";
  EXPECT_GT(accepted_steps, 200);
}

// A system that a point of the box satisfies (many rows exactly on their boundary there): no
// weights prove it infeasible, neither random ones nor the LP's.
TEST(EnclosedFormsMpfr, NoWeightsProveASatisfiableSystem) {
  const std::uint64_t seed = announce_seed();
  int lp_weights = 0;
  for (int index = 0; index < 300; ++index) {
    Rng rng = case_generator(seed, 400, static_cast<std::uint64_t>(index));
    FarkasCase c = random_system(rng, index % 3 == 2 ? 1e-300 : 1.0);
    const VectorXd x = random_point_in(rng, c.box);
    // h_k: the smallest double with g_k·x − h_k ≤ slack_k, or more.
    for (Index k = 0; k < c.rows.g.rows(); ++k) {
      ExactSum s;
      for (Index j = 0; j < x.size(); ++j) s.add_product(c.rows.g(k, j), x[j]);
      s.add(-c.rows.slack[k]);
      ASSERT_TRUE(s.exact());
      c.rows.h[k] = mpfr_get_d(s.value().get(), MPFR_RNDU);
      if (chance(rng, 0.3)) c.rows.h[k] += uniform(rng, 0.0, 1e-6) * std::abs(c.rows.h[k]);
      ASSERT_TRUE(row_holds(c.rows, k, x)) << index;
    }
    const std::string where = "case " + std::to_string(index) + " (seed " + std::to_string(seed) + ")";
    for (int draw = 0; draw < 4; ++draw) {
      for (Index k = 0; k < c.weights.size(); ++k) c.weights[k] = chance(rng, 0.2) ? 0.0 : uniform(rng, 0.0, 1.0);
      EXPECT_FALSE(proves(c)) << where << ", weights draw " << draw;
    }
    // The LP of the rows without their slacks may call them infeasible; its weights still fail.
    if (const auto lp = verify::solve_minimax(c.rows.g, c.rows.h, c.box.lower, c.box.upper)) {
      c.weights = lp->weights;
      EXPECT_FALSE(proves(c)) << where << ", LP weights (LP value " << lp->value << ")";
      ++lp_weights;
    }
  }
  EXPECT_GT(lp_weights, 100);
}

// Weights that are not a certificate at all are refused, however infeasible the system.
TEST(EnclosedFormsMpfr, MalformedWeightsAreRefused) {
  // x ≤ −1 and −x ≤ −1 (x ≥ 1) over [−0.5, 0.5]: weights (1, 1) prove it with margin 2.
  FarkasCase c{bounds::Box{VectorXd::Constant(1, -0.5), VectorXd::Constant(1, 0.5)},
               SlackRows{(MatrixXd(2, 1) << 1, -1).finished(), VectorXd::Constant(2, -1.0), VectorXd::Zero(2)},
               VectorXd::Ones(2)};
  ASSERT_TRUE(proves(c));
  const double nan = std::numeric_limits<double>::quiet_NaN(), inf = std::numeric_limits<double>::infinity();
  for (const VectorXd& weights : {VectorXd((VectorXd(2) << 1.0, -1e-300).finished()), VectorXd((VectorXd(2) << nan, 1.0).finished()),
                                  VectorXd((VectorXd(2) << inf, 1.0).finished()), VectorXd(VectorXd::Zero(2)),
                                  VectorXd(VectorXd::Ones(1)), VectorXd(VectorXd::Ones(3))}) {
    c.weights = weights;
    EXPECT_FALSE(proves(c)) << weights.transpose();
  }
  // Slacks of 1 on each row close the gap exactly: x ≤ 0 and x ≥ 0 meet at 0.
  c.weights = VectorXd::Ones(2);
  c.rows.slack = VectorXd::Ones(2);
  EXPECT_FALSE(proves(c));
  c.rows.slack = VectorXd::Constant(2, 0.999);
  EXPECT_TRUE(proves(c));
}

}  // namespace
}  // namespace certnn::soundness
