// Bound tightness on a VNN-COMP benchmark: for every instance, each sound method bounds the
// property's margins a·y − b over the input box (the property appended to the network as one
// dense layer, so correlation-keeping methods bound the margins themselves, not a box around the
// outputs), and the instance's margin is min over disjuncts of max over their constraints of the
// lower bound (> 0: proved without branching). Prints, per network, the mean margin, the number
// of instances proved and the mean time of each method.
//
//   spec_margins INSTANCES.csv [METHOD...]     (default: ibp affine crown alpha-crown)
#include <chrono>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <map>

#include "certnn/bounds/method.hpp"
#include "certnn/core/error.hpp"
#include "certnn/onnx/importer.hpp"
#include "certnn/spec/vnnlib.hpp"
#include "certnn/verify/instances.hpp"
#include "certnn/verify/problem.hpp"

namespace {

using namespace certnn;

struct Tally {
  double margin_sum = 0.0, seconds = 0.0;
  int instances = 0, proved = 0;
};

// The instance's margin: the worst disjunct's best constraint, over every group.
double instance_margin(const model::Network& network, const spec::Property& property, const bounds::Method& method) {
  double worst = std::numeric_limits<double>::infinity();
  for (const verify::Group& group : verify::group_disjuncts(property)) {
    model::Network margins = network;
    margins.set_output(margins.add("margins", model::Dense{group.coefficients.transpose(), -group.bound_hi},
                                   {network.output()}));
    const bounds::Result result = method.propagate(margins, group.box, bounds::Options{});
    for (const auto& disjunct : group.disjuncts) {
      double best = -std::numeric_limits<double>::infinity();
      for (Eigen::Index c : disjunct) best = std::max(best, result.output.lower[c]);
      worst = std::min(worst, best);
    }
  }
  return worst;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: spec_margins INSTANCES.csv [METHOD...]\n";
    return 1;
  }
  std::vector<std::string> methods{"ibp", "affine", "crown", "alpha-crown"};
  if (argc > 2) methods.assign(argv + 2, argv + argc);
  try {
    const std::filesystem::path root = std::filesystem::path(argv[1]).parent_path();
    std::map<std::string, std::map<std::string, Tally>> table;  // network -> method -> tally
    for (const verify::Instance& instance : verify::read_instances(argv[1])) {
      const model::Network network = onnx::import_model(verify::instance_path(root.string(), instance.onnx));
      const spec::Property property = spec::read_vnnlib(verify::instance_path(root.string(), instance.vnnlib));
      for (const std::string& name : methods) {
        const auto method = bounds::make_method(name);
        const auto start = std::chrono::steady_clock::now();
        const double margin = instance_margin(network, property, *method);
        Tally& t = table[instance.onnx][name];
        t.seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        t.margin_sum += margin;
        t.proved += margin > 0;
        ++t.instances;
      }
    }
    std::cout << std::left << std::setw(28) << "network" << std::setw(13) << "method" << std::setw(14)
              << "mean margin" << std::setw(9) << "proved" << "mean seconds\n";
    for (const auto& [network, row] : table)
      for (const std::string& name : methods) {
        const Tally& t = row.at(name);
        std::cout << std::left << std::setw(28) << network << std::setw(13) << name << std::setw(14) << std::setprecision(5)
                  << t.margin_sum / t.instances << std::setw(9)
                  << (std::to_string(t.proved) + "/" + std::to_string(t.instances)) << std::setprecision(3)
                  << t.seconds / t.instances << "\n";
      }
  } catch (const Error& e) {
    std::cerr << "spec_margins: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
