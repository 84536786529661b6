// The robustness radius of a classifier at an input, bracketed from both sides:
//   certified  the largest ε (found by bisection) at which a sound bound method proves the label's
//              margin y[label] − y[j] positive for every j ≠ label over the L∞ ball ∩ domain;
//   attacked   the norm of the closest adversarial example PGD finds, searching ε by bisection.
// For a sound method, certified ≤ true radius ≤ attacked. An L2 radius is certified through the
// L∞ ball of the same radius, which contains the L2 ball.
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <optional>
#include <string>

#include "certnn/attack/options.hpp"
#include "certnn/bounds/method.hpp"
#include "certnn/model/network.hpp"

namespace certnn::attack {

struct RadiusOptions {
  std::string method = "crown";   // the bound method that certifies (bounds/method.hpp)
  bounds::Options bounds;         // its settings
  // PGD's settings; eps is set by the search, and norm, domain and seed serve both searches.
  Options attack;
  // Where the untargeted attack fails at a radius, attack each other class in turn (targeted):
  // an untargeted step follows the class closest in output value, which need not be the closest
  // in input distance (multi-targeted PGD, Gowal et al. 2019). Costs up to one attack per class.
  bool every_target = true;
  // The largest radius searched; none: the domain's diameter in the attack's norm (every point
  // of the domain lies within it), required when there is no domain.
  std::optional<double> max_eps;
  // Bisection stops once the interval of each search is narrower than this fraction of its upper
  // end (the certified radius is then within this fraction of what the method can prove), or
  // after 64 halvings. At least 1e-12.
  double relative_tolerance = 0.01;
};

struct Radius {
  std::int64_t label = 0;
  double certified = 0.0;           // the method proves the margin positive over this ball
  std::optional<double> attacked;   // ‖adversarial − input‖; none when PGD found none up to max_eps
  std::optional<Eigen::VectorXd> adversarial;  // the adversarial example at that distance
};

// The margins y[label] − y[j], j ≠ label, as outputs of the network (a Dense layer of ±1 rows
// appended): methods that keep correlations bound the differences, not a box around y.
model::Network margin_network(const model::Network& network, std::int64_t label);

// Whether the method proves every margin positive over the L∞ ball of radius eps ∩ domain.
bool certifies(const bounds::Method& method, const model::Network& margins, const Eigen::VectorXd& input, double eps,
               const std::optional<bounds::Domain>& domain, const bounds::Options& options);

// input: input_size, inside the domain; label in [0, output_size). Throws certnn::Error for an
// unknown method, invalid attack options, a label out of range, a missing max_eps without a
// domain, a relative tolerance outside [1e-12, 1), and Unsupported when the method refuses a layer
// of the network.
Radius robustness_radius(const model::Network& network, const Eigen::VectorXd& input, std::int64_t label,
                         const RadiusOptions& options);

// The certified side alone (Radius::certified, no attack): the same search, the same errors
// except those of the attack options, which it does not use.
double certified_radius(const model::Network& network, const Eigen::VectorXd& input, std::int64_t label,
                        const RadiusOptions& options);

}  // namespace certnn::attack
