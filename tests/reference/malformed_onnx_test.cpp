// Malformed ONNX input: whatever the bytes, import either gives a network or throws a
// certnn::Error (never another exception, never a crash), and a network it accepts evaluates
// without crashing. Seeded mutations of real models check the first part broadly; hand-built
// models check that each kind of defect gets its own clear message.
#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <functional>
#include <limits>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "certnn/core/error.hpp"
#include "certnn/model/forward.hpp"
#include "certnn/onnx/importer.hpp"
#include "test_support.hpp"

namespace certnn {
namespace {

// ---- seeded mutations of real models ----

// Mutated cases per (model, mutation kind).
constexpr int kCasesPerKind = 120;
// An accepted network is evaluated only when one sample costs at most this many multiply-adds,
// so that a mutation that makes a huge (but valid) layer cannot make the test slow.
constexpr double kMaxForwardCost = 2e7;

struct Outcome {
  int accepted = 0;
  int refused = 0;
};

// Rough multiply-add count of one forward pass.
double forward_cost(const model::Network& network) {
  double cost = 0;
  for (const auto& node : network.nodes()) {
    const double out = static_cast<double>(element_count(node.output_shape));
    double per_output = 1;
    if (const auto* dense = std::get_if<model::Dense>(&node.op)) per_output = static_cast<double>(dense->weight.cols());
    if (const auto* conv = std::get_if<model::Conv2d>(&node.op)) per_output = static_cast<double>(conv->weight.cols());
    if (const auto* pool = std::get_if<model::AveragePool>(&node.op))
      per_output = static_cast<double>(pool->window.kernel_h) * static_cast<double>(pool->window.kernel_w);
    if (const auto* pool = std::get_if<model::MaxPool>(&node.op))
      per_output = static_cast<double>(pool->window.kernel_h) * static_cast<double>(pool->window.kernel_w);
    cost += out * per_output + static_cast<double>(network.size(node.inputs[0]));
  }
  return cost;
}

// Imports `bytes`; fails the test when anything but a certnn::Error escapes, and evaluates an
// accepted network on one input (which may again only throw a certnn::Error).
void expect_clean_outcome(const std::string& bytes, const std::string& what, Outcome& outcome) {
  std::optional<model::Network> network;
  try {
    network.emplace(onnx::import_model_bytes(bytes, "mutated.onnx"));
  } catch (const Error& e) {
    ++outcome.refused;
    EXPECT_EQ(std::string(e.what()).rfind("mutated.onnx: ", 0), 0u) << what << ": " << e.what();
    return;
  } catch (const std::exception& e) {
    ADD_FAILURE() << what << ": import threw a non-certnn exception: " << e.what();
    return;
  } catch (...) {
    ADD_FAILURE() << what << ": import threw a non-exception";
    return;
  }
  ++outcome.accepted;
  if (forward_cost(*network) > kMaxForwardCost) return;
  try {
    const Eigen::MatrixXd input = Eigen::MatrixXd::Constant(network->input_size(), 1, 0.5);
    model::forward<double>(*network, input);
  } catch (const Error&) {
  } catch (const std::exception& e) {
    ADD_FAILURE() << what << ": forward threw a non-certnn exception: " << e.what();
  }
}

using Mutation = std::function<std::string(const std::string&, std::mt19937_64&)>;

std::size_t random_index(std::mt19937_64& rng, std::size_t size) {
  return std::uniform_int_distribution<std::size_t>(0, size - 1)(rng);
}
unsigned char random_byte(std::mt19937_64& rng) {
  return static_cast<unsigned char>(std::uniform_int_distribution<int>(0, 255)(rng));
}

std::string flip_bits(const std::string& bytes, std::mt19937_64& rng) {
  std::string out = bytes;
  const int flips = std::uniform_int_distribution<int>(1, 4)(rng);
  for (int i = 0; i < flips; ++i) out[random_index(rng, out.size())] ^= static_cast<char>(1 << (rng() % 8));
  return out;
}

// Overwrites a few bytes, half the time with values that stress varints and lengths.
std::string overwrite_bytes(const std::string& bytes, std::mt19937_64& rng) {
  static constexpr unsigned char kInteresting[] = {0x00, 0x01, 0x7f, 0x80, 0xff, 0xfe, 0x08, 0x10};
  std::string out = bytes;
  const int count = std::uniform_int_distribution<int>(1, 8)(rng);
  for (int i = 0; i < count; ++i) {
    const unsigned char value = rng() % 2 ? kInteresting[rng() % sizeof kInteresting] : random_byte(rng);
    out[random_index(rng, out.size())] = static_cast<char>(value);
  }
  return out;
}

std::string truncate(const std::string& bytes, std::mt19937_64& rng) {
  return bytes.substr(0, random_index(rng, bytes.size()));
}

std::string insert_bytes(const std::string& bytes, std::mt19937_64& rng) {
  std::string inserted(std::uniform_int_distribution<int>(1, 16)(rng), '\0');
  for (auto& c : inserted) c = static_cast<char>(random_byte(rng));
  std::string out = bytes;
  out.insert(random_index(rng, bytes.size() + 1), inserted);
  return out;
}

std::string delete_range(const std::string& bytes, std::mt19937_64& rng) {
  const std::size_t start = random_index(rng, bytes.size());
  const std::size_t length = std::uniform_int_distribution<std::size_t>(1, 32)(rng);
  std::string out = bytes;
  out.erase(start, length);
  return out;
}

// Copies a stretch of the file over another place (duplicated and misplaced protobuf fields).
std::string splice(const std::string& bytes, std::mt19937_64& rng) {
  const std::size_t from = random_index(rng, bytes.size());
  const std::size_t to = random_index(rng, bytes.size());
  const std::size_t length = std::min<std::size_t>({std::uniform_int_distribution<std::size_t>(1, 64)(rng),
                                                    bytes.size() - from, bytes.size() - to});
  std::string out = bytes;
  out.replace(to, length, bytes.substr(from, length));
  return out;
}

struct SourceModel {
  std::string name;
  std::string bytes;
};

// Models that use the importer's many paths: constant folding, padding, pooling, batch
// normalisation, residual connections, normalisation constants, softmax, MatMul+Add.
std::vector<SourceModel> source_models() {
  std::vector<SourceModel> models;
  for (const char* name : {"cnn_bn_pool_pad", "cnn_bn_pool_pad_keepbn", "residual_mlp", "normalized",
                           "channel_norm", "mlp_tanh"})
    models.push_back({name, test::read_file_bytes(test::torch_data_dir() / (std::string(name) + ".onnx"))});
  const auto acasxu = test::benchmarks_dir() / "acasxu" / "onnx" / test::acasxu_network_name(1, 1);
  models.push_back({"acasxu_1_1", test::read_file_bytes(acasxu)});
  return models;
}

void run_mutations(const std::string& kind, const Mutation& mutate, std::uint64_t seed) {
  Outcome outcome;
  for (const SourceModel& model : source_models()) {
    // One stream per (model, kind), so a case replays from the seed alone.
    std::mt19937_64 rng(seed ^ std::hash<std::string>{}(model.name + "/" + kind));
    for (int i = 0; i < kCasesPerKind; ++i)
      expect_clean_outcome(mutate(model.bytes, rng), model.name + " " + kind + " case " + std::to_string(i),
                           outcome);
  }
  std::cout << kind << ": " << outcome.accepted << " accepted, " << outcome.refused << " refused\n";
  EXPECT_GT(outcome.refused, 0) << "no mutation was refused: the mutations do not reach the importer";
}

TEST(MalformedOnnx, BitFlips) { run_mutations("bit flips", flip_bits, test::test_seed(101)); }
TEST(MalformedOnnx, ByteOverwrites) { run_mutations("byte overwrites", overwrite_bytes, test::test_seed(102)); }
TEST(MalformedOnnx, Truncations) { run_mutations("truncations", truncate, test::test_seed(103)); }
TEST(MalformedOnnx, Insertions) { run_mutations("insertions", insert_bytes, test::test_seed(104)); }
TEST(MalformedOnnx, Deletions) { run_mutations("deletions", delete_range, test::test_seed(105)); }
TEST(MalformedOnnx, Splices) { run_mutations("splices", splice, test::test_seed(106)); }

// ---- seeded mutations of the parsed model: valid protobuf, invalid model ----

// Values that break sizes and indices: zero, signs, powers of two around int32, just above the
// largest tensor and the ends of the int64 range. (Large sizes below the largest tensor are valid
// but make import allocate and fill up to gigabytes: too slow for thousands of cases.)
constexpr std::int64_t kInterestingIntegers[] = {0, 1, -1, 2, 3, -2, 7, 4096, (std::int64_t{1} << 28) + 1,
                                                 std::int64_t{1} << 31, (std::int64_t{1} << 31) - 1,
                                                 std::int64_t{1} << 62, std::numeric_limits<std::int64_t>::max(),
                                                 std::numeric_limits<std::int64_t>::min()};
constexpr float kInterestingFloats[] = {0.0f, -0.0f, 1.0f, -1.0f, 1e-45f, 1e30f, -1e30f,
                                        std::numeric_limits<float>::infinity(),
                                        std::numeric_limits<float>::quiet_NaN()};
// Operators the importer knows (as layers or constant folds), to swap node types among.
const char* const kKnownOperators[] = {
    "Gemm", "MatMul", "Conv", "Relu", "LeakyRelu", "Sigmoid", "Tanh", "Softmax", "Flatten", "Reshape",
    "Squeeze", "Unsqueeze", "Transpose", "Add", "Sub", "Mul", "Div", "Neg", "AveragePool", "MaxPool",
    "GlobalAveragePool", "GlobalMaxPool", "Pad", "BatchNormalization", "Identity", "Dropout", "Cast",
    "Shape", "Constant", "Gather", "Concat", "ConstantOfShape", "Slice"};

std::int64_t interesting_integer(std::mt19937_64& rng) {
  return kInterestingIntegers[random_index(rng, std::size(kInterestingIntegers))];
}

// Sets element `index` of a tensor's values (raw or typed) to an interesting value of its type.
void mutate_tensor_value(::onnx::TensorProto& tensor, std::mt19937_64& rng) {
  using P = ::onnx::TensorProto;
  const bool is_int64 = tensor.data_type() == P::INT64;
  const bool is_float = tensor.data_type() == P::FLOAT;
  if (!is_int64 && !is_float) return;
  if (tensor.has_raw_data()) {
    std::string raw = tensor.raw_data();
    const std::size_t width = is_int64 ? 8 : 4;
    if (raw.size() < width) return;
    const std::size_t at = random_index(rng, raw.size() / width) * width;
    if (is_int64) {
      const std::int64_t value = interesting_integer(rng);
      std::memcpy(raw.data() + at, &value, width);
    } else {
      const float value = kInterestingFloats[random_index(rng, std::size(kInterestingFloats))];
      std::memcpy(raw.data() + at, &value, width);
    }
    tensor.set_raw_data(raw);
  } else if (is_int64 && tensor.int64_data_size() > 0) {
    tensor.set_int64_data(static_cast<int>(random_index(rng, tensor.int64_data_size())), interesting_integer(rng));
  } else if (is_float && tensor.float_data_size() > 0) {
    tensor.set_float_data(static_cast<int>(random_index(rng, tensor.float_data_size())),
                          kInterestingFloats[random_index(rng, std::size(kInterestingFloats))]);
  }
}

void mutate_attribute(::onnx::AttributeProto& a, std::mt19937_64& rng) {
  switch (a.type()) {
    case ::onnx::AttributeProto::INT: a.set_i(interesting_integer(rng)); break;
    case ::onnx::AttributeProto::FLOAT: a.set_f(kInterestingFloats[random_index(rng, std::size(kInterestingFloats))]); break;
    case ::onnx::AttributeProto::INTS:
      if (a.ints_size() > 0 && rng() % 4 != 0) {
        a.set_ints(static_cast<int>(random_index(rng, a.ints_size())), interesting_integer(rng));
      } else if (a.ints_size() > 0 && rng() % 2 == 0) {
        a.mutable_ints()->RemoveLast();
      } else {
        a.add_ints(interesting_integer(rng));
      }
      break;
    case ::onnx::AttributeProto::TENSOR: mutate_tensor_value(*a.mutable_t(), rng); break;
    default: a.set_type(::onnx::AttributeProto::INTS); break;
  }
}

// All tensor names a node could read: the input, initializers and node outputs.
std::vector<std::string> tensor_names(const ::onnx::GraphProto& graph) {
  std::vector<std::string> names;
  for (const auto& input : graph.input()) names.push_back(input.name());
  for (const auto& init : graph.initializer()) names.push_back(init.name());
  for (const auto& node : graph.node())
    for (const auto& output : node.output()) names.push_back(output);
  return names;
}

// One change to the parsed model that keeps it a valid protobuf.
void mutate_model(::onnx::ModelProto& model, std::mt19937_64& rng) {
  auto& graph = *model.mutable_graph();
  if (graph.node_size() == 0) return;
  auto& node = *graph.mutable_node(static_cast<int>(random_index(rng, graph.node_size())));
  switch (rng() % 12) {
    case 0:
    case 1:
    case 2:
      if (node.attribute_size() > 0)
        mutate_attribute(*node.mutable_attribute(static_cast<int>(random_index(rng, node.attribute_size()))), rng);
      break;
    case 3:
    case 4:
      if (graph.initializer_size() > 0)
        mutate_tensor_value(*graph.mutable_initializer(static_cast<int>(random_index(rng, graph.initializer_size()))), rng);
      break;
    case 5:
      if (graph.initializer_size() > 0) {
        auto& init = *graph.mutable_initializer(static_cast<int>(random_index(rng, graph.initializer_size())));
        if (init.dims_size() > 0) {
          init.set_dims(static_cast<int>(random_index(rng, init.dims_size())), interesting_integer(rng));
        } else {
          init.add_dims(interesting_integer(rng));
        }
      }
      break;
    case 6: node.set_op_type(kKnownOperators[random_index(rng, std::size(kKnownOperators))]); break;
    case 7:
      if (node.input_size() > 0) {
        const auto names = tensor_names(graph);
        node.set_input(static_cast<int>(random_index(rng, node.input_size())),
                       rng() % 8 == 0 ? std::string() : names[random_index(rng, names.size())]);
      }
      break;
    case 8: {
      // Drop, duplicate or move a node.
      const int index = static_cast<int>(random_index(rng, graph.node_size()));
      const int other = static_cast<int>(random_index(rng, graph.node_size()));
      if (rng() % 3 == 0) {
        graph.mutable_node()->DeleteSubrange(index, 1);
      } else if (rng() % 2 == 0) {
        *graph.add_node() = graph.node(index);
      } else {
        graph.mutable_node()->SwapElements(index, other);
      }
      break;
    }
    case 9: {
      auto* dims = graph.mutable_input(0)->mutable_type()->mutable_tensor_type()->mutable_shape();
      if (dims->dim_size() > 0)
        dims->mutable_dim(static_cast<int>(random_index(rng, dims->dim_size())))->set_dim_value(interesting_integer(rng));
      break;
    }
    case 10:
      if (graph.initializer_size() > 0) {
        static constexpr int kTypes[] = {::onnx::TensorProto::FLOAT, ::onnx::TensorProto::DOUBLE,
                                         ::onnx::TensorProto::INT64, ::onnx::TensorProto::INT32,
                                         ::onnx::TensorProto::INT8, ::onnx::TensorProto::BOOL};
        graph.mutable_initializer(static_cast<int>(random_index(rng, graph.initializer_size())))
            ->set_data_type(kTypes[random_index(rng, std::size(kTypes))]);
      }
      break;
    default:
      model.mutable_opset_import(0)->set_version(7 + static_cast<std::int64_t>(rng() % 12));
      break;
  }
}

TEST(MalformedOnnx, FieldMutations) {
  const std::uint64_t seed = test::test_seed(108);
  Outcome outcome;
  for (const SourceModel& source : source_models()) {
    ::onnx::ModelProto original;
    ASSERT_TRUE(original.ParseFromString(source.bytes)) << source.name;
    std::mt19937_64 rng(seed ^ std::hash<std::string>{}(source.name));
    for (int i = 0; i < 4 * kCasesPerKind; ++i) {
      ::onnx::ModelProto model = original;
      const int changes = 1 + static_cast<int>(rng() % 3);
      for (int c = 0; c < changes; ++c) mutate_model(model, rng);
      expect_clean_outcome(model.SerializeAsString(), source.name + " field mutation case " + std::to_string(i),
                           outcome);
    }
  }
  std::cout << "field mutations: " << outcome.accepted << " accepted, " << outcome.refused << " refused\n";
  EXPECT_GT(outcome.refused, 0);
  EXPECT_GT(outcome.accepted, 0);
}

TEST(MalformedOnnx, RandomBytesAndText) {
  std::mt19937_64 rng(test::test_seed(107));
  Outcome outcome;
  for (int i = 0; i < 500; ++i) {
    std::string bytes(std::uniform_int_distribution<int>(1, 4096)(rng), '\0');
    for (auto& c : bytes) c = static_cast<char>(random_byte(rng));
    expect_clean_outcome(bytes, "random bytes case " + std::to_string(i), outcome);
  }
  expect_clean_outcome("", "empty file", outcome);
  expect_clean_outcome("ir_version: 8\ngraph { node { op_type: \"Relu\" } }\n", "text protobuf", outcome);
  expect_clean_outcome("x0,x1\n1,2\n", "a CSV file", outcome);
  EXPECT_EQ(outcome.accepted, 0);
}

// ---- hand-built models, each with one defect and its own message ----

// A valid model: input x [1,4] (float) -> Gemm(w [3,4], b [3], transB) -> Relu -> y.
struct ModelBuilder {
  ::onnx::ModelProto model;

