#include "certnn/attack/radius.hpp"

#include <cmath>

#include "certnn/attack/pgd.hpp"
#include "certnn/core/error.hpp"

namespace certnn::attack {
namespace {

using Eigen::Index;

// Bisections stop after this many halvings whatever the tolerance: each halves a gap that starts
// at most 2^8 times its lower end, so 64 reach the resolution of a double.
constexpr int kMaxBisections = 64;
// Both searches first divide the radius by this factor until PGD fails or the method proves it,
// so a large search range costs one step per factor 256 instead of losing small radii.
constexpr double kShrinkFactor = 256.0;
// Finer relative tolerances ask for more than the bound methods' own rounding resolves.
constexpr double kSmallestTolerance = 1e-12;
// Radii below this count as zero: no ball around the input is certified.
constexpr double kSmallestRadius = 1e-300;

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

namespace {

// The largest radius searched and the tolerance, checked.
double search_limit(const RadiusOptions& options, Index dimension) {
  const double max_eps = options.max_eps ? *options.max_eps : domain_diameter(options.attack, dimension);
  if (!(std::isfinite(max_eps) && max_eps > 0.0))
    throw Error("radius: the largest radius to search must be a finite number > 0");
  const double tolerance = options.relative_tolerance;
  if (!(tolerance >= kSmallestTolerance && tolerance < 1.0))
    throw Error("radius: the relative tolerance must lie in [1e-12, 1)");
  return max_eps;
}

// Certified: the radius is shrunk geometrically until it is proved, then bisected between the
// proved radius and the refuted one above it.
double search_certified(const bounds::Method& method, const model::Network& margins, const Eigen::VectorXd& input,
                        double max_eps, const RadiusOptions& options) {
  const auto proves = [&](double eps) {
    return certifies(method, margins, input, eps, options.attack.domain, options.bounds);
  };
  if (!proves(0.0)) return 0.0;  // not even the input itself: misclassified, or a margin too thin
  double refuted = max_eps;
  double proved = max_eps;
  while (!proves(proved)) {
    refuted = proved;
    proved /= kShrinkFactor;
    if (proved < kSmallestRadius) return 0.0;
  }
  for (int step = 0; step < kMaxBisections && refuted - proved > options.relative_tolerance * refuted; ++step) {
    const double mid = 0.5 * (proved + refuted);
    if (!(proved < mid && mid < refuted)) break;
    (proves(mid) ? proved : refuted) = mid;
  }
  return proved;
}

}  // namespace

double certified_radius(const model::Network& network, const Eigen::VectorXd& input, std::int64_t label,
                        const RadiusOptions& options) {
  const auto method = bounds::make_sound_method(options.method, "radius");
  const model::Network margins = margin_network(network, label);
  method->check(margins);
  return search_certified(*method, margins, input, search_limit(options, input.size()), options);
}

Radius robustness_radius(const model::Network& network, const Eigen::VectorXd& input, std::int64_t label,
                         const RadiusOptions& options) {
  const auto method = bounds::make_sound_method(options.method, "radius");
  const model::Network margins = margin_network(network, label);
  method->check(margins);
  check_options(options.attack, network);
  const double max_eps = search_limit(options, input.size());
  const double tolerance = options.relative_tolerance;
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
    // Shrunk geometrically first, so that a large search range does not exhaust the bisection.
    while (found.norm > kSmallestRadius) {
      const double smaller = found.norm / kShrinkFactor;
      Outcome closer = attack_at(smaller);
      if (!(closer.success && closer.norm < found.norm)) {
        failed = smaller;
        break;
      }
      found = std::move(closer);
    }
    for (int step = 0; step < kMaxBisections && found.norm - failed > tolerance * found.norm; ++step) {
      const double mid = 0.5 * (failed + found.norm);
      if (!(failed < mid && mid < found.norm)) break;  // the gap is below a double's resolution
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

  // Certified: searched on its own, so that certified ≤ attacked is a check of the method's
  // soundness rather than a consequence of the search.
  radius.certified = search_certified(*method, margins, input, max_eps, options);
  return radius;
}

}  // namespace certnn::attack
