#include "certnn/train/architecture.hpp"

#include <cmath>
#include <optional>
#include <random>
#include <regex>

#include "certnn/core/error.hpp"
#include "certnn/model/shape_inference.hpp"

namespace certnn::train {
namespace {

using Eigen::Index;

constexpr const char* kSpecs = "mlp:WxD, cnn-small, cnn-medium, cnn-large, stable:WxD, residual:WxD";

enum class Padding { Valid, Same };

struct ConvSpec {
  std::int64_t out_channels, kernel, stride;
  Padding padding = Padding::Valid;
};

struct Plan {
  std::vector<ConvSpec> convolutions;
  std::vector<std::int64_t> dense_widths;  // hidden dense layers after the convolutions
  enum class Blocks { None, Stable, Residual } blocks = Blocks::None;
  std::int64_t block_width = 0, block_count = 0;
};

// "WxD" → (W, D), both ≥ 1.
std::optional<std::pair<std::int64_t, std::int64_t>> width_and_depth(const std::string& text) {
  static const std::regex pattern("([0-9]{1,6})x([0-9]{1,4})");
  std::smatch match;
  if (!std::regex_match(text, match, pattern)) return std::nullopt;
  const std::int64_t width = std::stoll(match[1]), depth = std::stoll(match[2]);
  if (width < 1 || depth < 1) return std::nullopt;
  return std::make_pair(width, depth);
}

std::optional<Plan> plan_for(const std::string& spec) {
  Plan plan;
  if (spec == "cnn-small") {
    plan.convolutions = {{16, 4, 2}, {32, 4, 1}};
    plan.dense_widths = {100};
    return plan;
  }
  if (spec == "cnn-medium") {
    plan.convolutions = {{32, 3, 1}, {32, 4, 2}, {64, 3, 1}, {64, 4, 2}};
    plan.dense_widths = {512, 512};
    return plan;
  }
  if (spec == "cnn-large") {
    plan.convolutions = {{64, 3, 1, Padding::Same},
                         {64, 3, 1, Padding::Same},
                         {128, 3, 2, Padding::Same},
                         {128, 3, 1, Padding::Same},
                         {128, 3, 1, Padding::Same}};
    plan.dense_widths = {512};
    return plan;
  }
  const auto colon = spec.find(':');
  if (colon == std::string::npos) return std::nullopt;
  const std::string family = spec.substr(0, colon);
  const auto size = width_and_depth(spec.substr(colon + 1));
  if (!size) return std::nullopt;
  if (family == "mlp") {
    plan.dense_widths.assign(static_cast<std::size_t>(size->second), size->first);
    return plan;
  }
  if (family == "stable" || family == "residual") {
    plan.blocks = family == "stable" ? Plan::Blocks::Stable : Plan::Blocks::Residual;
    plan.block_width = size->first;
    plan.block_count = size->second;
    return plan;
  }
  return std::nullopt;
}

// The window of a convolution over [channels, height, width]; same padding as TensorFlow lays it
// out (output ⌈in / stride⌉, the odd padding element at the bottom and right).
model::Window2d window_for(const ConvSpec& conv, std::int64_t channels, std::int64_t height, std::int64_t width) {
  model::Window2d w;
  w.channels = channels;
  w.in_h = height;
  w.in_w = width;
  w.kernel_h = w.kernel_w = conv.kernel;
  w.stride_h = w.stride_w = conv.stride;
  if (conv.padding == Padding::Same) {
    const auto pad_total = [&](std::int64_t in) {
      const std::int64_t out = (in + conv.stride - 1) / conv.stride;
      return std::max<std::int64_t>((out - 1) * conv.stride + conv.kernel - in, 0);
    };
    const std::int64_t pad_h = pad_total(height), pad_w = pad_total(width);
    w.pad_top = pad_h / 2;
    w.pad_bottom = pad_h - w.pad_top;
    w.pad_left = pad_w / 2;
    w.pad_right = pad_w - w.pad_left;
  }
  if (height + w.pad_top + w.pad_bottom < conv.kernel || width + w.pad_left + w.pad_right < conv.kernel)
    throw Error("the convolutions of this architecture do not fit samples of " + std::to_string(height) + "x" +
                std::to_string(width) + " pixels");
  model::complete_window(w);
  return w;
}

class Builder {
 public:
  Builder(TrainableNetwork& network, std::uint64_t seed) : network_(network), random_(seed) {}

  std::size_t add_block(const std::string& name, Index rows, Index cols) {
    network_.blocks.push_back({name, rows, cols, total_});
    total_ += rows * cols;
    return network_.blocks.size() - 1;
  }

