// The 2-D convolution as a linear map on batches, with its adjoint and its weight gradient: the
// one home of the kernel that the forward pass, the gradients, the stability operators, the bound
// methods (with |W|) and training all call. Layout as model::forward: one column per sample, a
// sample's [C,H,W] elements flattened row-major.
//
// Each call unfolds the windows of a chunk of samples side by side (im2col) and multiplies once,
// so a batch costs one matrix product per chunk rather than one per sample. Products are formed
// by Eigen in the working precision; the bound methods charge their rounding by the number of
// terms per output (γ_n), which holds for any summation order, fused or not.
#pragma once

#include <Eigen/Core>

#include "certnn/model/layers.hpp"

namespace certnn::model {

template <class T>
using Matrix = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>;

// y = weight ⊛ x without bias: weight is out_channels × (C·kernel_h·kernel_w), columns ordered
// (c, kh, kw); x is (C·in_h·in_w) × batch; y is (out_channels·out_h·out_w) × batch.
template <class T>
Matrix<T> convolve(const Matrix<T>& weight, const Window2d& window, const Matrix<T>& x);

// The adjoint (transpose) of convolve: y (out_channels·out_h·out_w) × batch → (C·in_h·in_w) × batch.
template <class T>
Matrix<T> convolve_adjoint(const Matrix<T>& weight, const Window2d& window, const Matrix<T>& y);

// d⟨g, convolve(W, x)⟩/dW = Σ_samples G_s · unfold(x_s)ᵀ, out_channels × (C·kernel_h·kernel_w),
// where g is (out_channels·out_h·out_w) × batch.
Eigen::MatrixXd convolution_weight_gradient(const Window2d& window, const Eigen::MatrixXd& x,
                                            const Eigen::MatrixXd& g);

// y += bias per output channel (rows channel-major, `channels` blocks of equal size).
template <class T>
void add_channel_bias(Matrix<T>& y, const Eigen::VectorXd& bias);

// Σ over samples and positions of each channel's block of g (the bias gradient).
Eigen::VectorXd channel_sums(const Eigen::MatrixXd& g, Eigen::Index channels);

}  // namespace certnn::model
