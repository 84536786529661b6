// The seed paper's first experiment ("Make Interval Bound Propagation great again", Theorem 2.1):
// on random orthogonal linear networks, IBP's output width grows with depth like
// (E‖row of |W|‖₁)^depth ≈ (√(2n/π))^depth relative to the input, while the exact output width
// does not grow at all; affine and doubleton arithmetic stay at the exact width (to rounding).
// Prints, per width n and depth, each method's width divided by the exact width; with a file
// argument also writes the figure as a Vega-Lite spec {"orthogonal": spec}, which
// tools/vega/render_svg.mjs draws:
//   build/bench/orthogonal_experiment [SPECS.json]
#include <Eigen/QR>
#include <cmath>
#include <iomanip>
#include <iostream>
#include <fstream>
#include <nlohmann/json.hpp>
#include <numbers>
#include <random>

#include "certnn/bounds/method.hpp"
#include "certnn/model/network.hpp"

namespace {

using namespace certnn;

Eigen::MatrixXd random_orthogonal(Eigen::Index n, std::mt19937& rng) {
  std::normal_distribution<double> normal(0.0, 1.0);
  const Eigen::MatrixXd a = Eigen::MatrixXd::NullaryExpr(n, n, [&] { return normal(rng); });
  return Eigen::HouseholderQR<Eigen::MatrixXd>(a).householderQ();
}


// Width ratio against depth, log scale, one panel per width n; the theorem's growth dashed.
nlohmann::json figure(nlohmann::json rows) {
  return {{"$schema", "https://vega.github.io/schema/vega-lite/v6.json"},
          {"title", "Random orthogonal networks: output width / exact width against depth"},
          {"data", {{"name", "table"}, {"values", std::move(rows)}}},
          {"width", 150},
          {"height", 180},
          {"mark", {{"type", "line"}, {"point", true}}},
          {"encoding",
           {{"x", {{"field", "depth"}, {"type", "quantitative"}}},
            {"y", {{"field", "ratio"}, {"type", "quantitative"}, {"scale", {{"type", "log"}}},
                   {"title", "width / exact width"}}},
            {"color", {{"field", "method"}, {"type", "nominal"}}},
            {"strokeDash", {{"field", "bound"}, {"type", "nominal"}, {"title", ""}}},
            {"column", {{"field", "n"}, {"type", "ordinal"}, {"title", "width n"}}}}}};
}

}  // namespace

int main(int argc, char** argv) {
  constexpr double kRadius = 0.01;
  nlohmann::json rows = nlohmann::json::array();
  std::vector<std::string> methods;
  for (const std::string& name : bounds::method_names())
    if (name != "sample" && bounds::make_method(name)) methods.push_back(name);
  std::cout << "width / exact width on random orthogonal networks (input radius " << kRadius << ")\n"
            << std::left << std::setw(6) << "n" << std::setw(7) << "depth" << std::setw(14) << "theorem";
  for (const auto& m : methods) std::cout << std::setw(14) << m;
  std::cout << "\n";
  std::mt19937 rng(7);
  for (const Eigen::Index n : {16, 32, 64, 128}) {
    for (const int depth : {1, 2, 5, 10, 20}) {
      model::Network net({1, n});
      model::ValueId x = model::kInputValue;
      Eigen::MatrixXd product = Eigen::MatrixXd::Identity(n, n);
      for (int layer = 0; layer < depth; ++layer) {
        const Eigen::MatrixXd q = random_orthogonal(n, rng);
        product = q * product;
        x = net.add("dense" + std::to_string(layer), model::Dense{q, Eigen::VectorXd::Zero(n)}, {x});
      }
      net.set_output(x);
      std::uniform_real_distribution<double> unit(0.0, 1.0);
      const Eigen::VectorXd centre = Eigen::VectorXd::NullaryExpr(n, [&] { return unit(rng); });
      const bounds::Box box = bounds::linf_ball(centre, kRadius, std::nullopt);
      // Exact width of an affine map over a box: 2·|M|·r (rounding of the product is far below
      // the ratios printed).
      const double exact = (2.0 * kRadius * product.cwiseAbs().rowwise().sum()).mean();
      const double theorem = std::pow(std::sqrt(2.0 * static_cast<double>(n) / std::numbers::pi), depth - 1);
      std::cout << std::setw(6) << n << std::setw(7) << depth << std::setw(14) << std::setprecision(4) << theorem;
      rows.push_back({{"n", n}, {"depth", depth}, {"method", "ibp"}, {"bound", "theorem 2.1"}, {"ratio", theorem}});
      for (const auto& m : methods) {
        const bounds::Box out = bounds::make_method(m)->propagate(net, box, bounds::Options{}).output;
        const double ratio = out.width().mean() / exact;
        std::cout << std::setw(14) << std::setprecision(6) << ratio;
        rows.push_back({{"n", n}, {"depth", depth}, {"method", m}, {"bound", "measured"}, {"ratio", ratio}});
      }
      std::cout << "\n";
    }
  }
  if (argc > 1) {
    std::ofstream(argv[1]) << nlohmann::json{{"orthogonal", figure(std::move(rows))}}.dump(1) << "\n";
    std::cout << "figure spec written to " << argv[1] << "\n";
  }
  return 0;
}
