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

// Appends the nodes of an architecture with their bindings, named as the exported model names
// them (conv1, relu2, flatten3, dense4, …), and lays out the parameter blocks; finish() then
// draws their initial values in the order the blocks were made.
class Builder {
 public:
  Builder(TrainableNetwork& network, std::uint64_t seed) : network_(network), random_(seed) {}

  model::ValueId conv(model::ValueId x, const std::string& block_name, const model::Window2d& window,
                      std::int64_t out_channels) {
    const std::int64_t fan_in = window.channels * window.kernel_h * window.kernel_w;
    const NodeBinding binding{block(block_name + ".weight", out_channels, fan_in, fan_in),
                              block(block_name + ".bias", out_channels, 1, fan_in)};
    model::Conv2d layer;
    layer.window = window;
    layer.out_channels = out_channels;
    layer.weight = Eigen::MatrixXd::Zero(out_channels, fan_in);
    layer.bias = Eigen::VectorXd::Zero(out_channels);
    return add("conv", std::move(layer), {x}, binding);
  }

  // y = W x + b, flattening x first; `kind` names the node.
  model::ValueId dense(model::ValueId x, const std::string& block_name, std::int64_t out, const char* kind = "dense") {
    x = flatten(x);
    const std::int64_t in = network_.network.size(x);
    const NodeBinding binding{block(block_name + ".weight", out, in, in), block(block_name + ".bias", out, 1, in)};
    return add(kind, model::Dense{Eigen::MatrixXd::Zero(out, in), Eigen::VectorXd::Zero(out)}, {x}, binding);
  }

  // y = W x without a bias, W bound as given.
  model::ValueId linear(model::ValueId x, std::int64_t out, const char* kind, const NodeBinding& binding) {
    const std::int64_t in = network_.network.size(x);
    return add(kind, model::Dense{Eigen::MatrixXd::Zero(out, in), Eigen::VectorXd::Zero(out)}, {x}, binding);
  }

  model::ValueId relu(model::ValueId x, const char* kind = "relu") { return add(kind, model::Relu{}, {x}); }

  model::ValueId sum(model::ValueId a, model::ValueId b, const char* kind) { return add(kind, model::AddTensors{}, {a, b}); }

  model::ValueId flatten(model::ValueId x) {
    const Shape& shape = network_.network.shape(x);
    if (shape.size() == 2) return x;
    return add("flatten", model::Reshape{Shape{1, element_count(shape)}}, {x});
  }

  // A block of its own, counted against the parameter limit before anything of its size is
  // allocated: the widths a spec allows (six digits, four of depth) can ask for 10^16 weights.
  std::size_t block(const std::string& name, Index rows, Index cols, std::int64_t fan_in) {
    network_.blocks.push_back({name, rows, cols, total_});
    total_ += rows * cols;
    if (total_ > kMaxTensorElements)
      throw Error("--arch " + network_.architecture + " needs at least " + std::to_string(total_) +
                  " parameters, more than " + std::to_string(kMaxTensorElements));
    fans_.push_back(fan_in);
    return network_.blocks.size() - 1;
  }

  // PyTorch's default for Linear and Conv2d: uniform in ±1/√fan_in.
  void finish(model::ValueId output) {
    network_.network.set_output(output);
    network_.parameters = Eigen::VectorXd::Zero(total_);
    for (std::size_t block = 0; block < fans_.size(); ++block) {
      const double bound = 1.0 / std::sqrt(static_cast<double>(fans_[block]));
      std::uniform_real_distribution<double> uniform(-bound, bound);
      auto values = network_.parameter(block);
      for (Index i = 0; i < values.size(); ++i) values.data()[i] = uniform(random_);
    }
  }

 private:
  model::ValueId add(const char* kind, model::LayerOp op, std::vector<model::ValueId> inputs,
                     const NodeBinding& binding = {}) {
    const model::ValueId value = network_.network.add(kind + std::to_string(++counter_), std::move(op), std::move(inputs));
    network_.bindings.push_back(binding);
    return value;
  }