  ModelBuilder() {
    model.set_ir_version(8);
    auto* opset = model.add_opset_import();
    opset->set_domain("");
    opset->set_version(13);
    auto& graph = *model.mutable_graph();
    graph.set_name("hand_built");
    add_tensor_info(*graph.add_input(), "x", ::onnx::TensorProto::FLOAT, {1, 4});
    add_tensor_info(*graph.add_output(), "y", ::onnx::TensorProto::FLOAT, {1, 3});
    add_float_initializer("w", {3, 4}, std::vector<float>(12, 0.5f));
    add_float_initializer("b", {3}, {1.0f, -1.0f, 0.25f});
    auto& gemm = add_node("Gemm", "fc", {"x", "w", "b"}, {"h"});
    auto* trans_b = gemm.add_attribute();
    trans_b->set_name("transB");
    trans_b->set_type(::onnx::AttributeProto::INT);
    trans_b->set_i(1);
    add_node("Relu", "relu", {"h"}, {"y"});
  }

  ::onnx::GraphProto& graph() { return *model.mutable_graph(); }

  static void add_tensor_info(::onnx::ValueInfoProto& info, const std::string& name, int type,
                              const std::vector<std::int64_t>& dims) {
    info.set_name(name);
    auto* tensor = info.mutable_type()->mutable_tensor_type();
    tensor->set_elem_type(type);
    for (auto d : dims) tensor->mutable_shape()->add_dim()->set_dim_value(d);
  }

