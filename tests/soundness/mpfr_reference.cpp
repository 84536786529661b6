#include "mpfr_reference.hpp"

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <stdexcept>
#include <utility>

#include "certnn/model/kind_dispatch.hpp"

namespace certnn::soundness {

// ---- Mpfr ------------------------------------------------------------------------------------

Mpfr::Mpfr(mpfr_prec_t precision) {
  mpfr_init2(value_, precision);
  mpfr_set_zero(value_, 1);
}

Mpfr::Mpfr(double value, mpfr_prec_t precision) {
  mpfr_init2(value_, precision);
  mpfr_set_d(value_, value, MPFR_RNDN);
}

Mpfr::Mpfr(const Mpfr& other) {
  mpfr_init2(value_, other.precision());
  mpfr_set(value_, other.value_, MPFR_RNDN);
}

// A moved-from object keeps no limbs (null significand pointer), as Boost.Multiprecision does;
// only destruction and assignment may follow.
Mpfr::Mpfr(Mpfr&& other) noexcept {
  value_[0] = other.value_[0];
  other.value_[0]._mpfr_d = nullptr;
}

Mpfr& Mpfr::operator=(const Mpfr& other) {
  if (this == &other) return *this;
  if (value_[0]._mpfr_d == nullptr) {
    mpfr_init2(value_, other.precision());
  } else if (precision() != other.precision()) {
    mpfr_set_prec(value_, other.precision());
  }
  mpfr_set(value_, other.value_, MPFR_RNDN);
  return *this;
}

Mpfr& Mpfr::operator=(Mpfr&& other) noexcept {
  std::swap(value_[0], other.value_[0]);
  return *this;
}

Mpfr::~Mpfr() {
  if (value_[0]._mpfr_d != nullptr) mpfr_clear(value_);
}

std::string Mpfr::to_string(int digits) const {
  char buffer[256];
  mpfr_snprintf(buffer, sizeof buffer, "%.*Rg", digits, value_);
  return buffer;
}

// mpfr_cmp_d returns 0 (equal) for a NaN operand: both NaN cases are refused first.
bool at_most(double bound, const Mpfr& x) {
  return !std::isnan(bound) && !mpfr_nan_p(x.get()) && mpfr_cmp_d(x.get(), bound) >= 0;
}
bool at_least(double bound, const Mpfr& x) {
  return !std::isnan(bound) && !mpfr_nan_p(x.get()) && mpfr_cmp_d(x.get(), bound) <= 0;
}

bool encloses(double lower, double upper, const Enclosure& e) { return at_most(lower, e.lo) && at_least(upper, e.hi); }

std::string hex(double x) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%a", x);
  return buffer;
}

// ---- Interval arithmetic with outward rounding ------------------------------------------------

namespace {

using model::Network;
using model::ValueId;

[[noreturn]] void fail(const std::string& what) { throw std::logic_error("MPFR reference: " + what); }

class Interval {
 public:
  explicit Interval(mpfr_prec_t p) : p_(p) {}
  mpfr_prec_t precision() const { return p_; }

  Enclosure point(double v) const { return Enclosure{Mpfr(v, p_), Mpfr(v, p_)}; }
  Enclosure zero() const { return point(0.0); }

