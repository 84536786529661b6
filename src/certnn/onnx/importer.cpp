#include "certnn/onnx/importer.hpp"

#include <onnx/onnx_pb.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <sstream>

#include "certnn/core/error.hpp"
#include "certnn/onnx/constant_folding.hpp"
#include "certnn/onnx/node_attributes.hpp"
#include "certnn/onnx/shape_ops.hpp"
#include "certnn/model/shape_inference.hpp"

namespace certnn::onnx {
namespace {

using model::ValueId;

// Operators imported as layers on network values (constant inputs are folded instead).
const std::set<std::string>& layer_ops() {
  static const std::set<std::string> ops = {
      "Gemm",      "MatMul",  "Conv",    "Relu",      "LeakyRelu",          "Sigmoid",
      "Tanh",      "Softmax", "Flatten", "Reshape",   "Squeeze",            "Unsqueeze",
      "Transpose", "Add",     "Sub",     "Mul",       "Div",                "Neg",
      "AveragePool", "MaxPool", "GlobalAveragePool", "GlobalMaxPool", "Pad", "BatchNormalization",
      "Identity",  "Dropout", "Cast",    "Shape",     "ReduceMean"};
  return ops;
}

std::string node_name(const ::onnx::NodeProto& node, std::size_t index) {
  return node.name().empty() ? node.op_type() + "_" + std::to_string(index) : node.name();
}

std::string describe(const ::onnx::NodeProto& node, std::size_t index) {
  return "node '" + node_name(node, index) + "' (" + node.op_type() + ")";
}

// "2 NaN and 1 infinite of 5000 values" when the tensor holds any, else empty.
std::string non_finite_summary(std::span<const double> values) {
  std::int64_t nan = 0, infinite = 0;
  for (const double v : values) {
    nan += std::isnan(v) ? 1 : 0;
    infinite += std::isinf(v) ? 1 : 0;
  }
  if (nan == 0 && infinite == 0) return "";
  return std::to_string(nan) + " NaN and " + std::to_string(infinite) + " infinite of " +
         std::to_string(values.size()) + " values";
}

struct Value {
  std::optional<Constant> constant;
  ValueId id = -1;
};

class GraphImporter {
 public:
  GraphImporter(const ::onnx::GraphProto& graph, int opset, const ImportOptions& options)
      : graph_(graph), opset_(opset), options_(options) {}

  model::Network run() {
    check_operators();
    std::vector<std::string> non_finite;
    for (const auto& init : graph_.initializer()) {
      const std::string where = "initializer '" + init.name() + "'";
      Value& value = values_[init.name()];
      value.constant = decode_tensor(init, where);
      const std::string summary = non_finite_summary(value.constant->reals);
      if (!summary.empty()) non_finite.push_back(where + " holds " + summary);
    }
    define_input();
    count_uses();
    for (int k = 0; k < graph_.node_size(); ++k) import_node_in_context(graph_.node(k), static_cast<std::size_t>(k));
    define_output();
    // Constant nodes and folded sub-graphs reach the layers without being initializers.
    if (non_finite.empty()) non_finite = non_finite_layers();
    report_non_finite(std::move(non_finite));
    return std::move(*network_);
  }

 private:
  std::vector<std::string> non_finite_layers() const {
    std::vector<std::string> found;
    for (const model::Node& node : network_->nodes())
      for (const auto& tensor : model::parameter_tensors(node.op)) {
        const std::string summary = non_finite_summary(tensor);
        if (!summary.empty())
          found.push_back("layer '" + node.name + "' (" + std::string(model::kind_name(node.op)) + ") holds " + summary);
      }
    return found;
  }

  // Non-finite parameters make every bound meaningless (NaN compares false with everything), so
  // they are refused, all named in one error, unless the caller asked for the list instead.
  void report_non_finite(std::vector<std::string> found) const {
    if (options_.non_finite_tensors != nullptr) {
      *options_.non_finite_tensors = std::move(found);
      return;
    }
    if (found.empty()) return;
    std::string message = "non-finite parameters: " + found[0];
    for (std::size_t i = 1; i < found.size(); ++i) message += "; " + found[i];
    throw ParseError(message);
  }

