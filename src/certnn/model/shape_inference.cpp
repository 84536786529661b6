#include "certnn/model/shape_inference.hpp"

#include "certnn/core/error.hpp"
#include "certnn/model/kind_dispatch.hpp"

namespace certnn::model {
namespace {

void require(bool condition, const std::string& what) {
  if (!condition) throw ShapeError(what);
}

Shape window_output(const Window2d& w, std::int64_t channels, const Shape& in) {
  require(in.size() == 4 && in[0] == 1,
          "expects a [1,C,H,W] input, got " + to_string(in));
  require(in[1] == w.channels && in[2] == w.in_h && in[3] == w.in_w,
          "window built for [1," + std::to_string(w.channels) + "," + std::to_string(w.in_h) +
              "," + std::to_string(w.in_w) + "] applied to " + to_string(in));
  return {1, channels, w.out_h, w.out_w};
}

// a + b and a * b of file-driven sizes (pads, kernels, dilations), refused when they leave the
// int64 range instead of wrapping round to a small, wrong shape.
std::int64_t checked_sum(std::int64_t a, std::int64_t b, const std::string& what) {
  std::int64_t sum = 0;
  require(!__builtin_add_overflow(a, b, &sum), what + " overflows the int64 range");
  return sum;
}
std::int64_t checked_product(std::int64_t a, std::int64_t b, const std::string& what) {
  std::int64_t product = 0;
  require(!__builtin_mul_overflow(a, b, &product), what + " overflows the int64 range");
  return product;
}

void require_vector(const Eigen::VectorXd& v, std::int64_t size, const char* what) {
  require(v.size() == size, std::string(what) + " has " + std::to_string(v.size()) +
                                " elements, expected " + std::to_string(size));
}

struct ShapeStep {
  const std::vector<Shape>& in;

  std::int64_t in_size() const { return element_count(in[0]); }

  Shape operator()(const Dense& d) const {
    require(!in[0].empty() && in[0].back() == d.weight.cols() && in_size() == d.weight.cols(),
            "dense layer with " + std::to_string(d.weight.cols()) + " inputs applied to " +
                to_string(in[0]));
    require_vector(d.bias, d.weight.rows(), "dense bias");
    Shape out = in[0];
    out.back() = d.weight.rows();
    return out;
  }
  Shape operator()(const Conv2d& c) const {
    const Window2d& w = c.window;
    require(c.weight.rows() == c.out_channels &&
                c.weight.cols() == w.channels * w.kernel_h * w.kernel_w,
            "convolution weight does not match its channels and kernel");
    require_vector(c.bias, c.out_channels, "convolution bias");
    return window_output(w, c.out_channels, in[0]);
  }
  Shape operator()(const Relu&) const { return in[0]; }
  Shape operator()(const LeakyRelu&) const { return in[0]; }
  Shape operator()(const Sigmoid&) const { return in[0]; }
  Shape operator()(const Tanh&) const { return in[0]; }
  Shape operator()(const Softmax& s) const {
    require(s.group_size > 0 && in_size() % s.group_size == 0,
            "softmax group of " + std::to_string(s.group_size) + " does not divide " +
                to_string(in[0]));
    return in[0];
  }
  Shape operator()(const Reshape& r) const {
    require(element_count(r.shape) == in_size(),
            "cannot reshape " + to_string(in[0]) + " to " + to_string(r.shape));
    return r.shape;
  }
  Shape operator()(const BatchNorm& b) const {
    require(in[0].size() >= 2 && in[0][0] == 1, "batch normalisation expects [1,C,...], got " +
                                                    to_string(in[0]));
    const std::int64_t channels = in[0][1];
    require(b.channel_stride * channels == in_size(), "batch normalisation channel stride");
    for (const auto* v : {&b.scale, &b.bias, &b.mean, &b.variance})
      require_vector(*v, channels, "batch normalisation parameter");
    return in[0];
  }
  Shape operator()(const AddTensors&) const { return same_shapes(); }
  Shape operator()(const SubTensors&) const { return same_shapes(); }
  Shape operator()(const AddConstant& c) const { return with_constant(c.constant); }
  Shape operator()(const SubConstant& c) const { return with_constant(c.constant); }
  Shape operator()(const MulConstant& c) const { return with_constant(c.constant); }
  Shape operator()(const DivConstant& c) const { return with_constant(c.constant); }
  Shape operator()(const AveragePool& p) const { return pool_output(p.window); }
  Shape operator()(const MaxPool& p) const { return pool_output(p.window); }