  // x + y
  Enclosure add(const Enclosure& x, const Enclosure& y) const {
    Enclosure r = zero();
    mpfr_add(r.lo.get(), x.lo.get(), y.lo.get(), MPFR_RNDD);
    mpfr_add(r.hi.get(), x.hi.get(), y.hi.get(), MPFR_RNDU);
    return r;
  }
  void add_to(Enclosure& acc, const Enclosure& y) const {
    mpfr_add(acc.lo.get(), acc.lo.get(), y.lo.get(), MPFR_RNDD);
    mpfr_add(acc.hi.get(), acc.hi.get(), y.hi.get(), MPFR_RNDU);
  }
  // x − y
  Enclosure sub(const Enclosure& x, const Enclosure& y) const {
    Enclosure r = zero();
    mpfr_sub(r.lo.get(), x.lo.get(), y.hi.get(), MPFR_RNDD);
    mpfr_sub(r.hi.get(), x.hi.get(), y.lo.get(), MPFR_RNDU);
    return r;
  }
  // x + c, x − c, c − x for a double c
  Enclosure add(const Enclosure& x, double c) const {
    Enclosure r = zero();
    mpfr_add_d(r.lo.get(), x.lo.get(), c, MPFR_RNDD);
    mpfr_add_d(r.hi.get(), x.hi.get(), c, MPFR_RNDU);
    return r;
  }
  Enclosure sub(const Enclosure& x, double c) const {
    Enclosure r = zero();
    mpfr_sub_d(r.lo.get(), x.lo.get(), c, MPFR_RNDD);
    mpfr_sub_d(r.hi.get(), x.hi.get(), c, MPFR_RNDU);
    return r;
  }
  Enclosure sub(double c, const Enclosure& x) const {
    Enclosure r = zero();
    mpfr_d_sub(r.lo.get(), c, x.hi.get(), MPFR_RNDD);
    mpfr_d_sub(r.hi.get(), c, x.lo.get(), MPFR_RNDU);
    return r;
  }
  // acc += x · w for a double w (the term of a weighted sum)
  void add_product_to(Enclosure& acc, const Enclosure& x, double w, Mpfr& scratch) const {
    const bool nonnegative = w >= 0.0;  // −0 included: x · (−0) is 0 for finite x
    mpfr_mul_d(scratch.get(), (nonnegative ? x.lo : x.hi).get(), w, MPFR_RNDD);
    mpfr_add(acc.lo.get(), acc.lo.get(), scratch.get(), MPFR_RNDD);
    mpfr_mul_d(scratch.get(), (nonnegative ? x.hi : x.lo).get(), w, MPFR_RNDU);
    mpfr_add(acc.hi.get(), acc.hi.get(), scratch.get(), MPFR_RNDU);
  }
  Enclosure mul(const Enclosure& x, double w) const {
    Enclosure r = zero();
    Mpfr scratch(p_);
    add_product_to(r, x, w, scratch);
    return r;
  }
  // x / c for a double c != 0
  Enclosure div(const Enclosure& x, double c) const {
    if (c == 0.0 || std::isnan(c)) fail("division by " + hex(c));
    Enclosure r = zero();
    const bool positive = c > 0.0;
    mpfr_div_d(r.lo.get(), (positive ? x.lo : x.hi).get(), c, MPFR_RNDD);
    mpfr_div_d(r.hi.get(), (positive ? x.hi : x.lo).get(), c, MPFR_RNDU);
    return r;
  }
  // x / y for y > 0
  Enclosure div_positive(const Enclosure& x, const Enclosure& y) const {
    if (!(mpfr_sgn(y.lo.get()) > 0)) fail("division by an interval reaching zero");
    Enclosure r = zero();
    // x ≥ 0 at the lower end: smallest quotient divides by the largest divisor, and so on.
    mpfr_div(r.lo.get(), x.lo.get(), (mpfr_sgn(x.lo.get()) >= 0 ? y.hi : y.lo).get(), MPFR_RNDD);
    mpfr_div(r.hi.get(), x.hi.get(), (mpfr_sgn(x.hi.get()) >= 0 ? y.lo : y.hi).get(), MPFR_RNDU);
    return r;
  }
  Enclosure max(const Enclosure& x, const Enclosure& y) const {
    Enclosure r = zero();
    mpfr_max(r.lo.get(), x.lo.get(), y.lo.get(), MPFR_RNDD);
    mpfr_max(r.hi.get(), x.hi.get(), y.hi.get(), MPFR_RNDU);
    return r;
  }
  // √x for x ≥ 0
  Enclosure sqrt(const Enclosure& x) const {
    if (mpfr_sgn(x.lo.get()) < 0) fail("square root of a negative number");
    Enclosure r = zero();
    mpfr_sqrt(r.lo.get(), x.lo.get(), MPFR_RNDD);
    mpfr_sqrt(r.hi.get(), x.hi.get(), MPFR_RNDU);
    return r;
  }
  // exp and tanh are increasing
  Enclosure exp(const Enclosure& x) const {
    Enclosure r = zero();
    mpfr_exp(r.lo.get(), x.lo.get(), MPFR_RNDD);
    mpfr_exp(r.hi.get(), x.hi.get(), MPFR_RNDU);
    return r;
  }
  Enclosure tanh(const Enclosure& x) const {
    Enclosure r = zero();
    mpfr_tanh(r.lo.get(), x.lo.get(), MPFR_RNDD);
    mpfr_tanh(r.hi.get(), x.hi.get(), MPFR_RNDU);
    return r;
  }
  // 1 / (1 + exp(−x)), increasing; each end rounded in the direction that moves it outward.
  Enclosure sigmoid(const Enclosure& x) const {
    Enclosure r = zero();
    Mpfr t(p_);
    mpfr_neg(t.get(), x.lo.get(), MPFR_RNDN);  // exact
    mpfr_exp(t.get(), t.get(), MPFR_RNDU);
    mpfr_add_ui(t.get(), t.get(), 1, MPFR_RNDU);
    mpfr_ui_div(r.lo.get(), 1, t.get(), MPFR_RNDD);
    mpfr_neg(t.get(), x.hi.get(), MPFR_RNDN);
    mpfr_exp(t.get(), t.get(), MPFR_RNDD);
    mpfr_add_ui(t.get(), t.get(), 1, MPFR_RNDD);
    mpfr_ui_div(r.hi.get(), 1, t.get(), MPFR_RNDU);
    return r;
  }