  ::onnx::TensorProto& add_float_initializer(const std::string& name, const std::vector<std::int64_t>& dims,
                                             const std::vector<float>& values) {
    auto* t = graph().add_initializer();
    t->set_name(name);
    t->set_data_type(::onnx::TensorProto::FLOAT);
    for (auto d : dims) t->add_dims(d);
    t->set_raw_data(std::string(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(float)));
    return *t;
  }

  ::onnx::TensorProto& add_int64_initializer(const std::string& name, const std::vector<std::int64_t>& dims,
                                             const std::vector<std::int64_t>& values) {
    auto* t = graph().add_initializer();
    t->set_name(name);
    t->set_data_type(::onnx::TensorProto::INT64);
    for (auto d : dims) t->add_dims(d);
    for (auto v : values) t->add_int64_data(v);
    return *t;
  }

  ::onnx::NodeProto& add_node(const std::string& op, const std::string& name, const std::vector<std::string>& inputs,
                              const std::vector<std::string>& outputs) {
    auto* node = graph().add_node();
    node->set_op_type(op);
    node->set_name(name);
    for (const auto& i : inputs) node->add_input(i);
    for (const auto& o : outputs) node->add_output(o);
    return *node;
  }

  ::onnx::NodeProto& node(const std::string& name) {
    for (auto& n : *graph().mutable_node())
      if (n.name() == name) return n;
    throw std::runtime_error("no node " + name);
  }