  TrainableNetwork& network_;
  std::mt19937_64 random_;
  Index total_ = 0;
  std::vector<std::int64_t> fans_;  // per block
  int counter_ = 0;
};

model::ValueId lay_out(TrainableNetwork& network, Builder& builder, const Plan& plan, const Shape& sample_shape) {
  model::ValueId x = model::kInputValue;
  if (!plan.convolutions.empty()) {
    if (sample_shape.size() != 3)
      throw Error(network.architecture + " needs image samples [channels, height, width], not " + to_string(sample_shape));
    std::int64_t channels = sample_shape[0], height = sample_shape[1], width = sample_shape[2];
    for (std::size_t k = 0; k < plan.convolutions.size(); ++k) {
      const ConvSpec& conv = plan.convolutions[k];
      const model::Window2d window = window_for(conv, channels, height, width);
      x = builder.relu(builder.conv(x, "conv" + std::to_string(k + 1), window, conv.out_channels));
      channels = conv.out_channels;
      height = window.out_h;
      width = window.out_w;
    }
  }
  int dense_index = 0;
  for (std::int64_t width : plan.dense_widths)
    x = builder.relu(builder.dense(x, "dense" + std::to_string(++dense_index), width));
  if (plan.blocks != Plan::Blocks::None) {
    // A stable network's lift is non-expansive too: its Lipschitz constant is then at most the
    // output layer's norm. (Capping the output as well, at 1, cost 0.2 of Fashion-MNIST accuracy.)
    x = builder.dense(x, "lift", plan.block_width);
    if (plan.blocks == Plan::Blocks::Stable)
      network.norm_caps.push_back({*network.bindings.back().weight, 1.0});
    for (std::int64_t k = 1; k <= plan.block_count; ++k) {
      const std::string name = "block" + std::to_string(k);
      if (plan.blocks == Plan::Blocks::Stable) {
        constexpr double kStep = 1.0;
        const model::ValueId inner = builder.dense(x, name, plan.block_width, "stable_inner");
        const std::size_t weight = *network.bindings.back().weight;
        const model::ValueId active = builder.relu(inner, "stable_relu");
        NodeBinding tied;  // the outer weight is −step · Wᵀ, W the inner one
        tied.weight = weight;
        tied.transposed = true;
        tied.scale = -kStep;
        const model::ValueId correction = builder.linear(active, plan.block_width, "stable_outer", tied);
        x = builder.sum(x, correction, "stable_add");
        network.stable_blocks.push_back({weight, kStep});
      } else {
        const model::ValueId active =
            builder.relu(builder.dense(x, name + ".inner", plan.block_width, "residual_inner"), "residual_relu");
        const std::size_t outer =
            builder.block(name + ".outer.weight", plan.block_width, plan.block_width, plan.block_width);
        NodeBinding outer_weight;
        outer_weight.weight = outer;
        x = builder.sum(x, builder.linear(active, plan.block_width, "residual_outer", outer_weight), "residual_add");
      }
    }
  }
  return builder.dense(x, "output", network.classes);
}

}  // namespace

bool is_network_architecture(const std::string& spec) { return plan_for(spec).has_value(); }

TrainableNetwork build_architecture(const std::string& spec, const Shape& sample_shape, std::int64_t classes,
                                    std::uint64_t seed) {
  const std::optional<Plan> plan = plan_for(spec);
  if (!plan) throw Error("--arch " + spec + " is not an architecture; available: " + kSpecs);
  if (classes < 2) throw Error("a classifier needs at least two classes, the data has " + std::to_string(classes));
  TrainableNetwork network;
  network.architecture = spec;
  Shape input_shape{1};
  input_shape.insert(input_shape.end(), sample_shape.begin(), sample_shape.end());
  network.network = model::Network(input_shape);
  network.classes = classes;
  Builder builder(network, seed);
  builder.finish(lay_out(network, builder, *plan, sample_shape));
  return network;
}

}  // namespace certnn::train