  // Lists every node whose operator certnn does not know, in one error.
  void check_operators() const {
    std::vector<std::string> problems;
    for (int k = 0; k < graph_.node_size(); ++k) {
      const auto& node = graph_.node(k);
      const bool default_domain = node.domain().empty() || node.domain() == "ai.onnx";
      if (!default_domain || (!layer_ops().count(node.op_type()) && !can_fold(node.op_type())))
        problems.push_back(describe(node, k) + " is not supported");
    }
    if (problems.empty()) return;
    std::string message = problems[0];
    for (std::size_t i = 1; i < problems.size(); ++i) message += "; " + problems[i];
    throw Unsupported(message);
  }

  void define_input() {
    const ::onnx::ValueInfoProto* input = nullptr;
    for (const auto& info : graph_.input()) {
      if (values_.count(info.name())) continue;  // old-style graphs list initializers as inputs
      if (input) throw Unsupported("the model has more than one input ('" + input->name() + "', '" +
                                   info.name() + "'); certnn handles one");
      input = &info;
    }
    if (!input) throw ParseError("the graph has no input");
    const std::string where = "input '" + input->name() + "'";
    if (!input->type().has_tensor_type()) throw Unsupported(where + " is not a tensor");
    const auto& tensor = input->type().tensor_type();
    if (tensor.elem_type() != ::onnx::TensorProto::FLOAT && tensor.elem_type() != ::onnx::TensorProto::DOUBLE)
      throw Unsupported(where + " has element type " + std::to_string(tensor.elem_type()) +
                        "; certnn needs float or double");
    if (!tensor.has_shape()) throw Unsupported(where + " has no shape");
    Shape shape;
    for (int d = 0; d < tensor.shape().dim_size(); ++d) {
      const auto& dim = tensor.shape().dim(d);
      const bool known = dim.has_dim_value() && dim.dim_value() > 0;
      if (d == 0 && !known) {
        shape.push_back(1);  // the batch dimension: certnn evaluates one sample per column
      } else if (!known) {
        throw Unsupported(where + ": dimension " + std::to_string(d) + " is not fixed");
      } else {
        shape.push_back(dim.dim_value());
      }
    }
    network_.emplace(shape, input->name());
    values_[input->name()].id = model::kInputValue;
  }

  void count_uses() {
    for (const auto& node : graph_.node())
      for (const auto& name : node.input()) ++uses_[name];
    for (const auto& out : graph_.output()) ++uses_[out.name()];
  }

  void define_output() {
    if (graph_.output_size() != 1)
      throw Unsupported("the model has " + std::to_string(graph_.output_size()) +
                        " outputs; certnn handles one");
    const std::string& name = graph_.output(0).name();
    const auto it = values_.find(name);
    if (it == values_.end()) throw ParseError("graph output '" + name + "' is never computed");
    if (it->second.constant) throw Unsupported("graph output '" + name + "' does not depend on the input");
    network_->set_output(it->second.id);
  }

  // Errors from shared shape helpers do not know the node: name it.
  void import_node_in_context(const ::onnx::NodeProto& node, std::size_t index) {
    try {
      import_node(node, index);
    } catch (const ShapeError& e) {
      if (std::string_view(e.what()).starts_with("node '")) throw;
      throw ShapeError(where_ + ": " + e.what());
    } catch (const ParseError& e) {
      if (std::string_view(e.what()).starts_with("node '")) throw;
      throw ParseError(where_ + ": " + e.what());
    }
  }

  void import_node(const ::onnx::NodeProto& node, std::size_t index) {
    where_ = describe(node, index);
    node_name_ = node_name(node, index);
    node_ = &node;
    inputs_.clear();
    bool all_constant = true;
    for (const auto& name : node.input()) {
      if (name.empty()) {
        inputs_.push_back(nullptr);
        continue;
      }
      const auto it = values_.find(name);
      if (it == values_.end())
        throw ParseError(where_ + " reads '" + name + "', which is not defined before it");
      inputs_.push_back(&it->second);
      all_constant = all_constant && it->second.constant.has_value();
    }
    if (node.output_size() == 0) throw ParseError(where_ + " has no output");
    if (all_constant) {
      std::vector<const Constant*> constants;
      for (const Value* v : inputs_) constants.push_back(v ? &*v->constant : nullptr);
      std::vector<Constant> outputs = fold_constant_node(node, constants, opset_, where_);
      for (std::size_t i = 0; i < outputs.size() && i < static_cast<std::size_t>(node.output_size()); ++i)
        if (!node.output(i).empty()) values_[node.output(i)] = Value{std::move(outputs[i]), -1};
      return;
    }
    for (int i = 1; i < node.output_size(); ++i)
      if (!node.output(i).empty() && uses_[node.output(i)] > 0)
        throw Unsupported(where_ + ": its output " + std::to_string(i) + " is used; certnn supports only the first");
    Value result = import_layer(node.op_type());
    values_[node.output(0)] = std::move(result);
  }

