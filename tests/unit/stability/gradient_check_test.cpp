// The gradient check (stability/gradient_check.hpp): it passes on a network of every layer kind at
// random points, kinks included; a deliberately wrong gradient of one kind fails on exactly the
// layers of that kind; differences straddling a kink are skipped and counted; sampling, seeding
// and the errors.
#include "certnn/stability/gradient_check.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>

#include "certnn/core/error.hpp"
#include "certnn/grad/layer_vjp.hpp"
#include "certnn/grad/parameter_gradient.hpp"
#include "certnn/model/shape_inference.hpp"
#include "random_seed.hpp"
#include "random_windows.hpp"

namespace certnn::stability {
namespace {

using namespace certnn::model;
using certnn::testing::random_window;
using certnn::testing::WindowLimits;

const double kTolerance = GradientCheckOptions{}.tolerance;
// The node holding the kind under test in every network below.
constexpr const char* kLayer = "layer";

Batch<double> uniform_matrix(std::mt19937& random, Eigen::Index rows, Eigen::Index cols, double low = -1,
                             double high = 1) {
  std::uniform_real_distribution<double> uniform(low, high);
  Batch<double> m(rows, cols);
  for (Eigen::Index i = 0; i < m.size(); ++i) m(i) = uniform(random);
  return m;
}
Eigen::VectorXd random_vector(std::mt19937& random, std::int64_t size, double low = -1, double high = 1) {
  return uniform_matrix(random, size, 1, low, high);
}
// Scaled by 1/√fan-in so that values stay of order one.
Dense random_dense(std::mt19937& random, std::int64_t outputs, std::int64_t inputs) {
  return Dense{uniform_matrix(random, outputs, inputs) / std::sqrt(static_cast<double>(inputs)),
               random_vector(random, outputs)};
}

// ---- a network for every kind ----

// [1, 2, 5, 5] images; windows with strides, dilations and pads, small enough to stay quick.
const Shape kImage{1, 2, 5, 5};
Window2d image_window(std::mt19937& random, bool for_pooling) {
  return random_window(random, kImage[1], kImage[2], kImage[3], for_pooling, WindowLimits{3, 2, 2, 1});
}

// x → Dense → `op` (the layer under test) → Dense: the op sees generic inputs and cotangents.
Network between_dense(std::mt19937& random, LayerOp op, std::int64_t width = 6) {
  Network network({1, 5});
  network.add("fc", random_dense(random, width, 5), {0});
  network.add(kLayer, std::move(op), {network.output()});
  network.add("out", random_dense(random, 3, width), {network.output()});
  return network;
}

// image → scale → `op` → flatten → Dense.
Network on_image(std::mt19937& random, LayerOp op) {
  Network network(kImage);
  network.add("scale", MulConstant{random_vector(random, element_count(kImage), 0.5, 2)}, {0});
  network.add(kLayer, std::move(op), {network.output()});
  const std::int64_t size = network.size(network.output());
  network.add("flatten", Reshape{{1, size}}, {network.output()});
  network.add("out", random_dense(random, 3, size), {network.output()});
  return network;
}

// One overload per layer kind, each giving networks that hold the kind at the node kLayer (in every
// variant the kind has: both orders of SubConstant, both pooling divisors, a value read twice...).
// for_each_kind() calls it for every alternative of LayerOp, so a kind without an overload here
// fails to compile.
struct NetworksOfKind {
  std::mt19937& random;

