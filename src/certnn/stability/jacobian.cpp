#include "certnn/stability/jacobian.hpp"

#include <Eigen/Eigenvalues>
#include <cmath>

#include "certnn/grad/backward.hpp"
#include "certnn/grad/tape.hpp"

namespace certnn::stability {

using Eigen::Index;
using Eigen::MatrixXd;

std::vector<MatrixXd> jacobians(const model::Network& network, const MatrixXd& points) {
  const grad::Tape tape = grad::record(network, points);
  const Index outputs = network.output_size(), batch = points.cols();
  std::vector<MatrixXd> out(static_cast<std::size_t>(batch), MatrixXd(outputs, network.input_size()));
  for (Index k = 0; k < outputs; ++k) {
    MatrixXd cotangent = MatrixXd::Zero(outputs, batch);
    cotangent.row(k).setOnes();
    const MatrixXd rows = grad::input_gradient(network, tape, cotangent);  // row k of each J, as columns
    for (Index s = 0; s < batch; ++s) out[s].row(k) = rows.col(s).transpose();
  }
  return out;
}

// σ_max from the eigen-decomposition of the smaller Gram matrix, J Jᵀ or JᵀJ.
JacobianNorms jacobian_norms(const model::Network& network, const MatrixXd& points) {
  const std::vector<MatrixXd> js = jacobians(network, points);
  JacobianNorms out{Eigen::VectorXd::Zero(points.cols()), MatrixXd::Zero(points.rows(), points.cols())};
  for (Index s = 0; s < points.cols(); ++s) {
    const MatrixXd& j = js[s];
    const bool wide = j.rows() <= j.cols();
    const Eigen::SelfAdjointEigenSolver<MatrixXd> eigen(wide ? MatrixXd(j * j.transpose()) : MatrixXd(j.transpose() * j));
    const Index top = eigen.eigenvalues().size() - 1;
    if (top < 0) continue;
    Eigen::VectorXd v = wide ? Eigen::VectorXd(j.transpose() * eigen.eigenvectors().col(top))
                             : Eigen::VectorXd(eigen.eigenvectors().col(top));
    const double length = v.norm();
    if (length > 0.0) v /= length;
    out.directions.col(s) = v;
    out.norms[s] = (j * v).norm();
  }
  return out;
}

}  // namespace certnn::stability
