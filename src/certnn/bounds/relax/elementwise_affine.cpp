#include "certnn/bounds/relax/elementwise_affine.hpp"

namespace certnn::bounds::relax {
namespace {

namespace r = certnn::rounding;
using Eigen::Index;

template <class SlopeOffset>
ElementwiseAffine build(Index size, SlopeOffset&& slope_offset) {
  ElementwiseAffine e(size);
  for (Index i = 0; i < size; ++i) std::tie(e.slope[i], e.offset[i]) = slope_offset(i);
  return e;
}

}  // namespace

ElementwiseAffine elementwise_affine(const model::AddConstant& a) {
  return build(a.constant.size(), [&](Index i) { return std::pair{Interval::point(1.0), Interval::point(a.constant[i])}; });
}

ElementwiseAffine elementwise_affine(const model::SubConstant& s) {
  // x − c = 1·x + (−c) and c − x = (−1)·x + c, negation being exact.
  return build(s.constant.size(), [&](Index i) {
    const double c = s.constant[i];
    return s.constant_first ? std::pair{Interval::point(-1.0), Interval::point(c)}
                            : std::pair{Interval::point(1.0), Interval::point(-c)};
  });
}

ElementwiseAffine elementwise_affine(const model::MulConstant& m) {
  return build(m.constant.size(), [&](Index i) { return std::pair{Interval::point(m.constant[i]), Interval::point(0.0)}; });
}

ElementwiseAffine elementwise_affine(const model::DivConstant& d) {
  // x / c = (1/c)·x with 1/c enclosed by directed division.
  return build(d.constant.size(), [&](Index i) {
    const double c = d.constant[i];
    return std::pair{Interval{r::div_down(1.0, c), r::div_up(1.0, c)}, Interval::point(0.0)};
  });
}

ElementwiseAffine elementwise_affine(const model::BatchNorm& b, Index size) {
  // y = f·x + (bias − f·mean) with f = scale / √(variance + ε) enclosed by directed operations;
  // slope and offset are enclosed separately (the same f in both is a special case).
  const Index channels = b.scale.size();
  std::vector<Interval> factor(channels), shift(channels);
  for (Index c = 0; c < channels; ++c) {
    const Interval deviation{r::sqrt_down(r::add_down(b.variance[c], b.epsilon)),
                             r::sqrt_up(r::add_up(b.variance[c], b.epsilon))};
    factor[c] = Interval::point(b.scale[c]) * Interval{r::div_down(1.0, deviation.hi), r::div_up(1.0, deviation.lo)};
    shift[c] = Interval::point(b.bias[c]) - factor[c] * Interval::point(b.mean[c]);
  }
  return build(size, [&](Index i) { return std::pair{factor[i / b.channel_stride], shift[i / b.channel_stride]}; });
}

}  // namespace certnn::bounds::relax
