#include "certnn/attack/linear_attack.hpp"

#include <array>
#include <limits>
#include <string>
#include <variant>

#include "certnn/attack/threat_region.hpp"
#include "certnn/core/error.hpp"
#include "certnn/grad/loss.hpp"
#include "certnn/model/forward.hpp"

namespace certnn::attack {

using Eigen::Index;

const model::Dense& linear_layer(const model::Network& network) {
  const model::Dense* dense = nullptr;
  for (const model::Node& node : network.nodes()) {
    if (std::holds_alternative<model::Reshape>(node.op)) continue;
    const auto* layer = std::get_if<model::Dense>(&node.op);
    if (!layer || dense)
      throw Unsupported("linear attack: layer " + std::string(model::kind_name(node.op)) + " (node '" + node.name +
                        "') is not linear" + (layer ? " (a second Dense layer)" : ""));
    dense = layer;
  }
  if (!dense) throw Unsupported("linear attack: the network has no Dense layer");
  return *dense;
}

LinearWorstCase linear_worst_case(const model::Network& network, const Eigen::VectorXd& input, std::int64_t label,
                                  double eps, Norm norm, std::optional<bounds::Domain> domain) {
  const model::Dense& dense = linear_layer(network);
  const Index classes = dense.weight.rows();
  if (classes < 2) throw Error("linear attack: the network has one output; a classifier needs at least two");
  if (label < 0 || label >= classes)
    throw Error("linear attack: label " + std::to_string(label) + " is outside the network's classes 0.." +
                std::to_string(classes - 1));
  if (norm == Norm::L2 && domain)
    throw Unsupported("linear attack: no closed form for an L2 ball clipped to a domain");
  const ThreatRegion region(input, eps, norm, domain);
  const std::array<Index, 1> only{0};

  LinearWorstCase worst;
  double worst_pair = std::numeric_limits<double>::infinity();
  for (Index j = 0; j < classes; ++j) {
    if (j == label) continue;
    const Eigen::VectorXd direction = (dense.weight.row(label) - dense.weight.row(j)).transpose();
    Eigen::MatrixXd point = input;
    if (norm == Norm::Linf) {
      for (Index i = 0; i < point.rows(); ++i)
        if (direction[i] != 0) point(i, 0) = direction[i] > 0 ? region.lower()(i, 0) : region.upper()(i, 0);
    } else if (const double length = direction.norm(); length > 0) {
      point.col(0) -= (eps / length) * direction;
      region.project(point, only);  // the rounding of x₀ − eps·d/‖d‖ may leave the sphere by an ulp
    }
    const double pair = direction.dot(point.col(0)) + dense.bias[label] - dense.bias[j];
    if (pair < worst_pair) {
      worst_pair = pair;
      worst.point = point.col(0);
      worst.runner_up = j;
    }
  }
  const model::Batch<double> outputs = model::forward<double>(network, model::Batch<double>(worst.point));
  const std::array<std::int64_t, 1> labels{label};
  worst.margin = grad::margin(outputs, labels).value[0];
  return worst;
}

}  // namespace certnn::attack
