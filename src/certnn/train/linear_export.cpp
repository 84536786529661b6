#include "certnn/train/linear_export.hpp"

#include <cmath>
#include <string>

#include "certnn/core/error.hpp"

namespace certnn::train {
namespace {

// x/2 is exact unless x/2 is subnormal and x's last bit is lost; 2·(x/2) == x checks it.
double exact_half(double value, const char* what) {
  const double half = 0.5 * value;
  if (!std::isfinite(value) || 2.0 * half != value)
    throw Error(std::string("linear export: the ") + what + " " + std::to_string(value) +
                " cannot be halved exactly (not finite or subnormal)");
  return half;
}

}  // namespace

model::Network linear_network(const LinearClassifier& classifier, const Shape& sample_shape) {
  const Eigen::Index n = classifier.weight.size();
  if (element_count(sample_shape) != n)
    throw ShapeError("linear export: a sample of shape " + to_string(sample_shape) + " for " + std::to_string(n) +
                     " weights");
  Eigen::MatrixXd weight(2, n);
  for (Eigen::Index i = 0; i < n; ++i) {
    const double half = exact_half(classifier.weight[i], "weight");
    weight(0, i) = -half;
    weight(1, i) = half;
  }
  const double half_bias = exact_half(classifier.bias, "bias");
  Eigen::VectorXd bias(2);
  bias << -half_bias, half_bias;

  Shape input_shape{1};
  input_shape.insert(input_shape.end(), sample_shape.begin(), sample_shape.end());
  model::Network network(input_shape);
  model::ValueId value = model::kInputValue;
  if (sample_shape.size() != 1) value = network.add("flatten", model::Reshape{Shape{1, n}}, {value});
  network.set_output(network.add("linear", model::Dense{std::move(weight), std::move(bias)}, {value}));
  return network;
}

}  // namespace certnn::train