  // ---- helpers over the current node ----
  const Value& input(std::size_t i) const {
    if (i >= inputs_.size() || inputs_[i] == nullptr)
      throw ParseError(where_ + ": missing input " + std::to_string(i));
    return *inputs_[i];
  }
  bool has_input(std::size_t i) const { return i < inputs_.size() && inputs_[i] != nullptr; }
  ValueId variable(std::size_t i) const {
    const Value& v = input(i);
    if (v.constant) throw Unsupported(where_ + ": input " + std::to_string(i) + " must depend on the network input");
    return v.id;
  }
  const Constant& constant(std::size_t i) const {
    const Value& v = input(i);
    if (!v.constant) throw Unsupported(where_ + ": input " + std::to_string(i) + " must be a constant");
    return *v.constant;
  }
  const Shape& shape_of(ValueId id) const { return network_->shape(id); }
  NodeAttributes attributes() const { return NodeAttributes(*node_, where_); }

  Value add_layer(model::LayerOp op, std::vector<ValueId> inputs) {
    try {
      return Value{std::nullopt, network_->add(node_name_, std::move(op), std::move(inputs))};
    } catch (const ShapeError& e) {
      // Network::add names the node by its IR kind; name it by its ONNX operator instead.
      const std::string_view message = e.what();
      const auto detail = message.find("): ");
      throw ShapeError(where_ + ": " + std::string(detail == message.npos ? message : message.substr(detail + 3)));
    }
  }
  Value reshape_to(Shape shape) { return add_layer(model::Reshape{std::move(shape)}, {variable(0)}); }

  // A constant broadcast onto the shape of a network value (the value's shape may not grow).
  Eigen::VectorXd broadcast_onto(const Constant& c, const Shape& shape) const {
    if (broadcast_shapes(shape, c.shape) != shape)
      throw Unsupported(where_ + ": broadcasting " + to_string(shape) + " with a constant of shape " +
                        to_string(c.shape) + " is not supported");
    const std::int64_t n = element_count(shape);
    Eigen::VectorXd v(n);
    for (std::int64_t i = 0; i < n; ++i) v[i] = c.real(broadcast_source_index(c.shape, shape, i));
    return v;
  }

  // The 2-D matrix of a constant, as an Eigen matrix (row-major source).
  Eigen::MatrixXd matrix_of(const Constant& c, const char* what) const {
    if (c.shape.size() != 2) throw Unsupported(where_ + ": " + what + " must be 2-D, got " + to_string(c.shape));
    Eigen::MatrixXd m(c.shape[0], c.shape[1]);
    for (std::int64_t r = 0; r < c.shape[0]; ++r)
      for (std::int64_t k = 0; k < c.shape[1]; ++k) m(r, k) = c.real(r * c.shape[1] + k);
    return m;
  }

  void scale_exactly(Eigen::Ref<Eigen::MatrixXd> m, double factor, const char* what) const {
    if (factor == 1.0) return;
    for (Eigen::Index i = 0; i < m.size(); ++i) {
      const double product = m.data()[i] * factor;
      if (std::fma(m.data()[i], factor, -product) != 0.0 || !std::isfinite(product))
        throw Unsupported(where_ + ": " + what + " scaling would round");
      m.data()[i] = product;
    }
  }