  std::string bytes() const { return model.SerializeAsString(); }
};

void set_int_attribute(::onnx::NodeProto& node, const std::string& name, std::int64_t value) {
  auto* a = node.add_attribute();
  a->set_name(name);
  a->set_type(::onnx::AttributeProto::INT);
  a->set_i(value);
}
void set_ints_attribute(::onnx::NodeProto& node, const std::string& name, const std::vector<std::int64_t>& values) {
  auto* a = node.add_attribute();
  a->set_name(name);
  a->set_type(::onnx::AttributeProto::INTS);
  for (auto v : values) a->add_ints(v);
}

// Runs the import expecting an exception of type E whose message contains every fragment.
template <class E>
void expect_import_error(const std::string& bytes, const std::vector<std::string>& fragments) {
  try {
    onnx::import_model_bytes(bytes, "hand.onnx");
    ADD_FAILURE() << "the model was accepted";
  } catch (const E& e) {
    const std::string message = e.what();
    EXPECT_EQ(message.rfind("hand.onnx: ", 0), 0u) << message;
    for (const auto& fragment : fragments)
      EXPECT_NE(message.find(fragment), std::string::npos) << "'" << fragment << "' not in: " << message;
  } catch (const Error& e) {
    ADD_FAILURE() << "wrong certnn::Error subclass: " << e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "non-certnn exception: " << e.what();
  }
}

TEST(MalformedOnnx, HandBuiltBaseModelImports) {
  // The base of every defect below is itself valid, so each test sees only its own defect.
  const model::Network network = onnx::import_model_bytes(ModelBuilder().bytes(), "hand.onnx");
  EXPECT_EQ(network.input_size(), 4);
  EXPECT_EQ(network.output_size(), 3);
}

TEST(MalformedOnnx, EveryUnsupportedOperatorIsListedInOneError) {
  ModelBuilder b;
  b.node("relu").set_op_type("Swish");
  b.add_node("Erf", "erf", {"y"}, {"z"});
  auto& foreign = b.add_node("Relu", "contrib_relu", {"z"}, {"w2"});
  foreign.set_domain("com.microsoft");
  b.graph().mutable_output(0)->set_name("w2");
  expect_import_error<Unsupported>(b.bytes(), {"node 'relu' (Swish) is not supported",
                                               "node 'erf' (Erf) is not supported",
                                               "node 'contrib_relu' (Relu) is not supported"});
}

TEST(MalformedOnnx, UnnamedUnsupportedNodeIsNamedByOperatorAndPosition) {
  ModelBuilder b;
  b.node("relu").set_op_type("Swish");
  b.node("relu").clear_name();
  expect_import_error<Unsupported>(b.bytes(), {"node 'Swish_1' (Swish) is not supported"});
}

TEST(MalformedOnnx, InitializerWithShortRawData) {
  ModelBuilder b;
  auto& weight = *b.graph().mutable_initializer(0);
  weight.set_raw_data(weight.raw_data().substr(0, weight.raw_data().size() - 4));
  expect_import_error<ParseError>(b.bytes(), {"initializer 'w'", "44 bytes, expected 48"});
}

TEST(MalformedOnnx, InitializerWithTooFewValues) {
  ModelBuilder b;
  auto& bias = *b.graph().mutable_initializer(1);
  bias.clear_raw_data();
  bias.add_float_data(1.0f);
  expect_import_error<ParseError>(b.bytes(), {"initializer 'b'", "holds 1 values, its shape needs 3"});
}

TEST(MalformedOnnx, InitializerWithNegativeOrHugeDimensions) {
  ModelBuilder negative;
  negative.graph().mutable_initializer(1)->set_dims(0, -3);
  expect_import_error<ShapeError>(negative.bytes(), {});

  ModelBuilder huge;
  auto& w = *huge.graph().mutable_initializer(0);
  w.set_dims(0, std::int64_t{1} << 40);
  w.set_dims(1, std::int64_t{1} << 40);
  expect_import_error<ShapeError>(huge.bytes(), {});
}

TEST(MalformedOnnx, InitializerOfUnsupportedElementType) {
  ModelBuilder b;
  auto& bias = *b.graph().mutable_initializer(1);
  bias.set_data_type(::onnx::TensorProto::FLOAT16);
  expect_import_error<Unsupported>(b.bytes(), {"initializer 'b'", "element type 10"});
}

// A float of the initializer replaced, raw bytes and all.
void set_float(::onnx::TensorProto& tensor, std::size_t index, float value) {
  std::string raw = tensor.raw_data();
  std::memcpy(raw.data() + index * sizeof(float), &value, sizeof(float));
  tensor.set_raw_data(raw);
}

TEST(MalformedOnnx, NonFiniteParametersAreRefusedNamingEveryInitializer) {
  ModelBuilder b;
  set_float(*b.graph().mutable_initializer(0), 5, std::numeric_limits<float>::quiet_NaN());
  set_float(*b.graph().mutable_initializer(1), 2, -std::numeric_limits<float>::infinity());
  expect_import_error<ParseError>(b.bytes(), {"non-finite parameters", "initializer 'w' holds 1 NaN and 0 infinite of 12",
                                              "initializer 'b' holds 0 NaN and 1 infinite of 3"});
}

TEST(MalformedOnnx, NonFiniteConstantNodesAreRefusedNamingTheLayer) {
  // The bias comes from a Constant node, not an initializer: the layer it lands in is named.
  ModelBuilder b;
  auto& bias = *b.graph().mutable_initializer(1);
  auto& constant = b.add_node("Constant", "bias_constant", {}, {"b"});
  auto* value = constant.add_attribute();
  value->set_name("value");
  value->set_type(::onnx::AttributeProto::TENSOR);
  *value->mutable_t() = bias;
  set_float(*value->mutable_t(), 0, std::numeric_limits<float>::infinity());
  b.graph().mutable_initializer()->RemoveLast();
  // The Constant node must come before the Gemm that reads it.
  auto& nodes = *b.graph().mutable_node();
  for (int k = nodes.size() - 1; k > 0; --k) nodes.SwapElements(k, k - 1);
  expect_import_error<ParseError>(b.bytes(), {"non-finite parameters", "layer 'fc' (Dense) holds 0 NaN and 1 infinite"});
}

TEST(MalformedOnnx, NonFiniteAttributesAreRefusedNamingNodeAndAttribute) {
  ModelBuilder b;
  b.node("relu").set_op_type("LeakyRelu");
  auto* alpha = b.node("relu").add_attribute();
  alpha->set_name("alpha");
  alpha->set_type(::onnx::AttributeProto::FLOAT);
  alpha->set_f(std::numeric_limits<float>::quiet_NaN());
  expect_import_error<ParseError>(b.bytes(), {"node 'relu' (LeakyRelu)", "attribute 'alpha' is nan"});
}

TEST(MalformedOnnx, NonFiniteParametersAreListedWhenAskedFor) {
  ModelBuilder b;
  set_float(*b.graph().mutable_initializer(0), 0, std::numeric_limits<float>::quiet_NaN());
  std::vector<std::string> found;
  const model::Network network = onnx::import_model_bytes(b.bytes(), "hand.onnx", {.non_finite_tensors = &found});
  EXPECT_EQ(network.output_size(), 3);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0], "initializer 'w' holds 1 NaN and 0 infinite of 12 values");
  found.assign(1, "stale");
  onnx::import_model_bytes(ModelBuilder().bytes(), "hand.onnx", {.non_finite_tensors = &found});
  EXPECT_TRUE(found.empty());
}

