#include "certnn/onnx/exporter.hpp"

#include <onnx/onnx_pb.h>


#include "certnn/core/error.hpp"
#include "certnn/core/output_file.hpp"
#include "certnn/model/kind_dispatch.hpp"

namespace certnn::onnx {
namespace {

using namespace certnn::model;

bool fits_float(double v) { return static_cast<double>(static_cast<float>(v)) == v || std::isnan(v); }
bool fits_float(const Eigen::MatrixXd& m) {
  return m.unaryExpr([](double v) { return fits_float(v) ? 0.0 : 1.0; }).sum() == 0.0;
}

// Whether every parameter of a layer is exactly a float32.
struct FitsFloatStep {
  bool operator()(const Dense& d) const { return fits_float(d.weight) && fits_float(d.bias); }
  bool operator()(const Conv2d& c) const { return fits_float(c.weight) && fits_float(c.bias); }
  bool operator()(const BatchNorm& b) const {
    return fits_float(b.scale) && fits_float(b.bias) && fits_float(b.mean) && fits_float(b.variance);
  }
  bool operator()(const AddConstant& c) const { return fits_float(c.constant); }
  bool operator()(const SubConstant& c) const { return fits_float(c.constant); }
  bool operator()(const MulConstant& c) const { return fits_float(c.constant); }
  bool operator()(const DivConstant& c) const { return fits_float(c.constant); }
  bool operator()(const Pad& p) const { return fits_float(p.value); }
  bool operator()(const Relu&) const { return true; }
  bool operator()(const LeakyRelu&) const { return true; }
  bool operator()(const Sigmoid&) const { return true; }
  bool operator()(const Tanh&) const { return true; }
  bool operator()(const Softmax&) const { return true; }
  bool operator()(const Reshape&) const { return true; }
  bool operator()(const AddTensors&) const { return true; }
  bool operator()(const SubTensors&) const { return true; }
  bool operator()(const AveragePool&) const { return true; }
  bool operator()(const MaxPool&) const { return true; }
};

class GraphWriter {
 public:
  GraphWriter(::onnx::GraphProto& graph, bool use_float) : graph_(graph), use_float_(use_float) {}

  int element_type() const {
    return use_float_ ? ::onnx::TensorProto::FLOAT : ::onnx::TensorProto::DOUBLE;
  }

  std::string real_initializer(const std::string& name, const Shape& shape, const double* data,
                               std::int64_t count) {
    auto* t = graph_.add_initializer();
    t->set_name(name);
    t->set_data_type(element_type());
    for (auto d : shape) t->add_dims(d);
    for (std::int64_t i = 0; i < count; ++i) {
      if (use_float_) {
        t->add_float_data(static_cast<float>(data[i]));
      } else {
        t->add_double_data(data[i]);
      }
    }
    return name;
  }
  std::string real_initializer(const std::string& name, const Shape& shape, const Eigen::MatrixXd& m) {
    // Eigen is column-major; ONNX tensors are row-major.
    const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> rows = m;
    return real_initializer(name, shape, rows.data(), rows.size());
  }
  std::string int_initializer(const std::string& name, const std::vector<std::int64_t>& values) {
    auto* t = graph_.add_initializer();
    t->set_name(name);
    t->set_data_type(::onnx::TensorProto::INT64);
    t->add_dims(static_cast<std::int64_t>(values.size()));
    for (auto v : values) t->add_int64_data(v);
    return name;
  }

  ::onnx::NodeProto& node(const std::string& op, const std::string& name,
                          const std::vector<std::string>& inputs, const std::string& output) {
    auto* n = graph_.add_node();
    n->set_op_type(op);
    n->set_name(name);
    for (const auto& i : inputs) n->add_input(i);
    n->add_output(output);
    return *n;
  }