 private:
  mpfr_prec_t p_;
};

// Output size of a sliding window along one axis, from the ONNX definition:
// floor((in + pads − ((kernel − 1)·dilation + 1)) / stride) + 1.
std::int64_t window_extent(std::int64_t in, std::int64_t pad_begin, std::int64_t pad_end, std::int64_t kernel,
                           std::int64_t stride, std::int64_t dilation) {
  const std::int64_t span = (kernel - 1) * dilation + 1;
  const std::int64_t padded = in + pad_begin + pad_end;
  if (kernel < 1 || stride < 1 || dilation < 1 || padded < span) fail("window does not fit its input");
  return (padded - span) / stride + 1;
}

void check_window(const model::Window2d& w) {
  const std::int64_t out_h = window_extent(w.in_h, w.pad_top, w.pad_bottom, w.kernel_h, w.stride_h, w.dilation_h);
  const std::int64_t out_w = window_extent(w.in_w, w.pad_left, w.pad_right, w.kernel_w, w.stride_w, w.dilation_w);
  if (out_h != w.out_h || out_w != w.out_w)
    fail("window output " + std::to_string(w.out_h) + "x" + std::to_string(w.out_w) + " stored, " +
         std::to_string(out_h) + "x" + std::to_string(out_w) + " by definition");
}

// The input row/column a window tap reads, or −1 in the padding.
std::int64_t tap_position(std::int64_t out, std::int64_t stride, std::int64_t pad, std::int64_t k,
                          std::int64_t dilation, std::int64_t in) {
  const std::int64_t position = out * stride - pad + k * dilation;
  return position >= 0 && position < in ? position : -1;
}

struct ReferenceStep {
  const Interval& iv;
  const std::vector<const Values*>& in;
  const std::vector<Shape>& in_shapes;

  const Values& x() const { return *in[0]; }

  template <class Map>
  Values map(Map&& f) const {
    Values out;
    out.reserve(x().size());
    for (std::size_t i = 0; i < x().size(); ++i) out.push_back(f(i, x()[i]));
    return out;
  }

  // y_i = Σ_j W_ij x_j + b_i
  Values operator()(const model::Dense& d) const {
    if (static_cast<std::size_t>(d.weight.cols()) != x().size()) fail("dense input size");
    Values y;
    Mpfr scratch(iv.precision());
    for (Eigen::Index i = 0; i < d.weight.rows(); ++i) {
      Enclosure acc = iv.point(d.bias[i]);
      for (Eigen::Index j = 0; j < d.weight.cols(); ++j) iv.add_product_to(acc, x()[j], d.weight(i, j), scratch);
      y.push_back(std::move(acc));
    }
    return y;
  }

