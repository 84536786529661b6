#include "certnn/stability/layer_stability.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "certnn/core/rounding.hpp"
#include "certnn/model/kind_dispatch.hpp"
#include "certnn/model/window.hpp"
#include "certnn/stability/linear_operator.hpp"

namespace certnn::stability {
namespace {

using namespace certnn::model;
namespace r = certnn::rounding;
using Eigen::Index;
using Eigen::VectorXd;

constexpr double kInf = std::numeric_limits<double>::infinity();

struct Figures {
  double estimate = 0.0, upper = 0.0;
  UpperBoundMethod method = UpperBoundMethod::Exact;
  std::optional<double> condition;
};

Figures exact(double value) { return {value, value, UpperBoundMethod::Exact, std::nullopt}; }

Figures from_norm(const SpectralNorm& norm) {
  Figures f{norm.estimate, norm.upper, norm.method, std::nullopt};
  if (norm.smallest) f.condition = *norm.smallest > 0.0 ? norm.estimate / *norm.smallest : kInf;
  return f;
}

// A diagonal map with factors `estimates` (computed in round-to-nearest) and `uppers` ≥ |factor|:
// its norm is the largest |factor|, its condition number largest over smallest.
Figures diagonal(const VectorXd& estimates, const VectorXd& uppers) {
  if (estimates.size() == 0) return exact(0.0);
  const VectorXd magnitudes = estimates.cwiseAbs();
  Figures f{magnitudes.maxCoeff(), uppers.maxCoeff(), UpperBoundMethod::Exact, std::nullopt};
  const double smallest = magnitudes.minCoeff();
  f.condition = smallest > 0.0 ? f.estimate / smallest : kInf;
  return f;
}

struct StabilityStep {
  const StabilityOptions& options;

  Figures operator()(const Dense& d) const { return from_norm(dense_spectral_norm(d.weight, options.spectral)); }
  Figures operator()(const Conv2d& c) const {
    return from_norm(operator_spectral_norm(convolution_operator(c), options.spectral));
  }
  Figures operator()(const Relu&) const { return exact(1.0); }
  Figures operator()(const LeakyRelu& l) const { return exact(std::max(1.0, std::abs(l.alpha))); }
  Figures operator()(const Sigmoid&) const { return exact(0.25); }
  Figures operator()(const Tanh&) const { return exact(1.0); }
  Figures operator()(const Softmax& s) const {
    Figures f = exact(0.5);
    if (s.group_size < 2) f.estimate = 0.0;  // a group of one is the constant 1
    return f;
  }
  Figures operator()(const Reshape&) const { return exact(1.0); }
  Figures operator()(const BatchNorm& b) const {
    VectorXd estimates(b.scale.size()), uppers(b.scale.size());
    for (Index c = 0; c < b.scale.size(); ++c) {
      estimates[c] = b.scale[c] / std::sqrt(b.variance[c] + b.epsilon);
      uppers[c] = r::div_up(std::abs(b.scale[c]), r::sqrt_down(r::add_down(b.variance[c], b.epsilon)));
    }
    return diagonal(estimates, uppers);
  }
  Figures operator()(const AddTensors&) const { return exact(1.0); }
  Figures operator()(const SubTensors&) const { return exact(1.0); }
  Figures operator()(const AddConstant&) const { return exact(1.0); }
  Figures operator()(const SubConstant&) const { return exact(1.0); }
  Figures operator()(const MulConstant& m) const { return diagonal(m.constant, m.constant.cwiseAbs()); }
  Figures operator()(const DivConstant& d) const {
    VectorXd uppers(d.constant.size());
    for (Index i = 0; i < d.constant.size(); ++i) uppers[i] = r::div_up(1.0, std::abs(d.constant[i]));
    return diagonal(d.constant.cwiseInverse(), uppers);
  }
  Figures operator()(const AveragePool& p) const {
    return from_norm(operator_spectral_norm(average_pool_operator(p), options.spectral));
  }
  Figures operator()(const MaxPool& p) const {
    const Window2d& w = p.window;
    std::vector<std::int64_t> windows(static_cast<std::size_t>(w.channels * w.in_h * w.in_w), 0);
    for_each_window(w, [&](std::int64_t, std::int64_t in_index) { ++windows[in_index]; });
    const auto most = windows.empty() ? 0 : *std::max_element(windows.begin(), windows.end());
    const double m = static_cast<double>(most);
    return {std::sqrt(m), r::sqrt_up(m), UpperBoundMethod::Exact, std::nullopt};
  }
  Figures operator()(const Pad&) const { return exact(1.0); }
};

}  // namespace

LayerStability layer_stability(const Network&, const Node& node, const StabilityOptions& options) {
  const Figures f = visit_layer(node.op, StabilityStep{options});
  LayerStability out;
  out.name = node.name;
  out.kind = kind_name(node.op);
  out.estimate = f.estimate;
  out.upper = f.upper;
  out.upper_method = upper_bound_method_name(f.method);
  out.condition_number = f.condition;
  out.ill_conditioned = f.condition && *f.condition >= options.ill_conditioned_threshold;
  return out;
}

std::vector<LayerStability> layer_stabilities(const Network& network, const StabilityOptions& options) {
  std::vector<LayerStability> out;
  out.reserve(network.nodes().size());
  for (const Node& node : network.nodes()) out.push_back(layer_stability(network, node, options));
  return out;
}

}  // namespace certnn::stability
