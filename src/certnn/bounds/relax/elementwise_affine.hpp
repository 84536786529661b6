// The element-wise affine layers (constants, inference-form batch normalisation) written as
// y_i = a_i·x_i + b_i with a_i and b_i enclosed by intervals, shared by the affine and doubleton
// methods: the exact slope and offset of each element lie in the returned intervals.
#pragma once

#include <Eigen/Core>
#include <vector>

#include "certnn/core/interval.hpp"
#include "certnn/model/layers.hpp"

namespace certnn::bounds::relax {

struct ElementwiseAffine {
  std::vector<Interval> slope, offset;
  explicit ElementwiseAffine(Eigen::Index size) : slope(size), offset(size) {}
};

ElementwiseAffine elementwise_affine(const model::AddConstant& a);
ElementwiseAffine elementwise_affine(const model::SubConstant& s);
ElementwiseAffine elementwise_affine(const model::MulConstant& m);
ElementwiseAffine elementwise_affine(const model::DivConstant& d);
// size: the elements of the normalised tensor.
ElementwiseAffine elementwise_affine(const model::BatchNorm& b, Eigen::Index size);

}  // namespace certnn::bounds::relax
