// PGD steps per second (items: input-steps, one forward and one backward pass of one input) on
// the reference networks of bench_networks.hpp — the 6x100 ReLU MLP on 784 inputs and the small
// CNN of Gowal et al. — over L∞ balls of radius 0.03 around random points of [0, 1]^n. The batch
// size is the argument: 100 inputs in one batch against the same work one input at a time shows
// what batching the attack is worth.
#include <benchmark/benchmark.h>

#include <random>

#include "bench_networks.hpp"
#include "certnn/attack/pgd.hpp"
#include "certnn/attack/prediction.hpp"
#include "certnn/core/memory.hpp"

namespace {

using namespace certnn;

constexpr int kSteps = 20;
constexpr int kInputs = 100;

void run_pgd(benchmark::State& state, const model::Network& net) {
  const auto batch = static_cast<Eigen::Index>(state.range(0));
  std::mt19937 rng(5);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  const Eigen::MatrixXd inputs = Eigen::MatrixXd::NullaryExpr(net.input_size(), kInputs, [&] { return unit(rng); });
  const std::vector<std::int64_t> labels = attack::predict(net, inputs);
  attack::Options options;
  options.eps = 0.03;
  options.steps = kSteps;
  options.domain = bounds::Domain{0, 1};
  options.stop_at_success = false;  // every input runs every step: a fixed amount of work
  for (auto _ : state) {
    for (Eigen::Index first = 0; first < kInputs; first += batch) {
      const std::vector<std::int64_t> part(labels.begin() + first, labels.begin() + first + batch);
      benchmark::DoNotOptimize(attack::pgd(net, inputs.middleCols(first, batch), part, options));
    }
  }
  state.SetItemsProcessed(state.iterations() * kInputs * kSteps);
}

void register_all() {
  static const model::Network mlp6 = bench::relu_mlp(6, 100), cnn = bench::cnn_small();
  for (const auto& [label, net] : {std::pair{"Mlp6x100", &mlp6}, std::pair{"CnnSmall", &cnn}}) {
    const model::Network* network = net;
    benchmark::RegisterBenchmark((std::string("BM_PgdSteps/") + label).c_str(),
                                 [network](benchmark::State& s) { run_pgd(s, *network); })
        ->Arg(kInputs)
        ->Arg(1)
        ->Unit(benchmark::kMillisecond);
  }
}

}  // namespace

int main(int argc, char** argv) {
  certnn::reuse_freed_memory();  // as the CLI does
  benchmark::Initialize(&argc, argv);
  register_all();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
