#include "certnn/attack/radius.hpp"

#include <cmath>

#include "certnn/attack/pgd.hpp"
#include "certnn/core/error.hpp"

namespace certnn::attack {
namespace {

using Eigen::Index;

// Below this fraction of max_eps a radius counts as zero: no ball is certified, or the input
// itself is misclassified.
constexpr double kSmallestRadius = 0x1p-20;

double domain_diameter(const Options& attack, Index dimension) {
  if (!attack.domain) throw Error("radius: without an input domain, give the largest radius to search (max_eps)");
  const double width = attack.domain->upper - attack.domain->lower;
  return attack.norm == Norm::L2 ? width * std::sqrt(static_cast<double>(dimension)) : width;
}

}  // namespace

model::Network margin_network(const model::Network& network, std::int64_t label) {
  const Index classes = network.output_size();
  if (label < 0 || label >= classes)
    throw Error("radius: label " + std::to_string(label) + " is not a class of a network with " +
                std::to_string(classes) + " outputs");
  Eigen::MatrixXd weight = Eigen::MatrixXd::Zero(classes - 1, classes);
  for (Index j = 0, row = 0; j < classes; ++j) {
    if (j == label) continue;
    weight(row, label) = 1.0;
    weight(row++, j) = -1.0;
  }
  model::Network margins = network;
  margins.set_output(margins.add("certnn_margins", model::Dense{std::move(weight), Eigen::VectorXd::Zero(classes - 1)},
                                 {network.output()}));
  return margins;
}

bool certifies(const bounds::Method& method, const model::Network& margins, const Eigen::VectorXd& input, double eps,
               const std::optional<bounds::Domain>& domain, const bounds::Options& options) {
  const bounds::Result result = method.propagate(margins, bounds::linf_ball(input, eps, domain), options);
  return result.sound && (result.output.lower.array() > 0.0).all();
}

Radius robustness_radius(const model::Network& network, const Eigen::VectorXd& input, std::int64_t label,
                         const RadiusOptions& options) {
  const auto method = bounds::make_method(options.method);
  const model::Network margins = margin_network(network, label);
  method->check(margins);
  check_options(options.attack, network);
  const double max_eps = options.max_eps ? *options.max_eps : domain_diameter(options.attack, input.size());
  if (!(std::isfinite(max_eps) && max_eps > 0.0))
    throw Error("radius: the largest radius to search must be a finite number > 0");
  const double tolerance = options.relative_tolerance;
  if (!(tolerance > 0.0 && tolerance < 1.0))
    throw Error("radius: the relative tolerance must lie strictly between 0 and 1");
  const std::int64_t labels[] = {label};
  Radius radius;
  radius.label = label;

  // Attacked: the smallest distance of a counterexample, halving the gap between the largest
  // radius where PGD failed and the closest counterexample so far.
  const auto attack_at = [&](double eps) {
    Options settings = options.attack;
    settings.eps = eps;
    Outcome outcome = pgd(network, input, labels, settings).front();
    for (std::int64_t target = 0; options.every_target && !outcome.success && target < network.output_size(); ++target) {
      if (target == label) continue;
      settings.target = target;
      outcome = pgd(network, input, labels, settings).front();
    }
    return outcome;
  };
  Outcome found = attack_at(max_eps);
  if (found.success) {
    double failed = 0.0;
    while (found.norm - failed > tolerance * found.norm) {
      const double mid = 0.5 * (failed + found.norm);
      Outcome closer = attack_at(mid);
      if (closer.success && closer.norm < found.norm) {
        found = std::move(closer);
      } else {
        failed = mid;
      }
    }
    radius.attacked = found.norm;
    radius.adversarial = std::move(found.point);
  }

  // Certified: bisection over [0, max_eps] on its own, so that certified ≤ attacked is a check of
  // the method's soundness rather than a consequence of the search.
  if (certifies(*method, margins, input, max_eps, options.attack.domain, options.bounds)) {
    radius.certified = max_eps;
    return radius;
  }
  double proved = 0.0, refuted = max_eps;
  while (refuted - proved > tolerance * refuted && refuted > kSmallestRadius * max_eps) {
    const double mid = 0.5 * (proved + refuted);
    (certifies(*method, margins, input, mid, options.attack.domain, options.bounds) ? proved : refuted) = mid;
  }
  radius.certified = proved;
  return radius;
}

}  // namespace certnn::attack
