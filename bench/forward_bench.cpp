// Forward throughput (inputs per second) of the batched evaluator on two reference shapes:
// a 6x100 ReLU MLP on 784 inputs and the small CNN of Gowal et al. (2018) on 1x28x28 inputs,
// in float64 and float32, at batch sizes 1 and 256.
#include <benchmark/benchmark.h>

#include <random>

#include "certnn/model/forward.hpp"
#include "certnn/model/shape_inference.hpp"

namespace {

using namespace certnn::model;

Eigen::MatrixXd random_matrix(Eigen::Index rows, Eigen::Index cols, std::mt19937& rng) {
  std::normal_distribution<double> normal(0.0, 1.0 / std::sqrt(static_cast<double>(cols)));
  return Eigen::MatrixXd::NullaryExpr(rows, cols, [&] { return normal(rng); });
}

ValueId add_dense(Network& net, ValueId x, Eigen::Index out, std::mt19937& rng, const std::string& name) {
  const Eigen::Index in = net.size(x);
  return net.add(name, Dense{random_matrix(out, in, rng), Eigen::VectorXd::Zero(out)}, {x});
}

Network mlp_6x100() {
  std::mt19937 rng(1);
  Network net({1, 784});
  ValueId x = kInputValue;
  for (int layer = 0; layer < 6; ++layer) {
    x = add_dense(net, x, 100, rng, "dense" + std::to_string(layer));
    x = net.add("relu" + std::to_string(layer), Relu{}, {x});
  }
  add_dense(net, x, 10, rng, "logits");
  return net;
}

ValueId add_conv(Network& net, ValueId x, std::int64_t out_channels, std::mt19937& rng, const std::string& name) {
  const auto& in = net.shape(x);
  Window2d w;
  w.channels = in[1];
  w.in_h = in[2];
  w.in_w = in[3];
  w.kernel_h = w.kernel_w = 4;
  w.stride_h = w.stride_w = 2;
  w.pad_top = w.pad_left = w.pad_bottom = w.pad_right = 1;
  complete_window(w);
  Conv2d conv{w, out_channels, random_matrix(out_channels, w.channels * 16, rng), Eigen::VectorXd::Zero(out_channels)};
  return net.add(name, std::move(conv), {x});
}

// cnn-small: conv 16 4x4/2, conv 32 4x4/2, dense 100, dense 10 (ReLU between).
Network cnn_small() {
  std::mt19937 rng(2);
  Network net({1, 1, 28, 28});
  ValueId x = net.add("relu0", Relu{}, {add_conv(net, kInputValue, 16, rng, "conv0")});
  x = net.add("relu1", Relu{}, {add_conv(net, x, 32, rng, "conv1")});
  x = net.add("flatten", Reshape{{1, net.size(x)}}, {x});
  x = net.add("relu2", Relu{}, {add_dense(net, x, 100, rng, "dense")});
  add_dense(net, x, 10, rng, "logits");
  return net;
}

template <class T>
void run_forward(benchmark::State& state, const Network& net) {
  const auto batch = state.range(0);
  std::mt19937 rng(3);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  const Batch<T> inputs = Eigen::MatrixXd::NullaryExpr(net.input_size(), batch, [&] { return unit(rng); }).template cast<T>();
  for (auto _ : state) benchmark::DoNotOptimize(forward<T>(net, inputs));
  state.SetItemsProcessed(state.iterations() * batch);
}

template <class T>
void BM_Mlp6x100(benchmark::State& state) {
  static const Network net = mlp_6x100();
  run_forward<T>(state, net);
}
template <class T>
void BM_CnnSmall(benchmark::State& state) {
  static const Network net = cnn_small();
  run_forward<T>(state, net);
}

BENCHMARK_TEMPLATE(BM_Mlp6x100, double)->Arg(1)->Arg(256);
BENCHMARK_TEMPLATE(BM_Mlp6x100, float)->Arg(1)->Arg(256);
BENCHMARK_TEMPLATE(BM_CnnSmall, double)->Arg(1)->Arg(256);
BENCHMARK_TEMPLATE(BM_CnnSmall, float)->Arg(1)->Arg(256);

}  // namespace