 private:
  ::onnx::GraphProto& graph_;
  bool use_float_;
};

void set_ints(::onnx::NodeProto& n, const std::string& name, const std::vector<std::int64_t>& values) {
  auto* a = n.add_attribute();
  a->set_name(name);
  a->set_type(::onnx::AttributeProto::INTS);
  for (auto v : values) a->add_ints(v);
}
void set_int(::onnx::NodeProto& n, const std::string& name, std::int64_t value) {
  auto* a = n.add_attribute();
  a->set_name(name);
  a->set_type(::onnx::AttributeProto::INT);
  a->set_i(value);
}
void set_float(::onnx::NodeProto& n, const std::string& name, double value, const std::string& where) {
  if (!fits_float(value)) throw Unsupported("export: " + where + ": attribute " + name + " is not a float32");
  auto* a = n.add_attribute();
  a->set_name(name);
  a->set_type(::onnx::AttributeProto::FLOAT);
  a->set_f(static_cast<float>(value));
}

void set_window(::onnx::NodeProto& n, const Window2d& w, bool dilations) {
  set_ints(n, "kernel_shape", {w.kernel_h, w.kernel_w});
  set_ints(n, "strides", {w.stride_h, w.stride_w});
  set_ints(n, "pads", {w.pad_top, w.pad_left, w.pad_bottom, w.pad_right});
  if (dilations) set_ints(n, "dilations", {w.dilation_h, w.dilation_w});
}

// Writes one layer as ONNX nodes reading `in` and producing `out`.
struct ExportStep {
  GraphWriter& writer;
  const Node& node;
  const std::vector<std::string>& in;
  const Shape& in_shape;
  const std::string& out;
  const std::string prefix;

  ExportStep(GraphWriter& w, const Node& n, const std::vector<std::string>& i, const Shape& s,
             const std::string& o, const std::string& name_tag, std::size_t index)
      : writer(w), node(n), in(i), in_shape(s), out(o),
        prefix(name_tag + std::to_string(index) + "_" + n.name) {}

  std::string shape_constant(const std::string& tag, const Shape& shape) const {
    return writer.int_initializer(prefix + "_" + tag, shape);
  }
  std::string elementwise_constant(const Eigen::VectorXd& c) const {
    return writer.real_initializer(prefix + "_constant", node.output_shape, c.data(), c.size());
  }
  void simple(const std::string& op) const { writer.node(op, node.name, in, out); }

