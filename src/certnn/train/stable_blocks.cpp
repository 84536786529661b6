#include "certnn/train/stable_blocks.hpp"

#include <cmath>
#include <limits>
#include <random>

#include "certnn/stability/linear_operator.hpp"
#include "certnn/stability/spectral_norm.hpp"

namespace certnn::train {
namespace {

constexpr double kInfinity = std::numeric_limits<double>::infinity();

double up(double value) { return std::nextafter(value, kInfinity); }
double product_up(double a, double b) { return up(a * b); }

Eigen::MatrixXd float_weights(const TrainableNetwork& network, std::size_t block) {
  return network.parameter(block).unaryExpr([](double v) { return static_cast<double>(static_cast<float>(v)); });
}

double dense_upper(const Eigen::MatrixXd& weight) { return stability::dense_spectral_norm(weight).upper; }

// h · ‖W‖₂² rounded upward, for the float32 weights the block exports.
double step_product_upper(const TrainableNetwork& network, const StableBlock& block) {
  const double norm = dense_upper(float_weights(network, block.weight));
  return product_up(block.step, product_up(norm, norm));
}

struct LayerBound {
  const TrainableNetwork& network;
  StabilityCertificate& certificate;

  double operator()(const DenseLayer& d) const {
    const double norm = dense_upper(float_weights(network, d.weight));
    if (d.norm_cap > 0.0 && norm > d.norm_cap) certificate.within_caps = false;
    return norm;
  }
  double operator()(const ConvLayer& c) const {
    model::Conv2d conv;
    conv.window = c.window;
    conv.out_channels = network.blocks.at(c.weight).rows;
    conv.weight = float_weights(network, c.weight);
    conv.bias = Eigen::VectorXd::Zero(conv.out_channels);
    return stability::operator_spectral_norm(stability::convolution_operator(conv)).upper;
  }
  double operator()(const ReluLayer&) const { return 1.0; }
  double operator()(const StableBlock& b) const {
    const double product = step_product_upper(network, b);
    certificate.step_products.push_back(product);
    if (product <= 2.0) return 1.0;
    certificate.non_expansive = false;
    return up(1.0 + product);
  }
  double operator()(const ResidualBlock& b) const {
    return up(1.0 + product_up(dense_upper(float_weights(network, b.outer_weight)),
                               dense_upper(float_weights(network, b.inner_weight))));
  }
};

}  // namespace

StableConstraint::StableConstraint(const TrainableNetwork& network, double margin, int iterations)
    : margin_(margin), iterations_(iterations) {
  std::mt19937_64 random(0x5ab1e);
  std::normal_distribution<double> normal;
  const auto track = [&](std::size_t weight, double limit_squared) {
    Eigen::VectorXd v(network.blocks.at(weight).cols);
    for (Eigen::Index i = 0; i < v.size(); ++i) v[i] = normal(random);
    blocks_.push_back({weight, limit_squared, v.normalized()});
  };
  for (const TrainableLayer& layer : network.layers) {
    if (const auto* block = std::get_if<StableBlock>(&layer)) track(block->weight, 2.0 * margin_ / block->step);
    if (const auto* dense = std::get_if<DenseLayer>(&layer); dense && dense->norm_cap > 0.0)
      track(dense->weight, dense->norm_cap * dense->norm_cap * margin_);
  }
}

void StableConstraint::enforce(TrainableNetwork& network) {
  for (Tracked& tracked : blocks_) {
    auto weight = network.parameter(tracked.weight);
    double norm_squared = 0.0;
    for (int i = 0; i < iterations_; ++i) {
      const Eigen::VectorXd image = weight * tracked.vector;
      norm_squared = image.squaredNorm();
      const Eigen::VectorXd next = weight.transpose() * image;
      if (!(next.norm() > 0.0)) break;
      tracked.vector = next.normalized();
    }
    if (norm_squared > tracked.limit_squared) weight *= std::sqrt(tracked.limit_squared / norm_squared);
  }
}

StabilityCertificate certify_stability(const TrainableNetwork& network) {
  StabilityCertificate certificate;
  double bound = 1.0;
  for (const TrainableLayer& layer : network.layers)
    bound = product_up(bound, std::visit(LayerBound{network, certificate}, layer));
  certificate.lipschitz_upper = bound;
  return certificate;
}

// Each pass shrinks by the measured excess and a little more; float rounding of the scaled
// weights can move the norm by a few ulps, hence the loops.
void make_provably_stable(TrainableNetwork& network) {
  for (const TrainableLayer& layer : network.layers) {
    if (const auto* block = std::get_if<StableBlock>(&layer))
      for (double product = step_product_upper(network, *block); product > 2.0;
           product = step_product_upper(network, *block))
        network.parameter(block->weight) *= std::sqrt(2.0 / product) * (1.0 - 1e-6);
    if (const auto* dense = std::get_if<DenseLayer>(&layer); dense && dense->norm_cap > 0.0)
      for (double norm = dense_upper(float_weights(network, dense->weight)); norm > dense->norm_cap;
           norm = dense_upper(float_weights(network, dense->weight)))
        network.parameter(dense->weight) *= dense->norm_cap / norm * (1.0 - 1e-6);
  }
}

}  // namespace certnn::train
