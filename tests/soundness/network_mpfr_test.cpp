// Every registered sound bound method on random deep networks (depth 3 to 8: ReLU, tanh, sigmoid
// and mixed MLPs with a softmax at the end, convolutional networks with pooling, residual networks
// with batch normalisation) over small and large input boxes: the MPFR enclosure of the network at
// the box centre, random vertices, random points and the points a projected finite-difference
// ascent finds on each output (both directions) must lie inside the method's bounds. The float64
// forward pass must agree with the MPFR reference at every point, up to rounding (a check on the
// reference as much as on the forward pass: the two are written independently).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "network_points.hpp"
#include "test_seed.hpp"

namespace certnn::soundness {
namespace {

using Eigen::Index;
using model::Network;
using model::ValueId;

// Agreement required of the float64 forward pass with the MPFR reference, relative to 1 + |y|:
// the a-priori error of ≤ 8 layers of width ≤ 16 (or convolution fan-in ≤ 36) with values of
// order 1 is below 8·37·2^-52 < 2^-43; a wrong layer in either evaluator differs by far more.
constexpr double kForwardAgreement = 0x1p-30;

// ---- Random deep networks ----------------------------------------------------------------------

Index size_between(Rng& rng, Index lo, Index hi) { return static_cast<Index>(uniform_int(rng, lo, hi)); }

model::LayerOp activation(const std::string& kind) {
  if (kind == "relu") return model::Relu{};
  if (kind == "tanh") return model::Tanh{};
  if (kind == "sigmoid") return model::Sigmoid{};
  return model::LeakyRelu{0.1};
}

// x[n] → (Dense → activation) × (depth − 1) → Dense → Softmax when `softmax`; the activation of
// each layer is drawn from `activations`. Depth counts the dense layers.
Network mlp(Rng& rng, const std::vector<std::string>& activations, bool softmax) {
  const Index n = size_between(rng, 2, 8), k = size_between(rng, 2, 4);
  const int depth = static_cast<int>(uniform_int(rng, 3, 8));
  Network net({n});
  ValueId v = model::kInputValue;
  Index width = n;
  for (int layer = 0; layer < depth; ++layer) {
    const bool last = layer == depth - 1;
    const Index out = last ? k : size_between(rng, 4, 16);
    v = net.add("dense_" + std::to_string(layer), random_dense(rng, width, out, 2.0), {v});
    width = out;
    if (!last) {
      const std::string& kind = activations[uniform_int(rng, 0, static_cast<std::int64_t>(activations.size()) - 1)];
      v = net.add(kind + "_" + std::to_string(layer), activation(kind), {v});
    }
  }
  if (softmax) net.add("softmax", model::Softmax{k}, {v});
  return net;
}

// [1, C, H, W] → Conv → ReLU → Conv (stride 2) → ReLU → Max/AveragePool → flatten → Dense → ReLU
// → Dense.
Network conv_net(Rng& rng) {
  const std::int64_t c = uniform_int(rng, 1, 2), h = uniform_int(rng, 4, 7), w = uniform_int(rng, 4, 7);
  Network net({1, c, h, w});
  model::Window2d first;
  first.channels = c;
  first.in_h = h;
  first.in_w = w;
  first.kernel_h = first.kernel_w = 3;
  first.pad_top = first.pad_bottom = first.pad_left = first.pad_right = 1;
  model::complete_window(first);
  const model::Conv2d conv1 = random_conv(rng, first, uniform_int(rng, 2, 4), 2.0);
  ValueId v = net.add("conv_1", conv1, {model::kInputValue});
  v = net.add("relu_1", model::Relu{}, {v});
  model::Window2d second = random_window(rng, conv1.out_channels, first.out_h, first.out_w, false);
  const model::Conv2d conv2 = random_conv(rng, second, uniform_int(rng, 2, 3), 2.0);
  v = net.add("conv_2", conv2, {v});
  v = net.add("relu_2", model::Relu{}, {v});
  const model::Window2d pool = random_window(rng, conv2.out_channels, second.out_h, second.out_w, true);
  if (chance(rng, 0.5)) {
    v = net.add("max_pool", model::MaxPool{pool}, {v});
  } else {
    v = net.add("average_pool", model::AveragePool{pool, chance(rng, 0.5)}, {v});
  }
  const Index flat = net.size(v), hidden = size_between(rng, 4, 10);
  v = net.add("flatten", model::Reshape{{flat}}, {v});
  v = net.add("dense_1", random_dense(rng, flat, hidden, 2.0), {v});
  v = net.add("relu_3", model::Relu{}, {v});
  net.add("dense_2", random_dense(rng, hidden, size_between(rng, 2, 4), 2.0), {v});
  return net;
}

// x[n] → Dense → ReLU → (Dense → ReLU → Dense, + skip) × blocks → [1, C, k] batch norm → Dense.
Network residual_net(Rng& rng) {
  const Index n = size_between(rng, 2, 6), channels = size_between(rng, 1, 3), per_channel = size_between(rng, 2, 4);
  const Index width = channels * per_channel;
  Network net({n});
  ValueId v = net.add("dense_in", random_dense(rng, n, width, 2.0), {model::kInputValue});
  v = net.add("relu_in", model::Relu{}, {v});
  const int blocks = static_cast<int>(uniform_int(rng, 1, 3));
  for (int b = 0; b < blocks; ++b) {
    const std::string suffix = std::to_string(b);
    ValueId branch = net.add("dense_a" + suffix, random_dense(rng, width, width, 1.5), {v});
    branch = net.add("relu_a" + suffix, model::Relu{}, {branch});
    branch = net.add("dense_b" + suffix, random_dense(rng, width, width, 1.0), {branch});
    v = net.add("skip" + suffix, model::AddTensors{}, {branch, v});
  }
  v = net.add("to_channels", model::Reshape{{1, channels, per_channel}}, {v});
  model::BatchNorm bn;
  bn.scale = Eigen::VectorXd(channels);
  bn.bias = Eigen::VectorXd(channels);
  bn.mean = Eigen::VectorXd(channels);
  bn.variance = Eigen::VectorXd(channels);
  for (Index c = 0; c < channels; ++c) {
    bn.scale[c] = uniform(rng, -2.0, 2.0);
    bn.bias[c] = uniform(rng, -1.0, 1.0);
    bn.mean[c] = uniform(rng, -1.0, 1.0);
    bn.variance[c] = uniform(rng, 0.1, 3.0);
  }
  bn.channel_stride = per_channel;
  v = net.add("batch_norm", bn, {v});
  v = net.add("flatten", model::Reshape{{width}}, {v});
  v = net.add("tanh_out", model::Tanh{}, {v});
  net.add("dense_out", random_dense(rng, width, size_between(rng, 2, 4), 2.0), {v});
  return net;
}

struct Family {
  std::string name;
  std::function<Network(Rng&)> make;
  int networks;
};

// A box around a random centre in [−1, 1]^n with radii 2^e, e uniform in [log2_lo, log2_hi].
bounds::Box box_with_radius(Rng& rng, Index n, double log2_lo, double log2_hi) {
  bounds::Box box{Eigen::VectorXd(n), Eigen::VectorXd(n)};
  const double log2_radius = uniform(rng, log2_lo, log2_hi);
  for (Index i = 0; i < n; ++i) {
    const double c = uniform(rng, -1.0, 1.0), r = std::exp2(log2_radius + uniform(rng, -0.5, 0.5));
    box.lower[i] = c - r;
    box.upper[i] = c + r;
  }
  return box;
}

// Up to `count` distinct random vertices of the box.
std::vector<Eigen::VectorXd> random_vertices(Rng& rng, const bounds::Box& box, int count) {
  std::vector<Eigen::VectorXd> vertices;
  for (int k = 0; k < count; ++k) {
    Eigen::VectorXd v(box.size());
    for (Index i = 0; i < box.size(); ++i) v[i] = chance(rng, 0.5) ? box.lower[i] : box.upper[i];
    vertices.push_back(std::move(v));
  }
  return vertices;
}

// ---- The test ----------------------------------------------------------------------------------

struct Tally {
  std::int64_t boxes = 0, points = 0, ascent_points = 0, refused = 0;
  double reached = 0.0;  // Σ over outputs of (range found by the search) / (bound width)
  std::int64_t reached_count = 0;
};

TEST(NetworkMpfr, DeepNetworksStayInsideEverySoundMethodsBounds) {
  const std::uint64_t seed = announce_seed();
  const std::vector<std::string> names = bounds::method_names();
  std::vector<std::unique_ptr<bounds::Method>> methods;
  for (const std::string& name : names) methods.push_back(bounds::make_method(name));
  const ReferenceEvaluator reference;

  const std::vector<Family> families = {
      {"relu mlp", [](Rng& rng) { return mlp(rng, {"relu"}, false); }, 8},
      {"tanh mlp", [](Rng& rng) { return mlp(rng, {"tanh"}, false); }, 6},
      {"sigmoid mlp", [](Rng& rng) { return mlp(rng, {"sigmoid"}, false); }, 6},
      {"mixed mlp + softmax", [](Rng& rng) { return mlp(rng, {"relu", "tanh", "sigmoid", "leaky"}, true); }, 8},
      {"conv net", conv_net, 6},
      {"residual + batch norm", residual_net, 6},
  };

  std::vector<std::vector<Tally>> tallies(families.size(), std::vector<Tally>(names.size()));
  int failures = 0;
  for (std::size_t f = 0; f < families.size() && failures < 10; ++f) {
    for (int k = 0; k < families[f].networks && failures < 10; ++k) {
      Rng rng = case_generator(seed, 200 + f, static_cast<std::uint64_t>(k));
      const Network network = families[f].make(rng);
      for (int size = 0; size < 2; ++size) {
        // A small box (the networks stay nearly linear) and a large one (many ReLUs unstable,
        // sigmoid and tanh saturated).
        const bounds::Box box = size == 0 ? box_with_radius(rng, network.input_size(), -12.0, -6.0)
                                          : box_with_radius(rng, network.input_size(), -4.0, 0.0);
        const std::string where = families[f].name + " network " + std::to_string(k) + " (" +
                                  std::to_string(network.nodes().size()) + " layers), " +
                                  (size == 0 ? "small" : "large") + " box, CERTNN_TEST_SEED=" + std::to_string(seed);

        std::vector<MethodOutcome> outcomes;
        for (const auto& method : methods) outcomes.push_back(run_method(*method, network, box));
        for (std::size_t m = 0; m < outcomes.size(); ++m) {
          const MethodOutcome& o = outcomes[m];
          if (o.status == MethodOutcome::Status::Refused) {
            ++tallies[f][m].refused;
            EXPECT_NE(o.message.find(o.method), std::string::npos) << where << ": refusal without the method's name: " << o.message;
          }
          if (o.status == MethodOutcome::Status::Error) {
            ++failures;
            ADD_FAILURE() << o.method << " threw on " << where << ": " << o.message;
          }
          if (o.status == MethodOutcome::Status::Bounds) {
            ASSERT_EQ(o.result.output.size(), network.output_size()) << o.method << ", " << where;
            ++tallies[f][m].boxes;
          }
        }

        std::vector<Eigen::VectorXd> points = random_vertices(rng, box, 8);
        points.push_back((box.lower + box.upper) * 0.5);
        for (int p = 0; p < 24; ++p) points.push_back(random_point_in(rng, box));
        const std::size_t searched_from = points.size();
        for (Eigen::VectorXd& x : ascent_points(network, box, rng, AscentOptions{20, 4, 8})) points.push_back(std::move(x));

        // The range of each output over the points, in float64 (for the reach statistic).
        const model::Batch<double> inputs = [&] {
          model::Batch<double> b(box.size(), static_cast<Index>(points.size()));
          for (std::size_t p = 0; p < points.size(); ++p) b.col(static_cast<Index>(p)) = points[p];
          return b;
        }();
        const model::Batch<double> float64 = model::forward<double>(network, inputs);

        for (std::size_t p = 0; p < points.size() && failures < 10; ++p) {
          Values exact;
          try {
            exact = reference.evaluate(network, points[p]);
          } catch (const std::exception& e) {
            ++failures;
            ADD_FAILURE() << "the MPFR reference failed on " << where << ": " << e.what();
            break;
          }
          for (Index i = 0; i < network.output_size(); ++i) {
            const double value = mpfr_get_d(exact[static_cast<std::size_t>(i)].lo.get(), MPFR_RNDN);
            const double tolerance = kForwardAgreement * (1.0 + std::abs(value));
            if (!(std::abs(float64(i, static_cast<Index>(p)) - value) <= tolerance)) {
              ++failures;
              ADD_FAILURE() << where << ": float64 forward " << float64(i, static_cast<Index>(p))
                            << " and the MPFR reference " << value << " disagree at output " << i << ", "
                            << describe_point(points[p]);
            }
          }
          for (std::size_t m = 0; m < outcomes.size(); ++m) {
            const MethodOutcome& o = outcomes[m];
            if (o.status != MethodOutcome::Status::Bounds || !o.result.sound) continue;
            ++tallies[f][m].points;
            if (p >= searched_from) ++tallies[f][m].ascent_points;
            const Index i = first_escape(o.result.output, exact);
            if (i < 0) continue;
            ++failures;
            ADD_FAILURE() << o.method << " is unsound on " << where << ": output " << i << " = ["
                          << exact[static_cast<std::size_t>(i)].lo.to_string(30) << ", "
                          << exact[static_cast<std::size_t>(i)].hi.to_string(30) << "] outside ["
                          << hex(o.result.output.lower[i]) << ", " << hex(o.result.output.upper[i]) << "] at "
                          << (p >= searched_from ? "an ascent point " : "") << describe_point(points[p]);
          }
        }
        for (std::size_t m = 0; m < outcomes.size(); ++m) {
          const MethodOutcome& o = outcomes[m];
          if (o.status != MethodOutcome::Status::Bounds) continue;
          for (Index i = 0; i < network.output_size(); ++i) {
            const double width = o.result.output.upper[i] - o.result.output.lower[i];
            if (!(width > 0.0) || !std::isfinite(width)) continue;
            tallies[f][m].reached += (float64.row(i).maxCoeff() - float64.row(i).minCoeff()) / width;
            ++tallies[f][m].reached_count;
          }
        }
      }
    }
  }
  EXPECT_EQ(failures, 0);

  std::cout << "\nMPFR points inside the bounds of each sound method (reach = range found by sampling and "
               "ascent / width of the method's box, mean over outputs; above 1 for an empirical method means the "
               "ascent found more than its sampling)\n";
  std::cout << std::left << std::setw(24) << "family";
  for (const std::string& name : names) std::cout << std::setw(44) << name;
  std::cout << "\n";
  for (std::size_t f = 0; f < families.size(); ++f) {
    std::cout << std::setw(24) << families[f].name;
    for (std::size_t m = 0; m < names.size(); ++m) {
      const Tally& t = tallies[f][m];
      std::ostringstream cell;
      if (t.points > 0)
        cell << t.boxes << " boxes, " << t.points << " pts (" << t.ascent_points << " ascent), reach " << std::fixed
             << std::setprecision(2) << t.reached / static_cast<double>(std::max<std::int64_t>(1, t.reached_count));
      else if (t.refused > 0)
        cell << "refused";
      else
        cell << "empirical, reach " << std::fixed << std::setprecision(2)
             << t.reached / static_cast<double>(std::max<std::int64_t>(1, t.reached_count));
      std::cout << std::setw(44) << cell.str();
    }
    std::cout << "\n";
  }
  std::cout << std::right << "\n";

  // Every family was checked against some sound method, on ascent points too.
  for (std::size_t f = 0; f < families.size(); ++f) {
    std::int64_t checked = 0;
    for (const Tally& t : tallies[f]) checked += t.ascent_points;
    EXPECT_GT(checked, 0) << families[f].name << ": no sound method was checked";
  }
}

}  // namespace
}  // namespace certnn::soundness
