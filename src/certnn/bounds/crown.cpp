#include "certnn/bounds/crown.hpp"

#include "certnn/bounds/back_substitution.hpp"
#include "certnn/bounds/refusals.hpp"
#include "certnn/bounds/slope_optimisation.hpp"
#include "certnn/core/error.hpp"

namespace certnn::bounds {
namespace {

using Eigen::MatrixXd;

// Lower bounds of +y and −y in one pass: the objectives [I, −I] on the output.
MatrixXd both_signs(Eigen::Index n) {
  MatrixXd objectives(n, 2 * n);
  objectives << MatrixXd::Identity(n, n), -MatrixXd::Identity(n, n);
  return objectives;
}

Result output_box(const Region& region, const model::Network& network, const Eigen::VectorXd& lower) {
  const Eigen::Index n = network.output_size();
  Box box = region.values[network.output()];
  box.lower = box.lower.cwiseMax(lower.head(n));
  box.upper = box.upper.cwiseMin(-lower.tail(n));
  return Result{std::move(box), true};
}

Region checked_region(std::string_view method, const model::Network& network, const Box& input,
                      const Options& options) {
  refuse_listed_kinds<BackSubstitutionRejects>(method, network);
  if (input.size() != network.input_size())
    throw ShapeError(std::string(method) + ": the input box has " + std::to_string(input.size()) +
                     " elements, the network expects " + std::to_string(network.input_size()));
  return crown_region(network, input, options.inference);
}

}  // namespace

std::vector<std::string_view> CrownMethod::refused_kinds() const { return model::kind_names(BackSubstitutionRejects{}); }

Result CrownMethod::propagate(const model::Network& network, const Box& input, const Options& options) const {
  const Region region = checked_region(name(), network, input, options);
  const LinearBound bound = back_substitute(network, region, network.output(), both_signs(network.output_size()));
  return output_box(region, network, bound.lower);
}

std::vector<std::string_view> AlphaCrownMethod::refused_kinds() const {
  return model::kind_names(BackSubstitutionRejects{});
}

Result AlphaCrownMethod::propagate(const model::Network& network, const Box& input, const Options& options) const {
  const Region region = checked_region(name(), network, input, options);
  const MatrixXd objectives = both_signs(network.output_size());
  const OptimisedBound bound = optimise_bound(network, region, network.output(), objectives, SlopeOptimisation{},
                                              initial_parameters(network, region, objectives.cols()));
  return output_box(region, network, bound.lower);
}

}  // namespace certnn::bounds