// Inputs the fuzzer found (tests/fuzz/regressions/onnx_import): a few bytes of shape that asked
// for 1.6 GB of constant, and a reshape target whose element count overflowed int64.
TEST(MalformedOnnx, FuzzerFindingsAreRefusedCheaply) {
  const auto regression = [](const std::string& name) {
    return test::read_file_bytes(test::source_dir() / "tests" / "fuzz" / "regressions" / "onnx_import" / name);
  };
  try {
    onnx::import_model_bytes(regression("constant-of-shape-200m-elements.onnx"), "fuzz.onnx");
    ADD_FAILURE() << "accepted";
  } catch (const Unsupported& e) {
    EXPECT_NE(std::string(e.what()).find("(200000000 elements) is larger than certnn builds from constants"),
              std::string::npos)
        << e.what();
  }
  try {
    onnx::import_model_bytes(regression("reshape-target-overflow.onnx"), "fuzz.onnx");
    ADD_FAILURE() << "accepted";
  } catch (const ShapeError& e) {
    EXPECT_NE(std::string(e.what()).find("has more than 268435456 elements"), std::string::npos) << e.what();
  }
}

TEST(MalformedOnnx, ExternalData) {
  ModelBuilder b;
  auto& weight = *b.graph().mutable_initializer(0);
  weight.clear_raw_data();
  weight.set_data_location(::onnx::TensorProto::EXTERNAL);
  auto* entry = weight.add_external_data();
  entry->set_key("location");
  entry->set_value("weights.bin");
  expect_import_error<Unsupported>(b.bytes(), {"initializer 'w'", "external data"});
}