  std::vector<Network> operator()(std::type_identity<Dense>) const {
    Network network({1, 7});
    network.add(kLayer, random_dense(random, 4, 7), {0});
    network.add("tanh", Tanh{}, {1});
    return {std::move(network)};
  }
  std::vector<Network> operator()(std::type_identity<Conv2d>) const {
    const Window2d w = image_window(random, false);
    const std::int64_t out_channels = 3, fan_in = w.channels * w.kernel_h * w.kernel_w;
    return {on_image(random, Conv2d{w, out_channels, uniform_matrix(random, out_channels, fan_in) / std::sqrt(fan_in),
                                    random_vector(random, out_channels)})};
  }
  std::vector<Network> operator()(std::type_identity<Relu>) const { return {between_dense(random, Relu{})}; }
  std::vector<Network> operator()(std::type_identity<LeakyRelu>) const {
    return {between_dense(random, LeakyRelu{0.1}), between_dense(random, LeakyRelu{-0.5}),
            between_dense(random, LeakyRelu{3.0})};
  }
  std::vector<Network> operator()(std::type_identity<Sigmoid>) const { return {between_dense(random, Sigmoid{})}; }
  std::vector<Network> operator()(std::type_identity<Tanh>) const { return {between_dense(random, Tanh{})}; }
  std::vector<Network> operator()(std::type_identity<Softmax>) const {
    Network network({1, 5});
    network.add("fc", Dense{3 * random_dense(random, 6, 5).weight, random_vector(random, 6)}, {0});
    network.add("groups", Reshape{{1, 2, 3}}, {1});
    network.add(kLayer, Softmax{3}, {2});
    return {std::move(network)};
  }
  std::vector<Network> operator()(std::type_identity<Reshape>) const {
    Network network({1, 5});
    network.add("fc", random_dense(random, 6, 5), {0});
    network.add(kLayer, Reshape{{1, 2, 3}}, {1});
    network.add("tanh", Tanh{}, {2});
    return {std::move(network)};
  }
  std::vector<Network> operator()(std::type_identity<BatchNorm>) const {
    const auto batch_norm = [&](std::int64_t channels, std::int64_t stride) {
      BatchNorm bn;
      bn.scale = random_vector(random, channels, 0.5, 2);
      bn.bias = random_vector(random, channels);
      bn.mean = random_vector(random, channels);
      bn.variance = random_vector(random, channels, 0.5, 2);
      bn.epsilon = 1e-3;
      bn.channel_stride = stride;
      return bn;
    };
    return {on_image(random, batch_norm(kImage[1], kImage[2] * kImage[3])), between_dense(random, batch_norm(6, 1))};
  }
  std::vector<Network> operator()(std::type_identity<AddTensors>) const {
    Network residual({1, 5});
    const ValueId hidden = residual.add("fc", random_dense(random, 5, 5), {0});
    const ValueId squashed = residual.add("tanh", Tanh{}, {hidden});
    residual.add(kLayer, AddTensors{}, {squashed, kInputValue});
    residual.add("out", random_dense(random, 2, 5), {residual.output()});
    Network doubled({1, 5});  // one value read by both inputs
    doubled.add("fc", random_dense(random, 4, 5), {0});
    doubled.add(kLayer, AddTensors{}, {1, 1});
    doubled.add("tanh", Tanh{}, {2});
    return {std::move(residual), std::move(doubled)};
  }
  std::vector<Network> operator()(std::type_identity<SubTensors>) const {
    Network network({1, 5});
    const ValueId hidden = network.add("fc", random_dense(random, 5, 5), {0});
    const ValueId squashed = network.add("sigmoid", Sigmoid{}, {hidden});
    network.add(kLayer, SubTensors{}, {kInputValue, squashed});
    network.add("out", random_dense(random, 2, 5), {network.output()});
    return {std::move(network)};
  }
  std::vector<Network> operator()(std::type_identity<AddConstant>) const {
    return {between_dense(random, AddConstant{random_vector(random, 6, -2, 2)})};
  }
  std::vector<Network> operator()(std::type_identity<SubConstant>) const {
    return {between_dense(random, SubConstant{random_vector(random, 6, -2, 2), false}),
            between_dense(random, SubConstant{random_vector(random, 6, -2, 2), true})};
  }
  std::vector<Network> operator()(std::type_identity<MulConstant>) const {
    return {between_dense(random, MulConstant{random_vector(random, 6, -3, 3)})};
  }
  std::vector<Network> operator()(std::type_identity<DivConstant>) const {
    Eigen::VectorXd divisor = random_vector(random, 6, 0.5, 2);
    divisor[0] = -divisor[0];
    return {between_dense(random, DivConstant{divisor})};
  }
  std::vector<Network> operator()(std::type_identity<AveragePool>) const {
    return {on_image(random, AveragePool{image_window(random, true), false}),
            on_image(random, AveragePool{image_window(random, true), true})};
  }
  std::vector<Network> operator()(std::type_identity<MaxPool>) const {
    return {on_image(random, MaxPool{image_window(random, true)})};
  }
  std::vector<Network> operator()(std::type_identity<Pad>) const {
    return {on_image(random, Pad{{0, 1, 0, 2}, {0, 0, 1, 1}, 0.25})};
  }
};

template <class Visit, std::size_t... I>
void for_each_kind(Visit&& visit, std::index_sequence<I...>) {
  (visit(std::type_identity<std::variant_alternative_t<I, LayerOp>>{}), ...);
}
// visit(std::type_identity<Kind>{}) for every alternative of LayerOp.
template <class Visit>
void for_each_kind(Visit&& visit) {
  for_each_kind(visit, std::make_index_sequence<std::variant_size_v<LayerOp>>{});
}

const GradientCheckEntry& layer_named(const GradientCheckReport& report, const std::string& name) {
  for (const GradientCheckEntry& layer : report.layers)
    if (layer.name == name) return layer;
  throw std::logic_error("no layer named " + name);
}

GradientCheckOptions seeded_options() {
  GradientCheckOptions options;
  options.seed = certnn::testing::test_seed();
  return options;
}

// An input VJP that is right except on the layers of Kind, where every cotangent is off by 0.01
// (an absolute error of 0.01 on every entry: relative error ≥ 0.01 / max(|a|, |f|, 1) ≫ 10⁻⁵).
template <class Kind>
InputVjp wrong_input_vjp() {
  return [](const Node& node, const std::vector<const Batch<double>*>& inputs, const Batch<double>& output,
            const Batch<double>& cotangent, const Network& network) {
    std::vector<Batch<double>> pulled = grad::input_vjp(node, inputs, output, cotangent, network);
    if (std::holds_alternative<Kind>(node.op))
      for (Batch<double>& p : pulled) p.array() += 0.01;
    return pulled;
  };
}

TEST(GradientCheck, PassesOnEveryLayerKindAtRandomPoints) {
  std::mt19937 random = certnn::testing::seeded_generator();
  for_each_kind([&]<class Kind>(std::type_identity<Kind> kind) {
    SCOPED_TRACE(std::string(Kind::kind_name));
    const std::vector<Network> networks = NetworksOfKind{random}(kind);
    ASSERT_FALSE(networks.empty());
    for (std::size_t n = 0; n < networks.size(); ++n) {
      SCOPED_TRACE("network " + std::to_string(n));
      const Network& network = networks[n];
      bool holds_kind = false;
      for (const Node& node : network.nodes())
        holds_kind = holds_kind || (node.name == kLayer && std::holds_alternative<Kind>(node.op));
      ASSERT_TRUE(holds_kind);

      const GradientCheckReport report =
          check_gradients(network, uniform_matrix(random, network.input_size(), 3), seeded_options());
      EXPECT_TRUE(report.passed()) << "worst: " << report.worst().name << " " << report.worst().max_relative_error;
      ASSERT_EQ(report.layers.size(), network.nodes().size());
      for (std::size_t k = 0; k < report.layers.size(); ++k) {
        EXPECT_EQ(report.layers[k].name, network.nodes()[k].name);
        EXPECT_EQ(report.layers[k].kind, kind_name(network.nodes()[k].op));
      }
      const GradientCheckEntry& layer = layer_named(report, kLayer);
      EXPECT_LE(layer.max_relative_error, kTolerance);
      EXPECT_GT(layer.compared, 0);
      EXPECT_GT(report.total.compared, 0);
      EXPECT_EQ(report.total.name, "network");
    }
  });
}

TEST(GradientCheck, AWrongInputVjpOfOneKindFailsOnExactlyTheLayersOfThatKind) {
  std::mt19937 random = certnn::testing::seeded_generator();
  for_each_kind([&]<class Kind>(std::type_identity<Kind> kind) {
    SCOPED_TRACE(std::string(Kind::kind_name));
    GradientCheckOptions options = seeded_options();
    options.input_vjp = wrong_input_vjp<Kind>();
    for (const Network& network : NetworksOfKind{random}(kind)) {
      const GradientCheckReport report =
          check_gradients(network, uniform_matrix(random, network.input_size(), 2), options);
      EXPECT_FALSE(report.passed());
      for (std::size_t k = 0; k < report.layers.size(); ++k) {
        const bool wrong = std::holds_alternative<Kind>(network.nodes()[k].op);
        EXPECT_EQ(report.layers[k].max_relative_error > kTolerance, wrong)
            << report.layers[k].name << ": " << report.layers[k].max_relative_error;
      }
      // The wrong layer is named, and its error reaches the whole network's gradient.
      EXPECT_EQ(report.worst().name, kLayer);
      EXPECT_GT(report.total.max_relative_error, kTolerance);
    }
  });
}

TEST(GradientCheck, ASignErrorInTheSecondInputOfSubTensorsIsCaught) {
  std::mt19937 random = certnn::testing::seeded_generator();
  const Network network = NetworksOfKind{random}(std::type_identity<SubTensors>{}).front();
  GradientCheckOptions options = seeded_options();
  options.input_vjp = [](const Node& node, const std::vector<const Batch<double>*>& inputs,
                         const Batch<double>& output, const Batch<double>& cotangent, const Network& net) {
    std::vector<Batch<double>> pulled = grad::input_vjp(node, inputs, output, cotangent, net);
    if (std::holds_alternative<SubTensors>(node.op)) pulled[1] = -pulled[1];  // x − y pulled back as x + y
    return pulled;
  };
  const GradientCheckReport report = check_gradients(network, uniform_matrix(random, network.input_size(), 2), options);
  EXPECT_FALSE(report.passed());
  EXPECT_EQ(report.worst().name, kLayer);
  EXPECT_GT(layer_named(report, kLayer).max_relative_error, 0.5);  // |−a − a| / |a| = 2 on the moved entries
}

TEST(GradientCheck, AParameterGradientOfOneSampleOnlyFailsOnItsLayer) {
  std::mt19937 random = certnn::testing::seeded_generator();
  GradientCheckOptions options = seeded_options();
  // A classic batching bug: the gradient of the first column instead of the sum over the batch.
  options.parameter_gradient = [](const Node& node, const std::vector<const Batch<double>*>& inputs,
                                  const Batch<double>& cotangent) {
    if (node.name != kLayer) return grad::parameter_gradient(node, inputs, cotangent);
    std::vector<Batch<double>> first_columns;
    for (const Batch<double>* input : inputs) first_columns.emplace_back(input->col(0));
    std::vector<const Batch<double>*> first;
    for (const Batch<double>& column : first_columns) first.push_back(&column);
    return grad::parameter_gradient(node, first, cotangent.col(0));
  };
  const auto check = [&]<class Kind>(std::type_identity<Kind> kind) {
    SCOPED_TRACE(std::string(Kind::kind_name));
    const Network network = NetworksOfKind{random}(kind).front();
    const GradientCheckReport report =
        check_gradients(network, uniform_matrix(random, network.input_size(), 3), options);
    EXPECT_FALSE(report.passed());
    EXPECT_EQ(report.worst().name, kLayer);
    for (const GradientCheckEntry& layer : report.layers)
      EXPECT_EQ(layer.max_relative_error > kTolerance, layer.name == kLayer) << layer.name;
    // The whole-network check differentiates with respect to the input only.
    EXPECT_LE(report.total.max_relative_error, kTolerance);
  };
  check(std::type_identity<Dense>{});
  check(std::type_identity<Conv2d>{});
  check(std::type_identity<BatchNorm>{});
}

// ---- kinks ----

TEST(GradientCheck, DifferencesStraddlingAReluKinkAreSkippedNotFailed) {
  std::mt19937 random = certnn::testing::seeded_generator();
  for (const LayerOp& op : {LayerOp(Relu{}), LayerOp(LeakyRelu{0.2})}) {
    SCOPED_TRACE(std::string(kind_name(op)));
    Network network({1, 8});
    network.add(kLayer, op, {0});
    network.add("out", random_dense(random, 3, 8), {1});
    // Four entries within their step of 0 (the step is about 6·10⁻⁶): 0 twice, ±10⁻⁷.
    Batch<double> inputs(8, 1);
    inputs << 0.0, 1e-7, -1e-7, 0.5, -0.5, 0.0, 2.0, -2.0;
    const GradientCheckReport report = check_gradients(network, inputs, seeded_options());
    EXPECT_TRUE(report.passed()) << report.worst().name << " " << report.worst().max_relative_error;
    const GradientCheckEntry& layer = layer_named(report, kLayer);
    EXPECT_EQ(layer.skipped, 4);
    EXPECT_EQ(layer.compared, 4);
    EXPECT_EQ(report.total.skipped, 4);
    EXPECT_EQ(report.total.compared, 4);
  }
}

TEST(GradientCheck, DifferencesStraddlingAMaxPoolTieAreSkippedNotFailed) {
  Network network({1, 1, 2, 2});
  Window2d w;
  w.channels = 1;
  w.in_h = w.in_w = 2;
  w.kernel_h = w.kernel_w = 2;
  complete_window(w);
  network.add(kLayer, MaxPool{w}, {0});
  Batch<double> inputs(4, 2);
  inputs << 0.5, 0.5,  //
      2.0, 2.0,        // column 0: elements 1 and 2 tie exactly,
      2.0, 2.0 + 1e-7, // column 1: within the step of each other
      1.0, 1.0;
  const GradientCheckReport report = check_gradients(network, inputs, seeded_options());
  EXPECT_TRUE(report.passed()) << report.worst().max_relative_error;
  EXPECT_EQ(report.layers[0].skipped, 4);
  EXPECT_EQ(report.layers[0].compared, 4);
  EXPECT_EQ(report.total.skipped, 4);
}

TEST(GradientCheck, ReluZerosFeedingAMaxPoolPass) {
  // Rectified zeros tie in the pool's windows: the layer's own differences there straddle a kink,
  // while through the whole network they move together and are compared.
  std::mt19937 random = certnn::testing::seeded_generator();
  Network network(kImage);
  network.add("shift", AddConstant{Eigen::VectorXd::Constant(element_count(kImage), -0.5)}, {0});
  network.add("relu", Relu{}, {1});
  Window2d w;
  w.channels = kImage[1];
  w.in_h = kImage[2];
  w.in_w = kImage[3];
  w.kernel_h = w.kernel_w = 2;
  complete_window(w);
  network.add(kLayer, MaxPool{w}, {2});
  network.add("flatten", Reshape{{1, network.size(3)}}, {3});
  network.add("out", random_dense(random, 2, network.size(3)), {4});
  const GradientCheckReport report = check_gradients(network, uniform_matrix(random, network.input_size(), 3),
                                                     seeded_options());
  EXPECT_TRUE(report.passed()) << report.worst().name << " " << report.worst().max_relative_error;
  EXPECT_GT(layer_named(report, kLayer).skipped, 0);
  EXPECT_GT(report.total.compared, 0);
}

TEST(GradientCheck, ANetworkWhollyAtItsKinksPassesWithEverythingSkipped) {
  std::mt19937 random = certnn::testing::seeded_generator();
  Network network({1, 4});
  Dense dense = random_dense(random, 5, 4);
  dense.bias.setZero();
  network.add("fc", dense, {0});
  network.add(kLayer, Relu{}, {1});
  const GradientCheckReport report = check_gradients(network, Batch<double>::Zero(4, 1), seeded_options());
  EXPECT_TRUE(report.passed());
  EXPECT_EQ(layer_named(report, kLayer).compared, 0);
  EXPECT_EQ(layer_named(report, kLayer).skipped, 5);
  EXPECT_EQ(report.total.compared, 0);
  EXPECT_EQ(report.total.skipped, 4);
}

// ---- sampling, seeds, errors ----

TEST(GradientCheck, BigLayersAreSampledToMaxEntries) {
  std::mt19937 random = certnn::testing::seeded_generator();
  Network network({1, 300});
  network.add(kLayer, random_dense(random, 200, 300), {0});
  GradientCheckOptions options = seeded_options();
  options.max_entries = 50;
  const Batch<double> inputs = uniform_matrix(random, 300, 2);
  const GradientCheckReport report = check_gradients(network, inputs, options);
  EXPECT_TRUE(report.passed());
  EXPECT_EQ(report.layers[0].compared, 100);  // 50 of 600 input entries, 50 of 60,200 parameters
  EXPECT_EQ(report.total.compared, 50);

  options.max_entries = 1000;
  const GradientCheckReport all_inputs = check_gradients(network, inputs, options);
  EXPECT_EQ(all_inputs.layers[0].compared, 600 + 1000);
  EXPECT_EQ(all_inputs.total.compared, 600);
}

TEST(GradientCheck, TheSameSeedGivesTheSameReport) {
  std::mt19937 random = certnn::testing::seeded_generator();
  const Network network = NetworksOfKind{random}(std::type_identity<Conv2d>{}).front();
  const Batch<double> inputs = uniform_matrix(random, network.input_size(), 2);
  GradientCheckOptions options = seeded_options();
  options.max_entries = 20;
  const GradientCheckReport first = check_gradients(network, inputs, options);
  const GradientCheckReport second = check_gradients(network, inputs, options);
  ASSERT_EQ(first.layers.size(), second.layers.size());
  for (std::size_t k = 0; k < first.layers.size(); ++k)
    EXPECT_EQ(first.layers[k].max_relative_error, second.layers[k].max_relative_error);
  EXPECT_EQ(first.total.max_relative_error, second.total.max_relative_error);
}

TEST(GradientCheck, RelativeErrorHasAFloorAndTreatsNonFiniteAsInfinite) {
  EXPECT_EQ(relative_error(2.0, 1.0, 1.0), 0.5);
  EXPECT_EQ(relative_error(-1.0, 1.0, 1.0), 2.0);
  EXPECT_EQ(relative_error(1e-8, 2e-8, 1.0), 1e-8);  // below the floor: absolute
  EXPECT_EQ(relative_error(1e-8, 2e-8, 1e-9), 0.5);
  EXPECT_EQ(relative_error(0.0, 0.0, 1.0), 0.0);
  const double inf = std::numeric_limits<double>::infinity(), nan = std::numeric_limits<double>::quiet_NaN();
  EXPECT_EQ(relative_error(nan, 1.0, 1.0), inf);
  EXPECT_EQ(relative_error(1.0, nan, 1.0), inf);
  EXPECT_EQ(relative_error(inf, inf, 1.0), inf);
  EXPECT_EQ(relative_error(1.0, -inf, 1.0), inf);
}

TEST(GradientCheck, AVjpOfTheWrongShapeIsAnInfiniteError) {
  std::mt19937 random = certnn::testing::seeded_generator();
  const Network network = between_dense(random, Tanh{});
  GradientCheckOptions options = seeded_options();
  options.input_vjp = [](const Node& node, const std::vector<const Batch<double>*>& inputs,
                         const Batch<double>& output, const Batch<double>& cotangent, const Network& net) {
    std::vector<Batch<double>> pulled = grad::input_vjp(node, inputs, output, cotangent, net);
    if (std::holds_alternative<Tanh>(node.op)) pulled[0].conservativeResize(pulled[0].rows() - 1, Eigen::NoChange);
    return pulled;
  };
  const GradientCheckReport report = check_gradients(network, uniform_matrix(random, 5, 2), options);
  EXPECT_FALSE(report.passed());
  EXPECT_EQ(layer_named(report, kLayer).max_relative_error, std::numeric_limits<double>::infinity());
  EXPECT_EQ(report.total.max_relative_error, std::numeric_limits<double>::infinity());
  EXPECT_EQ(report.worst().name, kLayer);
}

TEST(GradientCheck, BadInputsAndOptionsAreErrors) {
  std::mt19937 random = certnn::testing::seeded_generator();
  const Network network = between_dense(random, Relu{});
  EXPECT_THROW(check_gradients(network, Batch<double>::Zero(4, 1)), ShapeError);
  EXPECT_THROW(check_gradients(network, Batch<double>::Zero(5, 0)), Error);
  const Batch<double> inputs = Batch<double>::Zero(5, 1);
  for (const double tolerance : {0.0, -1.0, std::numeric_limits<double>::quiet_NaN(),
                                 std::numeric_limits<double>::infinity()}) {
    GradientCheckOptions options;
    options.tolerance = tolerance;
    EXPECT_THROW(check_gradients(network, inputs, options), Error) << tolerance;
  }
  GradientCheckOptions options;
  options.floor = 0;
  EXPECT_THROW(check_gradients(network, inputs, options), Error);
  options = {};
  options.max_entries = 0;
  EXPECT_THROW(check_gradients(network, inputs, options), Error);
  options = {};
  options.input_vjp = nullptr;
  EXPECT_THROW(check_gradients(network, inputs, options), Error);
}

TEST(GradientCheck, TheInputAsOutputChecksTheIdentity) {
  Network network({1, 3});
  const GradientCheckReport report = check_gradients(network, Batch<double>::Ones(3, 2), seeded_options());
  EXPECT_TRUE(report.passed());
  EXPECT_TRUE(report.layers.empty());
  EXPECT_EQ(report.total.compared, 6);
  EXPECT_EQ(&report.worst(), &report.total);
}

}  // namespace
}  // namespace certnn::stability