  // PyTorch's default for Linear and Conv2d: uniform in ±1/√fan_in.
  void initialise(std::size_t block, std::int64_t fan_in) {
    const double bound = 1.0 / std::sqrt(static_cast<double>(fan_in));
    std::uniform_real_distribution<double> uniform(-bound, bound);
    auto values = network_.parameter(block);
    for (Index i = 0; i < values.size(); ++i) values.data()[i] = uniform(random_);
  }

  // The widths a spec allows (six digits, four of depth) can ask for 10^16 weights: refused by
  // name before anything is allocated.
  void finish_layout() {
    if (total_ > kMaxTensorElements)
      throw Error("--arch " + network_.architecture + " has " + std::to_string(total_) + " parameters, more than " +
                  std::to_string(kMaxTensorElements));
    network_.parameters = Eigen::VectorXd::Zero(total_);
  }

 private:
  TrainableNetwork& network_;
  std::mt19937_64 random_;
  Index total_ = 0;
};

// Lays out the layers and parameter blocks, and returns (block, fan_in) pairs to initialise once
// the parameter vector exists.
std::vector<std::pair<std::size_t, std::int64_t>> lay_out(TrainableNetwork& network, Builder& builder,
                                                          const Plan& plan, const Shape& sample_shape) {
  std::vector<std::pair<std::size_t, std::int64_t>> fans;
  const auto add_dense = [&](const std::string& name, std::int64_t in, std::int64_t out) {
    const std::size_t weight = builder.add_block(name + ".weight", out, in);
    const std::size_t bias = builder.add_block(name + ".bias", out, 1);
    fans.push_back({weight, in});
    fans.push_back({bias, in});
    return DenseLayer{weight, bias};
  };

  std::int64_t features = element_count(sample_shape);
  if (!plan.convolutions.empty()) {
    if (sample_shape.size() != 3)
      throw Error(network.architecture + " needs image samples [channels, height, width], not " + to_string(sample_shape));
    std::int64_t channels = sample_shape[0], height = sample_shape[1], width = sample_shape[2];
    for (std::size_t k = 0; k < plan.convolutions.size(); ++k) {
      const ConvSpec& conv = plan.convolutions[k];
      const model::Window2d window = window_for(conv, channels, height, width);
      const std::string name = "conv" + std::to_string(k + 1);
      const std::int64_t fan_in = channels * conv.kernel * conv.kernel;
      const std::size_t weight = builder.add_block(name + ".weight", conv.out_channels, fan_in);
      const std::size_t bias = builder.add_block(name + ".bias", conv.out_channels, 1);
      fans.push_back({weight, fan_in});
      fans.push_back({bias, fan_in});
      network.layers.push_back(ConvLayer{window, weight, bias});
      network.layers.push_back(ReluLayer{});
      channels = conv.out_channels;
      height = window.out_h;
      width = window.out_w;
    }
    features = channels * height * width;
  }
  int dense_index = 0;
  for (std::int64_t width : plan.dense_widths) {
    network.layers.push_back(add_dense("dense" + std::to_string(++dense_index), features, width));
    network.layers.push_back(ReluLayer{});
    features = width;
  }
  if (plan.blocks != Plan::Blocks::None) {
    // A stable network's lift is non-expansive too: its Lipschitz constant is then at most the
    // output layer's norm. (Capping the output as well, at 1, cost 0.2 of Fashion-MNIST accuracy.)
    DenseLayer lift = add_dense("lift", features, plan.block_width);
    lift.norm_cap = plan.blocks == Plan::Blocks::Stable ? 1.0 : 0.0;
    network.layers.push_back(lift);
    features = plan.block_width;
    for (std::int64_t k = 1; k <= plan.block_count; ++k) {
      const std::string name = "block" + std::to_string(k);
      if (plan.blocks == Plan::Blocks::Stable) {
        const DenseLayer inner = add_dense(name, features, features);
        network.layers.push_back(StableBlock{inner.weight, inner.bias, 1.0});
      } else {
        const DenseLayer inner = add_dense(name + ".inner", features, features);
        const std::size_t outer = builder.add_block(name + ".outer.weight", features, features);
        fans.push_back({outer, features});
        network.layers.push_back(ResidualBlock{inner.weight, inner.bias, outer});
      }
    }
  }
  network.layers.push_back(add_dense("output", features, network.classes));
  return fans;
}

}  // namespace

Eigen::Map<const Eigen::MatrixXd> TrainableNetwork::parameter(std::size_t block) const {
  const ParameterBlock& b = blocks.at(block);
  return {parameters.data() + b.offset, b.rows, b.cols};
}

Eigen::Map<Eigen::MatrixXd> TrainableNetwork::parameter(std::size_t block) {
  const ParameterBlock& b = blocks.at(block);
  return {parameters.data() + b.offset, b.rows, b.cols};
}

Eigen::Index TrainableNetwork::input_size() const { return element_count(input_shape); }

bool is_network_architecture(const std::string& spec) { return plan_for(spec).has_value(); }

TrainableNetwork build_architecture(const std::string& spec, const Shape& sample_shape, std::int64_t classes,
                                    std::uint64_t seed) {
  const std::optional<Plan> plan = plan_for(spec);
  if (!plan) throw Error("--arch " + spec + " is not an architecture; available: " + kSpecs);
  if (classes < 2) throw Error("a classifier needs at least two classes, the data has " + std::to_string(classes));
  TrainableNetwork network;
  network.architecture = spec;
  network.input_shape = {1};
  network.input_shape.insert(network.input_shape.end(), sample_shape.begin(), sample_shape.end());
  network.classes = classes;
  Builder builder(network, seed);
  const auto fans = lay_out(network, builder, *plan, sample_shape);
  builder.finish_layout();
  for (const auto& [block, fan_in] : fans) builder.initialise(block, fan_in);
  return network;
}

namespace {

Eigen::MatrixXd rounded_to_float(const Eigen::MatrixXd& m) {
  return m.unaryExpr([](double v) { return static_cast<double>(static_cast<float>(v)); });
}

// Appends the model::Network nodes of each trainable layer.
struct ExportStep {
  const TrainableNetwork& source;
  model::Network& target;
  model::ValueId& value;
  int& counter;

