// Central finite differences of f(X) = Σ_s ⟨C_s, network(X_s)⟩ (C a fixed output cotangent, one
// column per sample) with respect to the inputs and to every trainable parameter, in float64: the
// reference the reverse-mode gradients of certnn::grad are compared against.
//
// Tolerance. With step h = kStep · max(1, |θ|) the quotient (f(θ+h) − f(θ−h)) / (2h) differs
// from f'(θ) by the truncation error h²/6 · |f'''| plus the rounding error of the two
// evaluations divided by 2h. The test networks are small (weights in [−1, 1], fan-in ≤ 64,
// intermediate magnitudes ≲ 10², |f'''| ≲ 10³), so:
//   truncation ≤ (10⁻⁶)² / 6 · 10³                    ≈ 2·10⁻¹⁰,
//   rounding   ≤ 2 · (n u · 10²) / (2 · 10⁻⁶), n ≈ 64 ≈ 7·10⁻⁷ in the worst case (the errors
//               of the two nearly identical evaluations mostly cancel, ≈ 10⁻⁹ in practice),
// both relative to max(1, |f'|) — hence kTolerance = 10⁻⁶ on |analytic − numeric| / max(1,
// |numeric|). An error in any single term of a gradient (a missing factor, a wrong sign, a wrong
// index) changes it by far more. Near a kink (Relu, LeakyRelu at 0, MaxPool ties) the quotient
// straddles it and means nothing: points are drawn at least kKinkMargin away from every kink.
#pragma once

#include <Eigen/Core>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <variant>
#include <vector>

#include "certnn/grad/backward.hpp"
#include "certnn/grad/tape.hpp"
#include "certnn/model/forward.hpp"
#include "certnn/model/network.hpp"
#include "certnn/model/window.hpp"