  void operator()(const Dense& d) const {
    const Shape rows{1, d.weight.cols()};
    const bool two_d = in_shape == rows;
    const std::string x = two_d ? in[0] : prefix + "_rows";
    if (!two_d) writer.node("Reshape", prefix + "_to_rows", {in[0], shape_constant("rows", rows)}, x);
    const std::string w = writer.real_initializer(prefix + "_weight", {d.weight.rows(), d.weight.cols()}, d.weight);
    const std::string b = writer.real_initializer(prefix + "_bias", {d.bias.size()}, d.bias.data(), d.bias.size());
    const bool reshape_back = node.output_shape != Shape{1, d.weight.rows()};
    const std::string y = reshape_back ? prefix + "_gemm" : out;
    set_int(writer.node("Gemm", node.name, {x, w, b}, y), "transB", 1);
    if (reshape_back)
      writer.node("Reshape", prefix + "_from_rows", {y, shape_constant("shape", node.output_shape)}, out);
  }
  void operator()(const Conv2d& c) const {
    const Window2d& w = c.window;
    const std::string weight = writer.real_initializer(
        prefix + "_weight", {c.out_channels, w.channels, w.kernel_h, w.kernel_w}, c.weight);
    const std::string bias = writer.real_initializer(prefix + "_bias", {c.bias.size()}, c.bias.data(), c.bias.size());
    set_window(writer.node("Conv", node.name, {in[0], weight, bias}, out), w, true);
  }
  void operator()(const Relu&) const { simple("Relu"); }
  void operator()(const LeakyRelu& l) const {
    set_float(writer.node("LeakyRelu", node.name, in, out), "alpha", l.alpha, node.name);
  }
  void operator()(const Sigmoid&) const { simple("Sigmoid"); }
  void operator()(const Tanh&) const { simple("Tanh"); }
  void operator()(const Softmax& s) const {
    if (!in_shape.empty() && in_shape.back() == s.group_size) {
      set_int(writer.node("Softmax", node.name, in, out), "axis", -1);
      return;
    }
    const std::int64_t groups = element_count(in_shape) / s.group_size;
    writer.node("Reshape", prefix + "_to_groups", {in[0], shape_constant("groups", {groups, s.group_size})},
                prefix + "_groups");
    set_int(writer.node("Softmax", node.name, {prefix + "_groups"}, prefix + "_softmax"), "axis", -1);
    writer.node("Reshape", prefix + "_back", {prefix + "_softmax", shape_constant("shape", in_shape)}, out);
  }
  void operator()(const Reshape& r) const {
    writer.node("Reshape", node.name, {in[0], shape_constant("shape", r.shape)}, out);
  }
  void operator()(const BatchNorm& b) const {
    auto vector = [&](const char* tag, const Eigen::VectorXd& v) {
      return writer.real_initializer(prefix + "_" + tag, {v.size()}, v.data(), v.size());
    };
    auto& n = writer.node("BatchNormalization", node.name,
                          {in[0], vector("scale", b.scale), vector("bias", b.bias), vector("mean", b.mean),
                           vector("variance", b.variance)},
                          out);
    set_float(n, "epsilon", b.epsilon, node.name);
  }
  void operator()(const AddTensors&) const { simple("Add"); }
  void operator()(const SubTensors&) const { simple("Sub"); }
  void operator()(const AddConstant& c) const { writer.node("Add", node.name, {in[0], elementwise_constant(c.constant)}, out); }
  void operator()(const SubConstant& c) const {
    const std::string k = elementwise_constant(c.constant);
    writer.node("Sub", node.name, c.constant_first ? std::vector<std::string>{k, in[0]} : std::vector<std::string>{in[0], k}, out);
  }
  void operator()(const MulConstant& c) const { writer.node("Mul", node.name, {in[0], elementwise_constant(c.constant)}, out); }
  void operator()(const DivConstant& c) const { writer.node("Div", node.name, {in[0], elementwise_constant(c.constant)}, out); }
  void operator()(const AveragePool& p) const {
    if (p.window.dilation_h != 1 || p.window.dilation_w != 1)
      throw Unsupported("export: " + node.name + ": dilated average pooling needs opset 19");
    auto& n = writer.node("AveragePool", node.name, in, out);
    set_window(n, p.window, false);
    set_int(n, "count_include_pad", p.count_include_pad ? 1 : 0);
  }
  void operator()(const MaxPool& p) const { set_window(writer.node("MaxPool", node.name, in, out), p.window, true); }
  void operator()(const Pad& p) const {
    std::vector<std::int64_t> pads = p.begin;
    pads.insert(pads.end(), p.end.begin(), p.end.end());
    const std::string value = writer.real_initializer(prefix + "_value", {}, &p.value, 1);
    writer.node("Pad", node.name, {in[0], writer.int_initializer(prefix + "_pads", pads), value}, out);
  }
};

void set_value_info(::onnx::ValueInfoProto& info, const std::string& name, const Shape& shape, int type) {
  info.set_name(name);
  auto* tensor = info.mutable_type()->mutable_tensor_type();
  tensor->set_elem_type(type);
  for (auto d : shape) tensor->mutable_shape()->add_dim()->set_dim_value(d);
}

}  // namespace

std::string export_model_bytes(const Network& network) {
  ::onnx::ModelProto model;
  model.set_ir_version(8);
  model.set_producer_name("certnn");
  model.set_producer_version(CERTNN_VERSION);
  auto* opset = model.add_opset_import();
  opset->set_domain("");
  opset->set_version(13);

  bool use_float = true;
  for (const Node& node : network.nodes()) use_float = use_float && visit_layer(node.op, FitsFloatStep{});

  auto& graph = *model.mutable_graph();
  graph.set_name("certnn");
  GraphWriter writer(graph, use_float);
  const int type = writer.element_type();
  set_value_info(*graph.add_input(), network.input_name(), network.input_shape(), type);

  // The tensor names made up here ("value_<k>", "output", "<k>_<node>_<tag>") must not capture
  // the input's name, or its readers would read another tensor; when one could, they all start
  // with the input's name and a '/', which makes them longer than it.
  const std::string& input = network.input_name();
  const bool may_collide = input == "output" || input.starts_with("value_") ||
                           (!input.empty() && input.front() >= '0' && input.front() <= '9');
  const std::string name_tag = may_collide ? input + "/" : "";
  const std::string output_name = name_tag + "output";
  auto value_name = [&](ValueId v) {
    if (v == kInputValue) return input;
    if (v == network.output()) return output_name;
    return name_tag + "value_" + std::to_string(v);
  };
  const auto& nodes = network.nodes();
  for (std::size_t k = 0; k < nodes.size(); ++k) {
    std::vector<std::string> inputs;
    for (ValueId v : nodes[k].inputs) inputs.push_back(value_name(v));
    const std::string out = value_name(static_cast<ValueId>(k + 1));
    visit_layer(nodes[k].op,
                ExportStep(writer, nodes[k], inputs, network.shape(nodes[k].inputs[0]), out, name_tag, k));
  }
  if (network.output() == kInputValue) {
    writer.node("Identity", "output_identity", {input}, output_name);
  }
  set_value_info(*graph.add_output(), output_name, network.shape(network.output()), type);
  std::string bytes;
  if (!model.SerializeToString(&bytes)) throw Error("export: cannot serialise the model");
  return bytes;
}

void export_model(const Network& network, const std::string& path) {
  write_file_atomically(path, export_model_bytes(network));
}

}  // namespace certnn::onnx