  Value import_layer(const std::string& op) {
    const NodeAttributes attrs = attributes();
    if (op == "Identity") return input(0);
    if (op == "Dropout") return dropout();
    if (op == "Cast") {
      const auto to = attrs.integer("to", 0);
      if (to != ::onnx::TensorProto::FLOAT && to != ::onnx::TensorProto::DOUBLE)
        throw Unsupported(where_ + ": casting a network value to a non-float type is not supported");
      return input(0);
    }
    if (op == "Shape") return shape_constant();
    if (op == "Relu") return add_layer(model::Relu{}, {variable(0)});
    if (op == "Sigmoid") return add_layer(model::Sigmoid{}, {variable(0)});
    if (op == "Tanh") return add_layer(model::Tanh{}, {variable(0)});
    if (op == "LeakyRelu") return add_layer(model::LeakyRelu{attrs.real("alpha", 0.01f)}, {variable(0)});
    if (op == "Neg") return add_layer(model::MulConstant{Eigen::VectorXd::Constant(element_count(shape_of(variable(0))), -1.0)}, {variable(0)});
    if (op == "Softmax") return softmax(attrs);
    if (op == "Flatten") return reshape_to(flatten_shape(shape_of(variable(0)), attrs.integer("axis", 1)));
    if (op == "Reshape")
      return reshape_to(reshape_shape(shape_of(variable(0)), as_ints(constant(1), where_),
                                      attrs.integer("allowzero", 0) != 0));
    if (op == "Squeeze" || op == "Unsqueeze") {
      const auto axes = opset_ >= 13 ? (has_input(1) ? as_ints(constant(1), where_) : std::vector<std::int64_t>{})
                                     : attrs.integers("axes");
      const Shape& in = shape_of(variable(0));
      return reshape_to(op == "Squeeze" ? squeeze_shape(in, axes) : unsqueeze_shape(in, axes));
    }
    if (op == "Transpose") return transpose(attrs);
    if (op == "Gemm") return gemm(attrs);
    if (op == "MatMul") return matmul();
    if (op == "Add" || op == "Sub" || op == "Mul" || op == "Div") return elementwise(op);
    if (op == "Conv") return conv(attrs);
    if (op == "AveragePool" || op == "MaxPool" || op == "GlobalAveragePool" || op == "GlobalMaxPool")
      return pool(op, attrs);
    if (op == "Pad") return pad(attrs);
    if (op == "BatchNormalization") return batch_norm(attrs);
    if (op == "ReduceMean") return reduce_mean(attrs);
    throw Unsupported(where_ + " is not supported");
  }

  // Shape(x) of a network value: its shape is known at load, so fold Shape on a stand-in.
  Value shape_constant() {
    const Shape& in = shape_of(variable(0));
    const Constant stand_in = Constant::int_tensor(in, std::vector<std::int64_t>(element_count(in), 0));
    return Value{fold_constant_node(*node_, {&stand_in}, opset_, where_)[0], -1};
  }

  Value softmax(const NodeAttributes& attrs) {
    const Shape& in = shape_of(variable(0));
    const auto rank = static_cast<std::int64_t>(in.size());
    const std::int64_t axis = normalize_axis(attrs.integer("axis", opset_ >= 13 ? -1 : 1), rank);
    const Shape tail(in.begin() + axis, in.end());
    std::int64_t group = element_count(tail);
    if (opset_ >= 13 && group != in[axis])
      throw Unsupported(where_ + ": softmax over axis " + std::to_string(axis) + " of " + to_string(in) +
                        " with trailing dimensions is not supported");
    return add_layer(model::Softmax{group}, {variable(0)});
  }

  Value transpose(const NodeAttributes& attrs) {
    const Shape& in = shape_of(variable(0));
    const auto perm = transpose_permutation(in, attrs.integers("perm"));
    // Only permutations that move unit dimensions keep the data order: a reshape.
    std::vector<std::int64_t> kept;
    for (auto p : perm)
      if (in[p] != 1) kept.push_back(p);
    if (!std::is_sorted(kept.begin(), kept.end()))
      throw Unsupported(where_ + ": transposing a network value is not supported");
    Shape out;
    for (auto p : perm) out.push_back(in[p]);
    return reshape_to(out);
  }

  Value dense(Eigen::MatrixXd weight, Eigen::VectorXd bias) {
    const ValueId x = variable(0);
    const Shape& in = shape_of(x);
    if (in.empty() || element_count(in) != in.back())
      throw Unsupported(where_ + ": matrix product of a " + to_string(in) +
                        " network value (only one row per sample) is not supported");
    return add_layer(model::Dense{std::move(weight), std::move(bias)}, {x});
  }