  // y[m, oh, ow] = b_m + Σ_{c,kh,kw} W[m, (c,kh,kw)] · x[c, oh·s − pad + kh·d, ow·s − pad + kw·d],
  // taps in the zero padding contributing nothing.
  Values operator()(const model::Conv2d& conv) const {
    const model::Window2d& w = conv.window;
    check_window(w);
    if (static_cast<std::int64_t>(x().size()) != w.channels * w.in_h * w.in_w) fail("conv input size");
    Values y;
    Mpfr scratch(iv.precision());
    for (std::int64_t m = 0; m < conv.out_channels; ++m)
      for (std::int64_t oh = 0; oh < w.out_h; ++oh)
        for (std::int64_t ow = 0; ow < w.out_w; ++ow) {
          Enclosure acc = iv.point(conv.bias[m]);
          for (std::int64_t c = 0; c < w.channels; ++c)
            for (std::int64_t kh = 0; kh < w.kernel_h; ++kh) {
              const std::int64_t ih = tap_position(oh, w.stride_h, w.pad_top, kh, w.dilation_h, w.in_h);
              if (ih < 0) continue;
              for (std::int64_t kw = 0; kw < w.kernel_w; ++kw) {
                const std::int64_t iw = tap_position(ow, w.stride_w, w.pad_left, kw, w.dilation_w, w.in_w);
                if (iw < 0) continue;
                const double weight = conv.weight(m, (c * w.kernel_h + kh) * w.kernel_w + kw);
                iv.add_product_to(acc, x()[(c * w.in_h + ih) * w.in_w + iw], weight, scratch);
              }
            }
          y.push_back(std::move(acc));
        }
    return y;
  }

  Values operator()(const model::Relu&) const {
    return map([&](std::size_t, const Enclosure& v) { return iv.max(v, iv.zero()); });
  }
  // x if x ≥ 0 else α·x: the image of [lo, hi] is spanned by the ends and, across 0, by 0.
  Values operator()(const model::LeakyRelu& l) const {
    return map([&](std::size_t, const Enclosure& v) {
      auto image = [&](const Mpfr& end) {
        Enclosure point{end, end};
        return mpfr_sgn(end.get()) >= 0 ? point : iv.mul(point, l.alpha);
      };
      Enclosure a = image(v.lo), b = image(v.hi);
      Enclosure r = a;
      if (mpfr_less_p(b.lo.get(), r.lo.get())) mpfr_set(r.lo.get(), b.lo.get(), MPFR_RNDD);
      if (mpfr_greater_p(b.hi.get(), r.hi.get())) mpfr_set(r.hi.get(), b.hi.get(), MPFR_RNDU);
      if (mpfr_sgn(v.lo.get()) < 0 && mpfr_sgn(v.hi.get()) > 0) {
        if (mpfr_sgn(r.lo.get()) > 0) mpfr_set_zero(r.lo.get(), 1);
        if (mpfr_sgn(r.hi.get()) < 0) mpfr_set_zero(r.hi.get(), 1);
      }
      return r;
    });
  }
  Values operator()(const model::Sigmoid&) const {
    return map([&](std::size_t, const Enclosure& v) { return iv.sigmoid(v); });
  }
  Values operator()(const model::Tanh&) const {
    return map([&](std::size_t, const Enclosure& v) { return iv.tanh(v); });
  }
  // y_i = exp(x_i) / Σ_j exp(x_j) over each block of group_size, evaluated as
  // exp(x_i − s) / Σ_j exp(x_j − s) with s the largest lower end of the block (the same real
  // number for any s; this one keeps the exponentials inside MPFR's range).
  Values operator()(const model::Softmax& s) const {
    const std::size_t g = static_cast<std::size_t>(s.group_size);
    if (g == 0 || x().size() % g != 0) fail("softmax group");
    Values y;
    for (std::size_t start = 0; start < x().size(); start += g) {
      Mpfr shift = x()[start].lo;
      for (std::size_t j = start; j < start + g; ++j)
        if (mpfr_greater_p(x()[j].lo.get(), shift.get())) mpfr_set(shift.get(), x()[j].lo.get(), MPFR_RNDN);
      Enclosure shift_point{shift, shift};
      Values numerators;
      Enclosure denominator = iv.zero();
      for (std::size_t j = start; j < start + g; ++j) {
        numerators.push_back(iv.exp(iv.sub(x()[j], shift_point)));
        iv.add_to(denominator, numerators.back());
      }
      for (const Enclosure& numerator : numerators) y.push_back(iv.div_positive(numerator, denominator));
    }
    return y;
  }
  Values operator()(const model::Reshape&) const { return x(); }
  // y = (x − mean_c) / √(variance_c + ε) · scale_c + bias_c, channel c = axis 1 of [1, C, ...].
  Values operator()(const model::BatchNorm& b) const {
    const Shape& shape = in_shapes[0];
    if (shape.size() < 2) fail("batch normalisation rank");
    const std::int64_t channels = shape[1];
    const std::int64_t per_channel = static_cast<std::int64_t>(x().size()) / channels;
    if (per_channel != b.channel_stride)
      fail("batch normalisation channel stride " + std::to_string(b.channel_stride) + " stored, " +
           std::to_string(per_channel) + " by the shape");
    return map([&](std::size_t i, const Enclosure& v) {
      const std::int64_t c = static_cast<std::int64_t>(i) / per_channel;
      const Enclosure deviation = iv.sqrt(iv.add(iv.point(b.variance[c]), b.epsilon));
      const Enclosure normalised = iv.div_positive(iv.sub(v, b.mean[c]), deviation);
      return iv.add(iv.mul(normalised, b.scale[c]), b.bias[c]);
    });
  }
  Values operator()(const model::AddTensors&) const {
    return map([&](std::size_t i, const Enclosure& v) { return iv.add(v, (*in[1])[i]); });
  }
  Values operator()(const model::SubTensors&) const {
    return map([&](std::size_t i, const Enclosure& v) { return iv.sub(v, (*in[1])[i]); });
  }
  Values operator()(const model::AddConstant& a) const {
    return map([&](std::size_t i, const Enclosure& v) { return iv.add(v, a.constant[i]); });
  }
  Values operator()(const model::SubConstant& s) const {
    return map([&](std::size_t i, const Enclosure& v) {
      return s.constant_first ? iv.sub(s.constant[i], v) : iv.sub(v, s.constant[i]);
    });
  }
  Values operator()(const model::MulConstant& m) const {
    return map([&](std::size_t i, const Enclosure& v) { return iv.mul(v, m.constant[i]); });
  }
  Values operator()(const model::DivConstant& d) const {
    return map([&](std::size_t i, const Enclosure& v) { return iv.div(v, d.constant[i]); });
  }

