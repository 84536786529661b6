// Training throughput (items: training images per second) of one mini-batch step — forward,
// backward and the optimiser's update — of Gowal et al.'s small CNN on 28×28 images and of
// mlp:100x4 on 8×8 digits, batch 128, in the modes standard (cross-entropy), ibp (cross-entropy plus the IBP worst case, so a point
// pass and an interval pass) and crown-ibp (plus a CROWN pass back from the ten specifications),
// on one thread and on two. The images are random pixels: the
// work per step does not depend on their values.
#include <benchmark/benchmark.h>

#include <random>

#include "certnn/core/memory.hpp"
#include "certnn/train/architecture.hpp"
#include "certnn/train/optimizer.hpp"
#include "certnn/train/training_loss.hpp"

namespace {

using namespace certnn;

constexpr Eigen::Index kBatch = 128;

struct Architecture {
  const char* name;     // the benchmark's
  const char* spec;
  Shape sample_shape;
};

void run_training_step(benchmark::State& state, const Architecture& architecture,
                       const train::StepObjective& objective) {
  const int threads = static_cast<int>(state.range(0));
  train::TrainableNetwork network = train::build_architecture(architecture.spec, architecture.sample_shape, 10, 0);
  std::mt19937 rng(5);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  const Eigen::MatrixXd images =
      Eigen::MatrixXd::NullaryExpr(network.input_size(), kBatch, [&] { return unit(rng); });
  std::vector<std::int64_t> labels(kBatch);
  for (Eigen::Index s = 0; s < kBatch; ++s) labels[static_cast<std::size_t>(s)] = s % 10;
  train::Optimizer optimizer({train::OptimizerKind::Adam}, network.parameters.size());
  for (auto _ : state) {
    const train::StepResult step = train::training_step(network, images, labels, objective, threads);
    optimizer.step(network.parameters, step.gradient, 1e-4);
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
}

}  // namespace

int main(int argc, char** argv) {
  certnn::reuse_freed_memory_across_threads();  // as certnn train does
  benchmark::Initialize(&argc, argv);
  const train::StepObjective standard{1.0, 0.0, 0.0, bounds::Domain{0.0, 1.0}};
  const train::StepObjective ibp{0.5, 0.1, 0.0, bounds::Domain{0.0, 1.0}};
  const train::StepObjective crown_ibp{0.5, 0.1, 0.5, bounds::Domain{0.0, 1.0}};
  for (const Architecture& architecture : {Architecture{"BM_CnnSmallTrainingStep", "cnn-small", {1, 28, 28}},
                                            Architecture{"BM_Mlp100x4TrainingStep", "mlp:100x4", {64}}})
    for (const auto& [mode, objective] :
         {std::pair{"standard", standard}, std::pair{"ibp", ibp}, std::pair{"crown-ibp", crown_ibp}}) {
      const train::StepObjective chosen = objective;
      benchmark::RegisterBenchmark((std::string(architecture.name) + "/" + mode).c_str(),
                                   [architecture, chosen](benchmark::State& s) { run_training_step(s, architecture, chosen); })
          ->Arg(1)
          ->Arg(2)
          ->Unit(benchmark::kMillisecond)
          ->MinTime(3.0)  // the first steps fault the heap in: several iterations keep them out of the mean
          ->UseRealTime();
    }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