  // A pooling window made only of padding has no value (max of nothing, 0/0): refuse it.
  Shape pool_output(const Window2d& w) const {
    auto covers_input = [](std::int64_t out, std::int64_t stride, std::int64_t pad, std::int64_t kernel,
                           std::int64_t dilation, std::int64_t in) {
      for (std::int64_t o = 0; o < out; ++o) {
        bool any = false;
        for (std::int64_t k = 0; k < kernel && !any; ++k) {
          const std::int64_t i = o * stride - pad + k * dilation;
          any = i >= 0 && i < in;
        }
        if (!any) return false;
      }
      return true;
    };
    require(covers_input(w.out_h, w.stride_h, w.pad_top, w.kernel_h, w.dilation_h, w.in_h) &&
                covers_input(w.out_w, w.stride_w, w.pad_left, w.kernel_w, w.dilation_w, w.in_w),
            "a pooling window lies entirely in the padding");
    return window_output(w, w.channels, in[0]);
  }
  Shape operator()(const Pad& p) const {
    require(p.begin.size() == in[0].size() && p.end.size() == in[0].size(),
            "pad rank does not match input " + to_string(in[0]));
    Shape out = in[0];
    for (std::size_t d = 0; d < out.size(); ++d) {
      require(p.begin[d] >= 0 && p.end[d] >= 0, "negative pads are not supported");
      out[d] = checked_sum(checked_sum(out[d], p.begin[d], "padding"), p.end[d], "padding");
    }
    element_count(out);
    return out;
  }

  Shape same_shapes() const {
    require(in[0] == in[1], "element-wise operands have shapes " + to_string(in[0]) + " and " +
                                to_string(in[1]));
    return in[0];
  }
  Shape with_constant(const Eigen::VectorXd& c) const {
    require_vector(c, in_size(), "element-wise constant");
    return in[0];
  }
};

}  // namespace

Shape infer_output_shape(const LayerOp& op, const std::vector<Shape>& input_shapes) {
  const int arity = input_count(op);
  require(static_cast<int>(input_shapes.size()) == arity,
          std::string(kind_name(op)) + " takes " + std::to_string(arity) + " input(s)");
  return visit_layer(op, ShapeStep{input_shapes});
}

void complete_window(Window2d& w) {
  require(w.kernel_h > 0 && w.kernel_w > 0 && w.stride_h > 0 && w.stride_w > 0 &&
              w.dilation_h > 0 && w.dilation_w > 0,
          "window kernel, stride and dilation must be positive");
  require(w.pad_top >= 0 && w.pad_left >= 0 && w.pad_bottom >= 0 && w.pad_right >= 0,
          "negative padding is not supported");
  const std::int64_t span_h = checked_sum(checked_product(w.dilation_h, w.kernel_h - 1, "window span"), 1, "window span");
  const std::int64_t span_w = checked_sum(checked_product(w.dilation_w, w.kernel_w - 1, "window span"), 1, "window span");
  const std::int64_t padded_h = checked_sum(checked_sum(w.in_h, w.pad_top, "padding"), w.pad_bottom, "padding");
  const std::int64_t padded_w = checked_sum(checked_sum(w.in_w, w.pad_left, "padding"), w.pad_right, "padding");
  require(padded_h >= span_h && padded_w >= span_w,
          "window of " + std::to_string(span_h) + "x" + std::to_string(span_w) +
              " does not fit the padded input " + std::to_string(padded_h) + "x" +
              std::to_string(padded_w));
  w.out_h = (padded_h - span_h) / w.stride_h + 1;
  w.out_w = (padded_w - span_w) / w.stride_w + 1;
}

}  // namespace certnn::model
