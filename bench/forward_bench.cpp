// Forward throughput (inputs per second) of the batched evaluator on two reference shapes
// (bench_networks.hpp): a 6x100 ReLU MLP and the small CNN of Gowal et al. (2018), in float64
// and float32, at batch sizes 1 and 256.
#include <benchmark/benchmark.h>

#include <random>

#include "certnn/core/memory.hpp"
#include "certnn/model/forward.hpp"
#include "bench_networks.hpp"

namespace {

using namespace certnn::model;
using certnn::bench::cnn_small;

Network mlp_6x100() { return certnn::bench::relu_mlp(6, 100); }

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

int main(int argc, char** argv) {
  certnn::reuse_freed_memory();  // as the CLI does
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