namespace certnn::grad::testing {

using model::Batch;
using model::Network;

inline constexpr double kStep = 1e-6;
inline constexpr double kTolerance = 1e-6;
// A perturbation of size h moves a pre-activation by at most its Lipschitz constant (≲ 10 in
// these networks, whose weights are scaled by 1/√fan-in) times h ≤ 10⁻⁶ max(1, |θ|): ten times
// below this margin.
inline constexpr double kKinkMargin = 1e-4;

// f per column: Σ_i C(i, s) · network(X)(i, s).
inline Eigen::RowVectorXd weighted_outputs(const Network& network, const Batch<double>& inputs,
                                           const Batch<double>& cotangent) {
  return (cotangent.array() * model::forward<double>(network, inputs).array()).colwise().sum();
}

// θ ± h with h = kStep · max(1, |θ|); the quotient divides by the difference of the rounded
// arguments, so the rounding of θ ± h does not enter the error.
struct Steps {
  double up, down;
};
inline Steps steps_around(double theta) {
  const double h = kStep * std::max(1.0, std::abs(theta));
  return {theta + h, theta - h};
}

// d f / d X, input_size x batch.
inline Batch<double> numeric_input_gradient(const Network& network, const Batch<double>& inputs,
                                            const Batch<double>& cotangent) {
  Batch<double> gradient(inputs.rows(), inputs.cols());
  for (Eigen::Index j = 0; j < inputs.rows(); ++j) {
    Batch<double> up = inputs, down = inputs;
    for (Eigen::Index s = 0; s < inputs.cols(); ++s) {
      const Steps st = steps_around(inputs(j, s));
      up(j, s) = st.up;
      down(j, s) = st.down;
    }
    const Eigen::RowVectorXd difference =
        weighted_outputs(network, up, cotangent) - weighted_outputs(network, down, cotangent);
    gradient.row(j) = difference.array() / (up.row(j) - down.row(j)).array();
  }
  return gradient;
}

// Pointers to the trainable parameters of a layer in the order weight (column-major), scale, bias
// — the order of flatten() below.
inline std::vector<double*> trainable_parameters(model::LayerOp& op) {
  std::vector<double*> out;
  const auto add = [&out](auto& m) {
    for (Eigen::Index i = 0; i < m.size(); ++i) out.push_back(m.data() + i);
  };
  if (auto* d = std::get_if<model::Dense>(&op)) {
    add(d->weight);
    add(d->bias);
  } else if (auto* c = std::get_if<model::Conv2d>(&op)) {
    add(c->weight);
    add(c->bias);
  } else if (auto* b = std::get_if<model::BatchNorm>(&op)) {
    add(b->scale);
    add(b->bias);
  }
  return out;
}

inline Eigen::VectorXd flatten(const ParameterGradient& p) {
  Eigen::VectorXd out(p.weight.size() + p.scale.size() + p.bias.size());
  out.head(p.weight.size()) = Eigen::Map<const Eigen::VectorXd>(p.weight.data(), p.weight.size());
  out.segment(p.weight.size(), p.scale.size()) = p.scale;
  out.tail(p.bias.size()) = p.bias;
  return out;
}

// Σ_s d f / dθ for every trainable parameter of node k, in flatten() order.
inline Eigen::VectorXd numeric_parameter_gradient(const Network& network, std::size_t k, const Batch<double>& inputs,
                                                  const Batch<double>& cotangent) {
  Network perturbed = network;
  model::LayerOp op = network.nodes()[k].op;
  const std::vector<double*> parameters = trainable_parameters(op);
  const auto value = static_cast<model::ValueId>(k + 1);
  Eigen::VectorXd gradient(static_cast<Eigen::Index>(parameters.size()));
  for (std::size_t p = 0; p < parameters.size(); ++p) {
    const double theta = *parameters[p];
    const Steps st = steps_around(theta);
    *parameters[p] = st.up;
    perturbed.replace_layer(value, op);
    const double f_up = weighted_outputs(perturbed, inputs, cotangent).sum();
    *parameters[p] = st.down;
    perturbed.replace_layer(value, op);
    const double f_down = weighted_outputs(perturbed, inputs, cotangent).sum();
    *parameters[p] = theta;
    gradient[static_cast<Eigen::Index>(p)] = (f_up - f_down) / (st.up - st.down);
  }
  return gradient;
}

// max |analytic − numeric| / max(1, |numeric|) over the entries, 0 for none; +∞ when the shapes
// differ or an entry is not finite.
inline double worst_error(const Eigen::MatrixXd& analytic, const Eigen::MatrixXd& numeric) {
  if (analytic.rows() != numeric.rows() || analytic.cols() != numeric.cols())
    return std::numeric_limits<double>::infinity();
  double worst = 0;
  for (Eigen::Index i = 0; i < numeric.size(); ++i) {
    const double error = std::abs(analytic(i) - numeric(i)) / std::max(1.0, std::abs(numeric(i)));
    worst = std::isfinite(error) ? std::max(worst, error) : std::numeric_limits<double>::infinity();
  }
  return worst;
}

// How close a recorded pass comes to a kink: the smallest |x| over the inputs of Relu and
// LeakyRelu layers and the smallest gap between the two largest distinct taps of a MaxPool
// window. Exactly equal taps come from identical computations (windows that read only padding,
// say) and move together under every perturbation, so they are no kink.
inline double kink_distance(const Network& network, const Tape& tape) {
  double distance = std::numeric_limits<double>::infinity();
  const auto& nodes = network.nodes();
  for (const model::Node& node : nodes) {
    const Batch<double>& x = tape.value(node.inputs[0]);
    if (std::holds_alternative<model::Relu>(node.op) || std::holds_alternative<model::LeakyRelu>(node.op)) {
      distance = std::min(distance, x.cwiseAbs().minCoeff());
    } else if (const auto* pool = std::get_if<model::MaxPool>(&node.op)) {
      const model::Window2d& w = pool->window;
      const Eigen::Index outputs = w.channels * w.out_h * w.out_w;
      for (Eigen::Index s = 0; s < x.cols(); ++s) {
        const double none = -std::numeric_limits<double>::infinity();
        std::vector<double> first(static_cast<std::size_t>(outputs), none), second(first);
        model::for_each_window(w, [&](std::int64_t out, std::int64_t in) {
          const double v = x(in, s);
          if (v > first[out]) {
            second[out] = first[out];
            first[out] = v;
          } else if (v < first[out] && v > second[out]) {
            second[out] = v;
          }
        });
        for (Eigen::Index o = 0; o < outputs; ++o) distance = std::min(distance, first[o] - second[o]);
      }
    }
  }
  return distance;
}

inline Batch<double> uniform_matrix(std::mt19937& random, Eigen::Index rows, Eigen::Index cols, double low,
                                    double high) {
  std::uniform_real_distribution<double> uniform(low, high);
  Batch<double> m(rows, cols);
  for (Eigen::Index i = 0; i < m.size(); ++i) m(i) = uniform(random);
  return m;
}

// Inputs in [low, high] (input_size x batch) at least kKinkMargin from every kink; an empty
// matrix when 200 draws all came closer.
inline Batch<double> inputs_away_from_kinks(const Network& network, std::mt19937& random, Eigen::Index batch,
                                            double low = -1, double high = 1) {
  for (int attempt = 0; attempt < 200; ++attempt) {
    Batch<double> inputs = uniform_matrix(random, network.input_size(), batch, low, high);
    if (kink_distance(network, record(network, inputs)) >= kKinkMargin) return inputs;
  }
  return {};
}

// The worst errors of the analytic input and parameter gradients of f against central finite
// differences, at the given inputs and cotangent.
struct GradientErrors {
  double input = 0, parameters = 0;
  std::string worst_parameter_node;
};
inline GradientErrors gradient_errors(const Network& network, const Batch<double>& inputs,
                                      const Batch<double>& cotangent, const Gradients& analytic) {
  GradientErrors errors;
  errors.input = worst_error(analytic.input, numeric_input_gradient(network, inputs, cotangent));
  for (std::size_t k = 0; k < network.nodes().size(); ++k) {
    const double e = worst_error(flatten(analytic.parameters.at(k)),
                                 numeric_parameter_gradient(network, k, inputs, cotangent));
    if (e > errors.parameters) {
      errors.parameters = e;
      errors.worst_parameter_node = network.nodes()[k].name;
    }
  }
  return errors;
}

}  // namespace certnn::grad::testing