  Eigen::MatrixXd weight(std::size_t block) const { return rounded_to_float(source.parameter(block)); }
  Eigen::VectorXd bias(std::size_t block) const { return rounded_to_float(source.parameter(block)).col(0); }
  std::string name(const char* kind) const { return kind + std::to_string(++counter); }
  void flatten() {
    const Shape& shape = target.shape(value);
    if (shape.size() != 2) value = target.add(name("flatten"), model::Reshape{Shape{1, element_count(shape)}}, {value});
  }

  void operator()(const DenseLayer& d) {
    flatten();
    value = target.add(name("dense"), model::Dense{weight(d.weight), bias(d.bias)}, {value});
  }
  void operator()(const ConvLayer& c) {
    model::Conv2d conv;
    conv.window = c.window;
    conv.out_channels = source.blocks.at(c.weight).rows;
    conv.weight = weight(c.weight);
    conv.bias = bias(c.bias);
    value = target.add(name("conv"), std::move(conv), {value});
  }
  void operator()(const ReluLayer&) { value = target.add(name("relu"), model::Relu{}, {value}); }
  void operator()(const StableBlock& b) {
    flatten();
    const Eigen::MatrixXd w = weight(b.weight);
    const model::ValueId x = value;
    const model::ValueId inner = target.add(name("stable_inner"), model::Dense{w, bias(b.bias)}, {x});
    const model::ValueId active = target.add(name("stable_relu"), model::Relu{}, {inner});
    const model::ValueId correction = target.add(
        name("stable_outer"), model::Dense{-b.step * w.transpose(), Eigen::VectorXd::Zero(w.cols())}, {active});
    value = target.add(name("stable_add"), model::AddTensors{}, {x, correction});
  }
  void operator()(const ResidualBlock& b) {
    flatten();
    const model::ValueId x = value;
    const model::ValueId inner = target.add(name("residual_inner"), model::Dense{weight(b.inner_weight), bias(b.inner_bias)}, {x});
    const model::ValueId active = target.add(name("residual_relu"), model::Relu{}, {inner});
    const Eigen::MatrixXd outer = weight(b.outer_weight);
    const model::ValueId correction =
        target.add(name("residual_outer"), model::Dense{outer, Eigen::VectorXd::Zero(outer.rows())}, {active});
    value = target.add(name("residual_add"), model::AddTensors{}, {x, correction});
  }
};

}  // namespace

model::Network to_network(const TrainableNetwork& network) {
  model::Network result(network.input_shape);
  model::ValueId value = model::kInputValue;
  int counter = 0;
  ExportStep step{network, result, value, counter};
  for (const TrainableLayer& layer : network.layers) std::visit(step, layer);
  result.set_output(value);
  return result;
}

}  // namespace certnn::train