  Value gemm(const NodeAttributes& attrs) {
    if (attrs.integer("transA", 0) != 0) throw Unsupported(where_ + ": transA = 1 is not supported");
    const Shape& in = shape_of(variable(0));
    if (in.size() != 2) throw ShapeError(where_ + ": Gemm input must be 2-D, got " + to_string(in));
    Eigen::MatrixXd b = matrix_of(constant(1), "B");
    Eigen::MatrixXd weight = attrs.integer("transB", 0) != 0 ? b : Eigen::MatrixXd(b.transpose());
    scale_exactly(weight, attrs.real("alpha", 1.0), "alpha");
    Eigen::VectorXd bias = Eigen::VectorXd::Zero(weight.rows());
    if (has_input(2)) {
      bias = broadcast_onto(constant(2), {1, weight.rows()});
      scale_exactly(bias, attrs.real("beta", 1.0), "beta");
    }
    return dense(std::move(weight), std::move(bias));
  }

  Value matmul() {
    Eigen::MatrixXd b = matrix_of(constant(1), "the second MatMul operand");
    return dense(b.transpose(), Eigen::VectorXd::Zero(b.cols()));
  }

  Value elementwise(const std::string& op) {
    const Value& a = input(0);
    const Value& b = input(1);
    if (!a.constant && !b.constant) {
      if (op == "Mul" || op == "Div")
        throw Unsupported(where_ + ": " + op + " of two network values is not supported");
      if (shape_of(a.id) != shape_of(b.id))
        throw Unsupported(where_ + ": broadcasting between network values of shapes " + to_string(shape_of(a.id)) +
                          " and " + to_string(shape_of(b.id)) + " is not supported");
      if (op == "Add") return add_layer(model::AddTensors{}, {a.id, b.id});
      return add_layer(model::SubTensors{}, {a.id, b.id});
    }
    const bool constant_first = a.constant.has_value();
    const ValueId x = constant_first ? b.id : a.id;
    const Eigen::VectorXd c = broadcast_onto(constant_first ? *a.constant : *b.constant, shape_of(x));
    if (op == "Add") {
      if (Value merged; merge_bias(x, c, merged)) return merged;
      return add_layer(model::AddConstant{c}, {x});
    }
    if (op == "Sub") return add_layer(model::SubConstant{c, constant_first}, {x});
    if (op == "Mul") return add_layer(model::MulConstant{c}, {x});
    if (constant_first) throw Unsupported(where_ + ": dividing a constant by a network value is not supported");
    if ((c.array() == 0.0).any()) throw Unsupported(where_ + ": division by a zero constant");
    return add_layer(model::DivConstant{c}, {x});
  }

  // MatMul followed by Add(bias) becomes one dense layer when nothing else reads the product:
  // W x + b is the same real function as (W x) + b.
  bool merge_bias(ValueId x, const Eigen::VectorXd& c, Value& merged) {
    if (x == model::kInputValue) return false;
    const auto* d = std::get_if<model::Dense>(&network_->producer(x).op);
    if (!d || !d->bias.isZero(0.0) || uses_of_value(x) != 1) return false;
    network_->replace_layer(x, model::Dense{d->weight, c});
    merged = Value{std::nullopt, x};
    return true;
  }
  int uses_of_value(ValueId id) const {
    int count = 0;
    for (const auto& [name, value] : values_)
      if (!value.constant && value.id == id) count += uses_.count(name) ? uses_.at(name) : 0;
    return count;
  }

  // ceil_mode adds a last, partial window where one starts inside the input or its leading
  // padding. When out-of-bounds taps are ignored (MaxPool, AveragePool without
  // count_include_pad), that equals extra trailing padding.
  void extend_for_ceil_mode(model::Window2d& w, bool partial_windows_ignore_padding) const {
    auto ceil_output = [](std::int64_t in, std::int64_t pad_begin, std::int64_t pad_end, std::int64_t span,
                          std::int64_t stride) {
      const std::int64_t padded = in + pad_begin + pad_end;
      std::int64_t out = (padded - span + stride - 1) / stride + 1;
      if ((out - 1) * stride >= in + pad_begin) --out;
      return out;
    };
    const std::int64_t span_h = w.dilation_h * (w.kernel_h - 1) + 1, span_w = w.dilation_w * (w.kernel_w - 1) + 1;
    const std::int64_t out_h = ceil_output(w.in_h, w.pad_top, w.pad_bottom, span_h, w.stride_h);
    const std::int64_t out_w = ceil_output(w.in_w, w.pad_left, w.pad_right, span_w, w.stride_w);
    if (out_h == w.out_h && out_w == w.out_w) return;
    if (!partial_windows_ignore_padding)
      throw Unsupported(where_ + ": ceil_mode = 1 with a partial last window is only supported when padding is "
                        "excluded from the window");
    w.pad_bottom += (out_h - w.out_h) * w.stride_h;
    w.pad_right += (out_w - w.out_w) * w.stride_w;
    model::complete_window(w);
  }