  // Visits the in-bounds input indices of pooling window (c, oh, ow).
  template <class Visit>
  static void pooling_window(const model::Window2d& w, std::int64_t c, std::int64_t oh, std::int64_t ow, Visit&& visit) {
    for (std::int64_t kh = 0; kh < w.kernel_h; ++kh) {
      const std::int64_t ih = tap_position(oh, w.stride_h, w.pad_top, kh, w.dilation_h, w.in_h);
      if (ih < 0) continue;
      for (std::int64_t kw = 0; kw < w.kernel_w; ++kw) {
        const std::int64_t iw = tap_position(ow, w.stride_w, w.pad_left, kw, w.dilation_w, w.in_w);
        if (iw >= 0) visit((c * w.in_h + ih) * w.in_w + iw);
      }
    }
  }
  // Mean over the window: sum of its in-bounds elements divided by the full window size
  // (count_include_pad) or by the number of in-bounds elements.
  Values operator()(const model::AveragePool& p) const {
    const model::Window2d& w = p.window;
    check_window(w);
    Values y;
    for (std::int64_t c = 0; c < w.channels; ++c)
      for (std::int64_t oh = 0; oh < w.out_h; ++oh)
        for (std::int64_t ow = 0; ow < w.out_w; ++ow) {
          Enclosure sum = iv.zero();
          std::int64_t count = 0;
          pooling_window(w, c, oh, ow, [&](std::int64_t index) {
            iv.add_to(sum, x()[index]);
            ++count;
          });
          if (count == 0) fail("average pooling window entirely in the padding");
          const std::int64_t divisor = p.count_include_pad ? w.kernel_h * w.kernel_w : count;
          y.push_back(iv.div(sum, static_cast<double>(divisor)));
        }
    return y;
  }
  Values operator()(const model::MaxPool& p) const {
    const model::Window2d& w = p.window;
    check_window(w);
    Values y;
    for (std::int64_t c = 0; c < w.channels; ++c)
      for (std::int64_t oh = 0; oh < w.out_h; ++oh)
        for (std::int64_t ow = 0; ow < w.out_w; ++ow) {
          std::optional<Enclosure> best;
          pooling_window(w, c, oh, ow, [&](std::int64_t index) {
            best = best ? iv.max(*best, x()[index]) : x()[index];
          });
          if (!best) fail("max pooling window entirely in the padding");
          y.push_back(std::move(*best));
        }
    return y;
  }
  // Output element at multi-index o is input[o − begin] where that lies inside the input,
  // else the pad value.
  Values operator()(const model::Pad& p) const {
    const Shape& shape = in_shapes[0];
    const std::size_t rank = shape.size();
    if (p.begin.size() != rank || p.end.size() != rank) fail("pad rank");
    Shape out_shape(rank);
    std::int64_t out_size = 1;
    for (std::size_t d = 0; d < rank; ++d) {
      out_shape[d] = p.begin[d] + shape[d] + p.end[d];
      out_size *= out_shape[d];
    }
    Values y;
    for (std::int64_t flat = 0; flat < out_size; ++flat) {
      std::int64_t rest = flat, in_flat = 0, stride = 1;
      bool inside = true;
      for (std::size_t d = rank; d-- > 0;) {
        const std::int64_t coordinate = rest % out_shape[d] - p.begin[d];
        rest /= out_shape[d];
        if (coordinate < 0 || coordinate >= shape[d]) inside = false;
        in_flat += coordinate * stride;
        stride *= shape[d];
      }
      y.push_back(inside ? x()[in_flat] : iv.point(p.value));
    }
    return y;
  }
};

bool is_point(const Enclosure& e) { return mpfr_equal_p(e.lo.get(), e.hi.get()) != 0; }

}  // namespace

