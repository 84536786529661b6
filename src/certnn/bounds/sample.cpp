#include "certnn/bounds/sample.hpp"

#include <random>

#include "certnn/model/forward.hpp"

namespace certnn::bounds {

void SampleMethod::check(const model::Network&) const {}

Result SampleMethod::propagate(const model::Network& network, const Box& input, const Options& options) const {
  std::vector<Eigen::Index> free;
  for (Eigen::Index i = 0; i < input.size(); ++i)
    if (input.lower[i] < input.upper[i]) free.push_back(i);
  const Eigen::VectorXd centre = input.lower + (input.upper - input.lower) * 0.5;

  std::vector<Eigen::VectorXd> points{centre};
  if (free.size() <= static_cast<std::size_t>(kMaxVertexDimensions)) {
    for (std::uint64_t corner = 0; corner < (std::uint64_t{1} << free.size()); ++corner) {
      Eigen::VectorXd v = centre;
      for (std::size_t k = 0; k < free.size(); ++k)
        v[free[k]] = (corner >> k) & 1 ? input.upper[free[k]] : input.lower[free[k]];
      points.push_back(std::move(v));
    }
  }
  std::mt19937_64 rng(options.seed);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  for (std::int64_t s = 0; s < options.samples; ++s) {
    Eigen::VectorXd v = centre;
    for (Eigen::Index i : free) v[i] = std::clamp(input.lower[i] + unit(rng) * (input.upper[i] - input.lower[i]),
                                                  input.lower[i], input.upper[i]);
    points.push_back(std::move(v));
  }

  constexpr std::size_t kBatch = 256;
  Result result{Box{Eigen::VectorXd::Constant(network.output_size(), std::numeric_limits<double>::infinity()),
                    Eigen::VectorXd::Constant(network.output_size(), -std::numeric_limits<double>::infinity())},
                false};
  for (std::size_t start = 0; start < points.size(); start += kBatch) {
    const std::size_t count = std::min(kBatch, points.size() - start);
    model::Batch<double> batch(input.size(), static_cast<Eigen::Index>(count));
    for (std::size_t k = 0; k < count; ++k) batch.col(static_cast<Eigen::Index>(k)) = points[start + k];
    const model::Batch<double> outputs = model::forward<double>(network, batch);
    result.output.lower = result.output.lower.cwiseMin(outputs.rowwise().minCoeff());
    result.output.upper = result.output.upper.cwiseMax(outputs.rowwise().maxCoeff());
  }
  return result;
}

}  // namespace certnn::bounds