  model::Window2d window_for(const Shape& in, const NodeAttributes& attrs, std::int64_t kh, std::int64_t kw,
                             bool partial_windows_ignore_padding = false) const {
    if (in.size() != 4 || in[0] != 1)
      throw Unsupported(where_ + ": only 2-D windows over [1,C,H,W] are supported, got " + to_string(in));
    model::Window2d w;
    w.channels = in[1];
    w.in_h = in[2];
    w.in_w = in[3];
    w.kernel_h = kh;
    w.kernel_w = kw;
    const auto strides = attrs.integers("strides", {1, 1});
    const auto dilations = attrs.integers("dilations", {1, 1});
    auto pads = attrs.integers("pads", {0, 0, 0, 0});
    if (strides.size() != 2 || dilations.size() != 2 || pads.size() != 4)
      throw Unsupported(where_ + ": strides, dilations and pads must describe 2 spatial axes");
    w.stride_h = strides[0];
    w.stride_w = strides[1];
    w.dilation_h = dilations[0];
    w.dilation_w = dilations[1];
    const std::string auto_pad = attrs.text("auto_pad", "NOTSET");
    if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
      auto same = [&](std::int64_t size, std::int64_t stride, std::int64_t span, std::int64_t& lo, std::int64_t& hi) {
        if (stride <= 0) throw Unsupported(where_ + ": stride must be positive");
        const std::int64_t out = (size + stride - 1) / stride;
        const std::int64_t total = std::max<std::int64_t>(0, (out - 1) * stride + span - size);
        lo = auto_pad == "SAME_UPPER" ? total / 2 : total - total / 2;
        hi = total - lo;
      };
      same(w.in_h, w.stride_h, w.dilation_h * (kh - 1) + 1, pads[0], pads[2]);
      same(w.in_w, w.stride_w, w.dilation_w * (kw - 1) + 1, pads[1], pads[3]);
    } else if (auto_pad == "VALID") {
      pads = {0, 0, 0, 0};
    } else if (auto_pad != "NOTSET") {
      throw Unsupported(where_ + ": auto_pad " + auto_pad + " is not supported");
    }
    w.pad_top = pads[0];
    w.pad_left = pads[1];
    w.pad_bottom = pads[2];
    w.pad_right = pads[3];
    try {
      model::complete_window(w);
    } catch (const ShapeError& e) {
      throw ShapeError(where_ + ": " + e.what());
    }
    if (attrs.integer("ceil_mode", 0) != 0) extend_for_ceil_mode(w, partial_windows_ignore_padding);
    return w;
  }

  Value conv(const NodeAttributes& attrs) {
    if (attrs.integer("group", 1) != 1) throw Unsupported(where_ + ": grouped convolution is not supported");
    const Constant& weight = constant(1);
    if (weight.shape.size() != 4)
      throw Unsupported(where_ + ": only 2-D convolution is supported (weight " + to_string(weight.shape) + ")");
    const auto kernel = attrs.integers("kernel_shape", {weight.shape[2], weight.shape[3]});
    if (kernel.size() != 2 || kernel[0] != weight.shape[2] || kernel[1] != weight.shape[3])
      throw ShapeError(where_ + ": kernel_shape disagrees with the weight");
    const ValueId x = variable(0);
    model::Conv2d layer;
    layer.window = window_for(shape_of(x), attrs, kernel[0], kernel[1]);
    if (weight.shape[1] != layer.window.channels)
      throw ShapeError(where_ + ": weight expects " + std::to_string(weight.shape[1]) + " channels, input has " +
                       std::to_string(layer.window.channels));
    layer.out_channels = weight.shape[0];
    const std::int64_t fan_in = weight.shape[1] * weight.shape[2] * weight.shape[3];
    layer.weight.resize(layer.out_channels, fan_in);
    for (std::int64_t m = 0; m < layer.out_channels; ++m)
      for (std::int64_t k = 0; k < fan_in; ++k) layer.weight(m, k) = weight.real(m * fan_in + k);
    layer.bias = has_input(2) ? broadcast_onto(constant(2), {layer.out_channels})
                              : Eigen::VectorXd::Zero(layer.out_channels);
    return add_layer(std::move(layer), {x});
  }

