// Bounds per second of every registered bound method on the reference networks
// (bench_networks.hpp: 6x100 and 9x200 ReLU MLPs, the small CNN of Gowal et al.) over an
// L∞ ball of radius 0.01 around a random point of [0, 1]^n. A method that refuses a network
// (certnn::Unsupported) is reported as skipped with its message.
#include <benchmark/benchmark.h>

#include <random>

#include "bench_networks.hpp"
#include "certnn/bounds/method.hpp"
#include "certnn/core/error.hpp"

namespace {

using namespace certnn;

constexpr double kEps = 0.01;

void run_bounds(benchmark::State& state, const model::Network& net, const std::string& method_name) {
  const auto method = bounds::make_method(method_name);
  std::mt19937 rng(3);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  const Eigen::VectorXd centre = Eigen::VectorXd::NullaryExpr(net.input_size(), [&] { return unit(rng); });
  const bounds::Box box = bounds::linf_ball(centre, kEps, bounds::Domain{});
  bounds::Options options;
  options.samples = 100;
  try {
    method->check(net);
    for (auto _ : state) benchmark::DoNotOptimize(method->propagate(net, box, options));
    const bounds::Box out = method->propagate(net, box, options).output;
    state.counters["mean_width"] = out.width().mean();
  } catch (const Unsupported& e) {
    state.SkipWithError(e.what());
    return;
  }
  state.SetItemsProcessed(state.iterations());
}

void register_all() {
  static const model::Network mlp6 = bench::relu_mlp(6, 100), mlp9 = bench::relu_mlp(9, 200),
                              cnn = bench::cnn_small();
  for (const std::string& name : bounds::method_names()) {
    for (const auto& [label, net] : {std::pair{"Mlp6x100", &mlp6}, std::pair{"Mlp9x200", &mlp9},
                                     std::pair{"CnnSmall", &cnn}}) {
      const model::Network* network = net;
      benchmark::RegisterBenchmark(("BM_Bounds/" + name + "/" + label).c_str(),
                                   [network, name](benchmark::State& s) { run_bounds(s, *network, name); })
          ->Unit(benchmark::kMillisecond);
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  register_all();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
