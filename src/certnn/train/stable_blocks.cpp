#include "certnn/train/stable_blocks.hpp"

#include <cmath>
#include <limits>
#include <random>

#include "certnn/stability/lipschitz_upper.hpp"
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
  for (const NormCap& cap : network.norm_caps) track(cap.weight, cap.cap * cap.cap * margin_);
  for (const StableBlock& block : network.stable_blocks) track(block.weight, 2.0 * margin_ / block.step);
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
  for (const StableBlock& block : network.stable_blocks) {
    const double product = step_product_upper(network, block);
    certificate.step_products.push_back(product);
    if (product > 2.0) certificate.non_expansive = false;
  }
  for (const NormCap& cap : network.norm_caps)
    if (dense_upper(float_weights(network, cap.weight)) > cap.cap) certificate.within_caps = false;

  const model::Network exported = to_network(network);
  certificate.lipschitz_upper = stability::lipschitz_upper(exported, stability::layer_stabilities(exported)).output;
  return certificate;
}

// Each pass shrinks by the measured excess and a little more; float rounding of the scaled
// weights can move the norm by a few ulps, hence the loops.
void make_provably_stable(TrainableNetwork& network) {
  for (const StableBlock& block : network.stable_blocks)
    for (double product = step_product_upper(network, block); product > 2.0;
         product = step_product_upper(network, block))
      network.parameter(block.weight) *= std::sqrt(2.0 / product) * (1.0 - 1e-6);
  for (const NormCap& cap : network.norm_caps)
    for (double norm = dense_upper(float_weights(network, cap.weight)); norm > cap.cap;
         norm = dense_upper(float_weights(network, cap.weight)))
      network.parameter(cap.weight) *= cap.cap / norm * (1.0 - 1e-6);
}

}  // namespace certnn::train