  Value pool(const std::string& op, const NodeAttributes& attrs) {
    const ValueId x = variable(0);
    const Shape& in = shape_of(x);
    const bool global = op.rfind("Global", 0) == 0;
    if (in.size() != 4) throw Unsupported(where_ + ": only 2-D pooling is supported, got " + to_string(in));
    const auto kernel = global ? std::vector<std::int64_t>{in[2], in[3]} : attrs.integers("kernel_shape");
    if (kernel.size() != 2) throw Unsupported(where_ + ": kernel_shape must have 2 entries");
    const bool average = op == "AveragePool" || op == "GlobalAveragePool";
    const bool count_include_pad = average && attrs.integer("count_include_pad", 0) != 0;
    const model::Window2d w = window_for(in, attrs, kernel[0], kernel[1], !count_include_pad);
    if (average) return add_layer(model::AveragePool{w, count_include_pad}, {x});
    return add_layer(model::MaxPool{w}, {x});
  }

  Value pad(const NodeAttributes& attrs) {
    const ValueId x = variable(0);
    const Shape& in = shape_of(x);
    const auto rank = static_cast<std::int64_t>(in.size());
    if (attrs.text("mode", "constant") != "constant")
      throw Unsupported(where_ + ": pad mode '" + attrs.text("mode") + "' is not supported");
    std::vector<std::int64_t> pads;
    double value = 0.0;
    if (opset_ < 11) {
      pads = attrs.integers("pads");
      value = attrs.real("value", 0.0);
    } else {
      pads = as_ints(constant(1), where_);
      if (has_input(2)) {
        const Constant& v = constant(2);
        if (v.size() != 1) throw ShapeError(where_ + ": constant_value must be a scalar");
        value = v.real(0);
      }
    }
    std::vector<std::int64_t> axes;
    if (has_input(3)) {
      for (auto a : as_ints(constant(3), where_)) axes.push_back(normalize_axis(a, rank));
    } else {
      for (std::int64_t d = 0; d < rank; ++d) axes.push_back(d);
    }
    if (pads.size() != 2 * axes.size())
      throw ShapeError(where_ + ": expected " + std::to_string(2 * axes.size()) + " pads, got " +
                       std::to_string(pads.size()));
    model::Pad layer{std::vector<std::int64_t>(rank, 0), std::vector<std::int64_t>(rank, 0), value};
    for (std::size_t i = 0; i < axes.size(); ++i) {
      layer.begin[axes[i]] = pads[i];
      layer.end[axes[i]] = pads[i + axes.size()];
    }
    return add_layer(std::move(layer), {x});
  }

  // Inference-mode dropout is the identity; a graph that states training mode is random.
  Value dropout() {
    if (has_input(2)) {
      const Constant& training = constant(2);
      if (training.size() != 1 || training.real(0) != 0.0)
        throw Unsupported(where_ + ": training-mode dropout is not supported");
    }
    return input(0);
  }

  // The mean over the spatial axes of [1,C,H,W] (a hand-written global average pool).
  Value reduce_mean(const NodeAttributes& attrs) {
    const ValueId x = variable(0);
    const Shape in = shape_of(x);
    auto axes = opset_ >= 18 ? (has_input(1) ? as_ints(constant(1), where_) : std::vector<std::int64_t>{})
                             : attrs.integers("axes");
    for (auto& a : axes) a = normalize_axis(a, static_cast<std::int64_t>(in.size()));
    std::sort(axes.begin(), axes.end());
    if (in.size() != 4 || axes != std::vector<std::int64_t>{2, 3})
      throw Unsupported(where_ + ": only the mean over axes (2, 3) of a [1,C,H,W] value is supported");
    model::Window2d w;
    w.channels = in[1];
    w.in_h = w.kernel_h = in[2];
    w.in_w = w.kernel_w = in[3];
    model::complete_window(w);
    Value pooled = add_layer(model::AveragePool{w, true}, {x});
    if (attrs.integer("keepdims", 1) != 0) return pooled;
    return add_layer(model::Reshape{{in[0], in[1]}}, {pooled.id});
  }

