#include "certnn/bounds/width_sweep.hpp"

#include <chrono>
#include <cmath>

#include "certnn/core/error.hpp"
#include "certnn/core/real_text.hpp"

namespace certnn::bounds {

std::vector<double> log_spaced(double lo, double hi, int count) {
  if (!(0 < lo && lo <= hi && std::isfinite(hi)) || count < 1)
    throw Error("an eps range needs 0 < EPS_MIN <= EPS_MAX and at least one value; got " + format_real(lo) + ", " +
                format_real(hi));
  std::vector<double> values;
  for (int k = 0; k < count; ++k)
    values.push_back(count == 1 ? lo : lo * std::pow(hi / lo, static_cast<double>(k) / (count - 1)));
  values.back() = hi;
  return values;
}

model::Network with_softmax_output(model::Network network) {
  const bool ends_in_softmax =
      !network.nodes().empty() && std::holds_alternative<model::Softmax>(network.nodes().back().op);
  if (!ends_in_softmax) {
    const model::ValueId logits = network.output();
    network.set_output(network.add("appended_softmax", model::Softmax{network.size(logits)}, {logits}));
  }
  return network;
}

std::vector<WidthSweepPoint> width_sweep(const model::Network& network, const std::vector<const Method*>& methods,
                                         const Eigen::MatrixXd& centres, const std::vector<double>& eps,
                                         const WidthSweepOptions& options) {
  if (centres.rows() == 0) throw Error("the width sweep needs at least one centre");
  const auto stopped = [&] { return options.stop && options.stop->load(); };
  std::vector<WidthSweepPoint> points;
  for (std::size_t k = 0; k < eps.size() && !stopped(); ++k) {
    WidthSweepPoint point{eps[k], {}};
    for (const Method* method : methods) {
      double widest_sum = 0, seconds = 0;
      for (Eigen::Index c = 0; c < centres.rows(); ++c) {
        if (stopped()) return points;
        if (options.progress) options.progress(k, *method, c);
        const auto start = std::chrono::steady_clock::now();
        const Result result =
            method->propagate(network, linf_ball(centres.row(c).transpose(), eps[k], options.domain), options.bounds);
        seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        widest_sum += result.output.width().maxCoeff();
      }
      const auto n = static_cast<double>(centres.rows());
      point.methods.push_back({std::string(method->name()), widest_sum / n, seconds / n});
    }
    if (options.point_done) options.point_done(point);
    points.push_back(std::move(point));
  }
  return points;
}

}  // namespace certnn::bounds