TEST(MalformedOnnx, NodeReadsAnUndefinedTensor) {
  ModelBuilder b;
  b.node("relu").set_input(0, "ghost");
  expect_import_error<ParseError>(b.bytes(), {"node 'relu' (Relu) reads 'ghost', which is not defined before it"});
}

TEST(MalformedOnnx, NodeReadsItsOwnOutput) {
  ModelBuilder b;
  b.node("relu").set_input(0, "y");
  expect_import_error<ParseError>(b.bytes(), {"node 'relu' (Relu) reads 'y'"});
}

TEST(MalformedOnnx, NodeMissingARequiredInput) {
  ModelBuilder b;
  b.node("fc").mutable_input()->RemoveLast();
  b.node("fc").mutable_input()->RemoveLast();
  expect_import_error<ParseError>(b.bytes(), {"node 'fc' (Gemm)", "missing input 1"});
}

TEST(MalformedOnnx, GraphWithoutNodes) {
  ModelBuilder b;
  b.graph().clear_node();
  expect_import_error<ParseError>(b.bytes(), {"no graph nodes"});
}

TEST(MalformedOnnx, TwoGraphInputs) {
  ModelBuilder b;
  ModelBuilder::add_tensor_info(*b.graph().add_input(), "second", ::onnx::TensorProto::FLOAT, {1, 4});
  expect_import_error<Unsupported>(b.bytes(), {"more than one input", "'x'", "'second'"});
}

