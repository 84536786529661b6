#include "certnn/verify/affine_forms.hpp"

#include "certnn/model/forward.hpp"

namespace certnn::verify {

bool is_affine_layer(const model::LayerOp& op) {
  return !std::holds_alternative<model::Relu>(op) && !std::holds_alternative<model::LeakyRelu>(op) &&
         !std::holds_alternative<model::Sigmoid>(op) && !std::holds_alternative<model::Tanh>(op) &&
         !std::holds_alternative<model::Softmax>(op) && !std::holds_alternative<model::MaxPool>(op);
}

double leak_of(const model::LayerOp& op) {
  const auto* leaky = std::get_if<model::LeakyRelu>(&op);
  return leaky ? leaky->alpha : 0.0;
}

Eigen::MatrixXd affine_image(const model::Network& network, const model::Node& node,
                             const std::vector<const Eigen::MatrixXd*>& operands, Eigen::Index variables) {
  std::vector<Eigen::MatrixXd> zeros;
  zeros.reserve(operands.size());
  std::vector<const Eigen::MatrixXd*> zero_operands;
  for (const Eigen::MatrixXd* operand : operands) {
    zeros.push_back(Eigen::MatrixXd::Zero(operand->rows(), 1));
    zero_operands.push_back(&zeros.back());
  }
  Eigen::MatrixXd out = model::apply_layer<double>(node, operands, network);
  const Eigen::VectorXd at_zero = model::apply_layer<double>(node, zero_operands, network).col(0);
  out.leftCols(variables).colwise() -= at_zero;
  return out;
}

}  // namespace certnn::verify
