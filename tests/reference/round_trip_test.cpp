// ONNX export followed by import gives back the same function: on random inputs the re-imported
// network's outputs are bit-identical to the original's, for the reference models, the VNN-COMP
// networks and networks built here that use every layer kind. Export never rounds: it writes
// float32 only when every parameter is a float32, and refuses what opset 13 cannot express exactly.
#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include <array>
#include <bit>
#include <cstdint>
#include <filesystem>
#include <random>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include "certnn/core/error.hpp"
#include "certnn/model/forward.hpp"
#include "certnn/model/shape_inference.hpp"
#include "certnn/onnx/exporter.hpp"
#include "certnn/onnx/importer.hpp"
#include "test_support.hpp"

namespace certnn {
namespace {

using model::Network;
using model::ValueId;

constexpr Eigen::Index kSamples = 16;

// A real drawn as a float32, so that float32 export is exact.
double random_float(std::mt19937_64& rng, double lo, double hi) {
  return static_cast<float>(std::uniform_real_distribution<double>(lo, hi)(rng));
}
// A real that is (almost surely) not a float32, so export must write doubles.
double random_double(std::mt19937_64& rng, double lo, double hi) {
  return std::uniform_real_distribution<double>(lo, hi)(rng);
}

struct ParameterSource {
  std::mt19937_64& rng;
  bool float_exact;
  double operator()(double lo, double hi) const {
    return float_exact ? random_float(rng, lo, hi) : random_double(rng, lo, hi);
  }
  Eigen::VectorXd vector(Eigen::Index n, double lo, double hi) const {
    Eigen::VectorXd v(n);
    for (Eigen::Index i = 0; i < n; ++i) v[i] = (*this)(lo, hi);
    return v;
  }
  Eigen::MatrixXd matrix(Eigen::Index rows, Eigen::Index cols, double lo, double hi) const {
    Eigen::MatrixXd m(rows, cols);
    for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = (*this)(lo, hi);
    return m;
  }
};

model::Window2d window(const Shape& in, std::int64_t kernel_h, std::int64_t kernel_w,
                       std::int64_t stride_h, std::int64_t stride_w,
                       std::array<std::int64_t, 4> pads_top_left_bottom_right,
                       std::int64_t dilation_h, std::int64_t dilation_w) {
  model::Window2d w;
  w.channels = in[1];
  w.in_h = in[2];
  w.in_w = in[3];
  w.kernel_h = kernel_h;
  w.kernel_w = kernel_w;
  w.stride_h = stride_h;
  w.stride_w = stride_w;
  w.pad_top = pads_top_left_bottom_right[0];
  w.pad_left = pads_top_left_bottom_right[1];
  w.pad_bottom = pads_top_left_bottom_right[2];
  w.pad_right = pads_top_left_bottom_right[3];
  w.dilation_h = dilation_h;
  w.dilation_w = dilation_w;
  model::complete_window(w);
  return w;
}

// One network that uses every layer kind, in shapes that exercise the exporter's special cases:
// a non-zero Pad value, asymmetric pads, strides and dilations, both AveragePool divisors, a
// constant-first subtraction, residual Add/Sub, Softmax over groups shorter and equal to the last
// axis, and a Dense layer on a rank-1 value.
Network every_kind_network(const ParameterSource& p) {
  Network n({1, 2, 6, 5}, "image");
  auto shape = [&](ValueId v) { return n.shape(v); };
  ValueId v = n.add("from_constant", model::SubConstant{p.vector(60, -1, 1), true}, {0});
  v = n.add("pad", model::Pad{{0, 0, 1, 0}, {0, 0, 0, 2}, 0.75}, {v});  // [1,2,7,7]
  {
    model::Conv2d conv;
    conv.window = window(shape(v), 3, 2, 2, 1, {1, 0, 0, 1}, 1, 2);  // [1,3,3,6]
    conv.out_channels = 3;
    conv.weight = p.matrix(3, 2 * 3 * 2, -1, 1);
    conv.bias = p.vector(3, -0.5, 0.5);
    v = n.add("conv", conv, {v});
  }
  v = n.add("batch_norm",
            model::BatchNorm{p.vector(3, 0.5, 1.5), p.vector(3, -0.5, 0.5), p.vector(3, -0.5, 0.5),
                             p.vector(3, 0.25, 2.0), static_cast<float>(1e-3), 18},
            {v});
  v = n.add("leaky_relu", model::LeakyRelu{0.125}, {v});
  v = n.add("max_pool", model::MaxPool{window(shape(v), 2, 2, 1, 1, {1, 0, 0, 1}, 1, 2)}, {v});  // [1,3,3,5]
  v = n.add("average_with_pads",
            model::AveragePool{window(shape(v), 2, 2, 1, 1, {1, 1, 1, 1}, 1, 1), true}, {v});  // [1,3,4,6]
  v = n.add("average_in_bounds",
            model::AveragePool{window(shape(v), 3, 3, 2, 2, {1, 1, 1, 1}, 1, 1), false}, {v});  // [1,3,2,3]
  v = n.add("flatten", model::Reshape{{1, 18}}, {v});
  v = n.add("dense", model::Dense{p.matrix(12, 18, -1, 1), p.vector(12, -0.5, 0.5)}, {v});
  const ValueId activated = n.add("tanh", model::Tanh{}, {v});
  v = n.add("scale", model::MulConstant{p.vector(12, -2, 2)}, {activated});
  v = n.add("divide", model::DivConstant{p.vector(12, 0.5, 2)}, {v});
  const ValueId shifted = n.add("shift", model::AddConstant{p.vector(12, -1, 1)}, {v});
  v = n.add("sigmoid", model::Sigmoid{}, {shifted});
  const ValueId sum = n.add("residual_add", model::AddTensors{}, {activated, v});
  v = n.add("relu", model::Relu{}, {shifted});
  v = n.add("residual_sub", model::SubTensors{}, {sum, v});
  v = n.add("grouped_softmax", model::Softmax{4}, {v});  // groups of 4 in a [1,12] value
  v = n.add("to_rows", model::Reshape{{1, 3, 4}}, {v});
  v = n.add("row_softmax", model::Softmax{4}, {v});  // over the last axis
  v = n.add("to_vector", model::Reshape{{12}}, {v});
  n.add("classify", model::Dense{p.matrix(5, 12, -1, 1), p.vector(5, -0.5, 0.5)}, {v});
  return n;
}

// Samples in [-2, 2] (one column each), plus one column of zeros.
Eigen::MatrixXd random_inputs(const Network& network, std::mt19937_64& rng) {
  std::uniform_real_distribution<double> uniform(-2.0, 2.0);
  Eigen::MatrixXd x(network.input_size(), kSamples);
  for (Eigen::Index i = 0; i < x.size(); ++i) x.data()[i] = uniform(rng);
  x.col(0).setZero();
  return x;
}

template <class T>
void expect_bit_identical(const model::Batch<T>& original, const model::Batch<T>& round_trip,
                          const std::string& what) {
  ASSERT_EQ(original.rows(), round_trip.rows()) << what;
  ASSERT_EQ(original.cols(), round_trip.cols()) << what;
  int mismatches = 0;
  for (Eigen::Index c = 0; c < original.cols(); ++c)
    for (Eigen::Index r = 0; r < original.rows(); ++r) {
      const T a = original(r, c), b = round_trip(r, c);
      if (std::bit_cast<std::array<unsigned char, sizeof(T)>>(a) ==
          std::bit_cast<std::array<unsigned char, sizeof(T)>>(b))
        continue;
      if (++mismatches <= 5)
        ADD_FAILURE() << what << ": sample " << c << ", output " << r << ": " << a << " became " << b;
    }
  EXPECT_EQ(mismatches, 0) << what;
}

Network round_trip(const Network& network) {
  return onnx::import_model_bytes(onnx::export_model_bytes(network), "exported model");
}

// Exports, re-imports and compares float64 and float32 outputs bit for bit.
void expect_same_function_after_round_trip(const Network& network, std::uint64_t seed) {
  const Network again = round_trip(network);
  EXPECT_EQ(again.input_shape(), network.input_shape());
  EXPECT_EQ(again.input_name(), network.input_name());
  EXPECT_EQ(again.shape(again.output()), network.shape(network.output()));
  EXPECT_EQ(model::parameter_count(again), model::parameter_count(network));

  std::mt19937_64 rng(seed);
  const Eigen::MatrixXd inputs = random_inputs(network, rng);
  expect_bit_identical<double>(model::forward<double>(network, inputs),
                               model::forward<double>(again, inputs), "float64");
  const model::Batch<float> inputs32 = inputs.cast<float>();
  expect_bit_identical<float>(model::forward<float>(network, inputs32),
                              model::forward<float>(again, inputs32), "float32");
}

// Element types of the exported graph's real tensors (initializers and graph input/output).
std::set<int> real_element_types(const std::string& bytes) {
  ::onnx::ModelProto proto;
  EXPECT_TRUE(proto.ParseFromString(bytes));
  std::set<int> types;
  for (const auto& init : proto.graph().initializer())
    if (init.data_type() == ::onnx::TensorProto::FLOAT || init.data_type() == ::onnx::TensorProto::DOUBLE)
      types.insert(init.data_type());
  types.insert(proto.graph().input(0).type().tensor_type().elem_type());
  types.insert(proto.graph().output(0).type().tensor_type().elem_type());
  return types;
}

TEST(RoundTrip, EveryKindNetworkCoversEveryLayerKind) {
  std::mt19937_64 rng(1);
  const Network network = every_kind_network({rng, true});
  std::set<std::size_t> kinds;
  for (const auto& node : network.nodes()) kinds.insert(node.op.index());
  // A new layer kind must be added to every_kind_network so that export learns it too.
  EXPECT_EQ(kinds.size(), std::variant_size_v<model::LayerOp>);
}

TEST(RoundTrip, EveryKindWithFloat32ParametersIsBitIdentical) {
  const std::uint64_t seed = test::test_seed(20240601);
  std::mt19937_64 rng(seed);
  const Network network = every_kind_network({rng, true});
  const std::string bytes = onnx::export_model_bytes(network);
  // Every parameter is a float32, so export writes float32 tensors.
  EXPECT_EQ(real_element_types(bytes), std::set<int>{::onnx::TensorProto::FLOAT});
  expect_same_function_after_round_trip(network, seed + 1);

  // The re-imported network has the same layers in the same order (export only adds reshapes).
  const Network again = round_trip(network);
  std::vector<std::string_view> original_kinds, again_kinds;
  for (const auto& node : network.nodes())
    if (!std::holds_alternative<model::Reshape>(node.op)) original_kinds.push_back(model::kind_name(node.op));
  for (const auto& node : again.nodes())
    if (!std::holds_alternative<model::Reshape>(node.op)) again_kinds.push_back(model::kind_name(node.op));
  EXPECT_EQ(again_kinds, original_kinds);
}

TEST(RoundTrip, EveryKindWithFloat64ParametersIsWrittenAsDoubles) {
  const std::uint64_t seed = test::test_seed(20240602);
  std::mt19937_64 rng(seed);
  const Network network = every_kind_network({rng, false});
  // Parameters that are not float32 values would round if written as float: export uses doubles.
  EXPECT_EQ(real_element_types(onnx::export_model_bytes(network)), std::set<int>{::onnx::TensorProto::DOUBLE});
  expect_same_function_after_round_trip(network, seed + 1);
}

TEST(RoundTrip, OneNonFloat32WeightMakesTheWholeExportDouble) {
  const std::uint64_t seed = test::test_seed(20240603);
  std::mt19937_64 rng(seed);
  Network network({1, 4});
  Eigen::MatrixXd weight = ParameterSource{rng, true}.matrix(3, 4, -1, 1);
  weight(1, 2) = 0.1;  // 0.1 has no exact float32
  network.add("dense", model::Dense{weight, Eigen::VectorXd::Zero(3)}, {0});
  EXPECT_EQ(real_element_types(onnx::export_model_bytes(network)), std::set<int>{::onnx::TensorProto::DOUBLE});
  expect_same_function_after_round_trip(network, seed + 1);
  const Network again = round_trip(network);
  const auto& dense = std::get<model::Dense>(again.nodes().back().op);
  EXPECT_EQ(dense.weight(1, 2), 0.1);
}

TEST(RoundTrip, NetworkWithoutLayersIsTheIdentity) {
  const Network network({1, 3});
  expect_same_function_after_round_trip(network, test::test_seed(20240604));
}

TEST(RoundTrip, OutputBeforeTheLastLayerIsKept) {
  Network network({1, 3});
  const ValueId relu = network.add("relu", model::Relu{}, {0});
  network.add("unused_tanh", model::Tanh{}, {relu});
  network.set_output(relu);
  expect_same_function_after_round_trip(network, test::test_seed(20240605));
}

TEST(RoundTrip, BiasFreeDenseFollowedByAddIsTheSameFunction) {
  // Re-import merges the Add into the Dense layer's bias: a different structure, the same function.
  const std::uint64_t seed = test::test_seed(20240606);
  std::mt19937_64 rng(seed);
  const ParameterSource p{rng, true};
  Network network({1, 6});
  const ValueId product = network.add("product", model::Dense{p.matrix(4, 6, -1, 1), Eigen::VectorXd::Zero(4)}, {0});
  network.add("bias", model::AddConstant{p.vector(4, -1, 1)}, {product});
  std::mt19937_64 input_rng(seed + 1);
  const Eigen::MatrixXd inputs = random_inputs(network, input_rng);
  expect_bit_identical<double>(model::forward<double>(network, inputs),
                               model::forward<double>(round_trip(network), inputs), "float64");
}

// Generated tensor names ("value_1", "output", initializer names) must not capture the name of
// the graph input, or a layer reading the input would read another tensor after re-import.
TEST(RoundTrip, InputNamedLikeAnExportedTensorKeepsItsReaders) {
  const std::uint64_t seed = test::test_seed(20240607);
  for (const std::string name : {"value_1", "output", "1_scale_constant"}) {
    SCOPED_TRACE("input named '" + name + "'");
    Network network({1, 3}, name);
    const ValueId tanh = network.add("tanh", model::Tanh{}, {0});
    const ValueId scaled = network.add("scale", model::MulConstant{Eigen::Vector3d(1, 2, 3)}, {tanh});
    network.add("difference", model::SubTensors{}, {scaled, model::kInputValue});
    ASSERT_NO_THROW(expect_same_function_after_round_trip(network, seed));
  }
}

TEST(RoundTrip, RefusesWhatOpset13CannotHoldExactly) {
  // Dilated average pooling appears in ONNX only from opset 19.
  Network pooled({1, 1, 5, 5});
  pooled.add("dilated_average", model::AveragePool{window({1, 1, 5, 5}, 2, 2, 1, 1, {0, 0, 0, 0}, 2, 2), false}, {0});
  EXPECT_THROW(onnx::export_model_bytes(pooled), Unsupported);

  // Float attributes are float32 in ONNX: a float64 alpha or epsilon would round.
  Network leaky({1, 3});
  leaky.add("leaky", model::LeakyRelu{0.1}, {0});
  EXPECT_THROW(onnx::export_model_bytes(leaky), Unsupported);

  Network normalised({1, 2, 3});
  normalised.add("norm",
                 model::BatchNorm{Eigen::Vector2d(1, 2), Eigen::Vector2d(0, 1), Eigen::Vector2d(0.5, 0.25),
                                  Eigen::Vector2d(1, 4), 1e-5, 3},
                 {0});
  EXPECT_THROW(onnx::export_model_bytes(normalised), Unsupported);
}

// ---- networks read from files ----

void expect_file_round_trip(const std::filesystem::path& path, std::uint64_t seed) {
  SCOPED_TRACE(path.filename().string());
  const Network network = onnx::import_model(path.string());
  expect_same_function_after_round_trip(network, seed);
}

TEST(RoundTrip, TorchReferenceModels) {
  const std::uint64_t seed = test::test_seed(20240610);
  int models = 0;
  for (const auto& entry : std::filesystem::directory_iterator(test::torch_data_dir()))
    if (entry.path().extension() == ".onnx") {
      expect_file_round_trip(entry.path(), seed);
      ++models;
    }
  EXPECT_GE(models, 9);
}

TEST(RoundTrip, AcasXuNetworks) {
  const auto dir = test::benchmarks_dir() / "acasxu" / "onnx";
  const std::uint64_t seed = test::test_seed(20240611);
  for (const auto& name : test::all_acasxu_network_names()) expect_file_round_trip(dir / name, seed);
}

TEST(RoundTrip, MnistFcNetworks) {
  const auto dir = test::benchmarks_dir() / "mnist_fc" / "onnx";
  const std::uint64_t seed = test::test_seed(20240612);
  for (const auto& name : test::mnist_fc_network_names()) expect_file_round_trip(dir / name, seed);
}

}  // namespace
}  // namespace certnn