TEST(MalformedOnnx, InitializersListedAsInputsAreNotInputs) {
  // Old exporters list every initializer among the graph inputs: still one real input.
  ModelBuilder b;
  ModelBuilder::add_tensor_info(*b.graph().add_input(), "w", ::onnx::TensorProto::FLOAT, {3, 4});
  EXPECT_NO_THROW(onnx::import_model_bytes(b.bytes(), "hand.onnx"));
}

TEST(MalformedOnnx, TwoGraphOutputs) {
  ModelBuilder b;
  ModelBuilder::add_tensor_info(*b.graph().add_output(), "h", ::onnx::TensorProto::FLOAT, {1, 3});
  expect_import_error<Unsupported>(b.bytes(), {"2 outputs"});
}

TEST(MalformedOnnx, OutputThatDoesNotDependOnTheInput) {
  ModelBuilder b;
  b.add_node("Identity", "copy_bias", {"b"}, {"constant_out"});
  b.graph().mutable_output(0)->set_name("constant_out");
  expect_import_error<Unsupported>(b.bytes(), {"graph output 'constant_out' does not depend on the input"});
}

TEST(MalformedOnnx, OutputThatIsNeverComputed) {
  ModelBuilder b;
  b.graph().mutable_output(0)->set_name("nowhere");
  expect_import_error<ParseError>(b.bytes(), {"graph output 'nowhere' is never computed"});
}

TEST(MalformedOnnx, GroupedConvolution) {
  ModelBuilder b;
  b.graph().clear_node();
  b.graph().clear_initializer();
  b.graph().mutable_input(0)->mutable_type()->mutable_tensor_type()->mutable_shape()->Clear();
  for (std::int64_t d : {1, 2, 4, 4})
    b.graph().mutable_input(0)->mutable_type()->mutable_tensor_type()->mutable_shape()->add_dim()->set_dim_value(d);
  b.add_float_initializer("kernel", {2, 1, 3, 3}, std::vector<float>(18, 0.125f));
  set_int_attribute(b.add_node("Conv", "grouped", {"x", "kernel"}, {"y"}), "group", 2);
  expect_import_error<Unsupported>(b.bytes(), {"node 'grouped' (Conv)", "grouped convolution"});
}