  Value batch_norm(const NodeAttributes& attrs) {
    // Before opset 14, extra outputs (running and saved statistics) mean training mode.
    bool extra_outputs = false;
    for (int i = 1; i < node_->output_size(); ++i) extra_outputs = extra_outputs || !node_->output(i).empty();
    if (attrs.integer("training_mode", 0) != 0 || (opset_ < 14 && extra_outputs))
      throw Unsupported(where_ + ": training-mode batch normalisation is not supported");
    if (opset_ < 9 && attrs.integer("spatial", 1) != 1)
      throw Unsupported(where_ + ": spatial = 0 is not supported");
    const ValueId x = variable(0);
    const Shape& in = shape_of(x);
    if (in.size() < 2 || in[0] != 1)
      throw Unsupported(where_ + ": batch normalisation of " + to_string(in) + " is not supported");
    const Shape channel_shape{in[1]};
    auto parameter = [&](std::size_t i) { return broadcast_onto(constant(i), channel_shape); };
    model::BatchNorm layer{parameter(1), parameter(2), parameter(3), parameter(4),
                           attrs.real("epsilon", 1e-5f), element_count(in) / in[1]};
    if ((layer.variance.array() + layer.epsilon <= 0.0).any())
      throw Unsupported(where_ + ": variance + epsilon must be positive");
    return add_layer(std::move(layer), {x});
  }

  const ::onnx::GraphProto& graph_;
  int opset_;
  std::optional<model::Network> network_;
  const ImportOptions& options_;
  std::map<std::string, Value> values_;
  std::map<std::string, int> uses_;
  // The node being imported.
  const ::onnx::NodeProto* node_ = nullptr;
  std::string where_;
  std::string node_name_;
  std::vector<const Value*> inputs_;
};

int default_opset(const ::onnx::ModelProto& model) {
  for (const auto& entry : model.opset_import())
    if (entry.domain().empty() || entry.domain() == "ai.onnx") return static_cast<int>(entry.version());
  throw ParseError("no opset is declared for the default ONNX domain");
}

template <class E>
[[noreturn]] void rethrow_with_source(const E& e, const std::string& source) {
  throw E(source + ": " + e.what());
}

}  // namespace

std::vector<std::string> supported_operators() {
  std::set<std::string> ops = layer_ops();
  for (const std::string& op : foldable_operators()) ops.insert(op);
  return {ops.begin(), ops.end()};
}

model::Network import_model_bytes(const std::string& bytes, const std::string& source, const ImportOptions& options) {
  try {
    if (bytes.empty()) throw ParseError("the file is empty");
    ::onnx::ModelProto model;
    if (!model.ParseFromString(bytes)) throw ParseError("not an ONNX model (the protobuf does not parse)");
    if (!model.has_graph() || model.graph().node_size() == 0 || model.ir_version() <= 0)
      throw ParseError("not an ONNX model (no IR version or no graph nodes)");
    const int opset = default_opset(model);
    if (opset < 7 || opset > 18)
      throw Unsupported("opset " + std::to_string(opset) + " is not supported (7 to 18 are)");
    return GraphImporter(model.graph(), opset, options).run();
  } catch (const Unsupported& e) {
    rethrow_with_source(e, source);
  } catch (const ParseError& e) {
    rethrow_with_source(e, source);
  } catch (const ShapeError& e) {
    rethrow_with_source(e, source);
  } catch (const Error& e) {
    rethrow_with_source(e, source);
  } catch (const std::bad_alloc&) {
    throw Error(source + ": the model is too large to load");
  }
}

model::Network import_model(const std::string& path, const ImportOptions& options) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) throw Error(path + ": is a directory, not an ONNX model file");
  std::ifstream file(path, std::ios::binary);
  if (!file) throw Error(path + ": cannot open the file");
  std::ostringstream contents;
  contents << file.rdbuf();
  if (file.bad()) throw Error(path + ": cannot read the file");
  return import_model_bytes(contents.str(), path, options);
}

}  // namespace certnn::onnx