// ---- ReferenceEvaluator ---------------------------------------------------------------------

ReferenceEvaluator::ReferenceEvaluator(mpfr_prec_t precision) : precision_(precision) {
  if (precision < 53) fail("precision below 53 bits cannot hold a double");
}

Evaluation ReferenceEvaluator::evaluate_all(const Network& network, const Eigen::VectorXd& input) const {
  if (input.size() != network.input_size()) fail("input size");
  const Interval iv(precision_);
  Evaluation evaluation;
  evaluation.values.resize(network.value_count());
  for (Eigen::Index i = 0; i < input.size(); ++i) {
    if (!std::isfinite(input[i])) fail("input " + std::to_string(i) + " is not finite");
    evaluation.values[0].push_back(iv.point(input[i]));
  }
  const auto& nodes = network.nodes();
  std::vector<const Values*> operands;
  std::vector<Shape> shapes;
  for (std::size_t k = 0; k < nodes.size(); ++k) {
    operands.clear();
    shapes.clear();
    for (ValueId v : nodes[k].inputs) {
      operands.push_back(&evaluation.values[v]);
      shapes.push_back(network.shape(v));
    }
    Values out = model::visit_layer(nodes[k].op, ReferenceStep{iv, operands, shapes});
    if (static_cast<std::int64_t>(out.size()) != network.size(static_cast<ValueId>(k + 1)))
      fail("node '" + nodes[k].name + "' gives " + std::to_string(out.size()) + " values");
    for (const Enclosure& e : out)
      if (mpfr_nan_p(e.lo.get()) || mpfr_nan_p(e.hi.get()) || mpfr_inf_p(e.lo.get()) || mpfr_inf_p(e.hi.get()))
        fail("node '" + nodes[k].name + "' has an undefined or infinite value");
    evaluation.values[k + 1] = std::move(out);
  }
  for (const Values& values : evaluation.values)
    for (const Enclosure& e : values) evaluation.exact = evaluation.exact && is_point(e);
  return evaluation;
}

Values ReferenceEvaluator::evaluate(const Network& network, const Eigen::VectorXd& input) const {
  Evaluation evaluation = evaluate_all(network, input);
  return std::move(evaluation.values[network.output()]);
}

}  // namespace certnn::soundness