TEST(MalformedOnnx, NonFloatInputType) {
  ModelBuilder b;
  b.graph().mutable_input(0)->mutable_type()->mutable_tensor_type()->set_elem_type(::onnx::TensorProto::INT64);
  expect_import_error<Unsupported>(b.bytes(), {"input 'x' has element type 7", "float or double"});
}

TEST(MalformedOnnx, InputWithUnknownDimension) {
  ModelBuilder b;
  b.graph().mutable_input(0)->mutable_type()->mutable_tensor_type()->mutable_shape()->mutable_dim(1)->set_dim_param("n");
  expect_import_error<Unsupported>(b.bytes(), {"input 'x': dimension 1 is not fixed"});
}

TEST(MalformedOnnx, UnsupportedOpset) {
  ModelBuilder b;
  b.model.mutable_opset_import(0)->set_version(99);
  expect_import_error<Unsupported>(b.bytes(), {"opset 99 is not supported"});
}

TEST(MalformedOnnx, NoDefaultOpset) {
  ModelBuilder b;
  b.model.mutable_opset_import(0)->set_domain("com.example");
  expect_import_error<ParseError>(b.bytes(), {"no opset"});
}

TEST(MalformedOnnx, EmptyAndNonOnnxBytes) {
  expect_import_error<ParseError>("", {"empty"});
  expect_import_error<ParseError>("this is a text file, not a model\n", {"not an ONNX model"});
}

TEST(MalformedOnnx, MissingFile) {
  const std::string path = (std::filesystem::temp_directory_path() / "certnn_no_such_model.onnx").string();
  try {
    onnx::import_model(path);
    ADD_FAILURE() << "a missing file was imported";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
  }
}

TEST(MalformedOnnx, ReshapeToAWrongElementCount) {
  ModelBuilder b;
  b.add_int64_initializer("target", {2}, {2, 2});
  b.add_node("Reshape", "reshape", {"y", "target"}, {"z"});
  b.graph().mutable_output(0)->set_name("z");
  expect_import_error<ShapeError>(b.bytes(), {"node 'reshape' (Reshape)", "cannot reshape [1,3]"});
}

// Constant folding on int64 values must detect overflow, including the one case where C++
// integer division itself traps (the most negative value divided by -1).
TEST(MalformedOnnx, ConstantIntegerOverflow) {
  for (const char* op : {"Div", "Mul", "Add", "Sub"}) {
    SCOPED_TRACE(op);
    ModelBuilder b;
    const std::int64_t lowest = std::numeric_limits<std::int64_t>::min();
    b.add_int64_initializer("lowest", {1}, {lowest});
    // lowest / -1, lowest * -1, lowest + lowest and lowest - 1 all leave the int64 range.
    const std::string name = op;
    const std::int64_t other = name == "Add" ? lowest : name == "Sub" ? 1 : -1;
    b.add_int64_initializer("other", {1}, {other});
    b.add_node(op, "fold", {"lowest", "other"}, {"folded"});
    expect_import_error<Unsupported>(b.bytes(), {"node 'fold'", "overflow"});
  }
}

// Pads and windows near the int64 range must be refused at import, not wrap around to a small
// shape that the forward pass then writes outside of.
TEST(MalformedOnnx, PadsThatOverflowTheShape) {
  ModelBuilder b;
  const std::int64_t huge = std::numeric_limits<std::int64_t>::max();
  b.add_int64_initializer("pads", {4}, {0, huge, 0, huge});
  b.add_node("Pad", "pad", {"y", "pads"}, {"padded"});
  b.graph().mutable_output(0)->set_name("padded");
  expect_import_error<ShapeError>(b.bytes(), {"node 'pad' (Pad)"});
}

TEST(MalformedOnnx, WindowsThatOverflowTheShape) {
  const std::int64_t huge = std::numeric_limits<std::int64_t>::max();
  struct Case {
    const char* what;
    std::vector<std::int64_t> kernel, pads, dilations;
  };
  for (const Case& c : {Case{"pads", {1, 1}, {0, huge, 0, huge}, {1, 1}},
                        Case{"dilations", {1, 5}, {0, 0, 0, 0}, {1, std::int64_t{1} << 62}},
                        Case{"kernel", {1, huge}, {0, huge, 0, 2}, {1, 1}}}) {
    SCOPED_TRACE(c.what);
    ModelBuilder b;
    b.add_int64_initializer("image", {4}, {1, 1, 1, 3});
    b.add_node("Reshape", "to_image", {"y", "image"}, {"image_value"});
    auto& pool = b.add_node("AveragePool", "pool", {"image_value"}, {"pooled"});
    set_ints_attribute(pool, "kernel_shape", c.kernel);
    set_ints_attribute(pool, "pads", c.pads);
    set_ints_attribute(pool, "dilations", c.dilations);
    b.graph().mutable_output(0)->set_name("pooled");
    expect_import_error<ShapeError>(b.bytes(), {"node 'pool' (AveragePool)"});
  }
}

}  // namespace
}  // namespace certnn
