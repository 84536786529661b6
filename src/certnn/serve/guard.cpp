#include "certnn/serve/guard.hpp"

#include <Eigen/Cholesky>
#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "certnn/core/error.hpp"
#include "certnn/data/split.hpp"
#include "certnn/model/forward.hpp"

namespace certnn::serve {
namespace {

using nlohmann::json;
constexpr const char* kFormat = "certnn-guard";
constexpr int kVersion = 1;

// The value feeding the output layer: the last hidden representation, the one the classes are
// read from (the input itself for a one-layer model).
model::ValueId scored_layer(const model::Network& network) {
  if (network.output() == model::kInputValue) return model::kInputValue;
  return network.producer(network.output()).inputs.front();
}

std::string value_name(const model::Network& network, model::ValueId value) {
  return value == model::kInputValue ? network.input_name() : network.producer(value).name;
}

Eigen::VectorXd range_excess(const Guard& guard, const Eigen::MatrixXd& inputs) {
  const Eigen::MatrixXd below = (-inputs).colwise() + guard.feature_lower;
  const Eigen::MatrixXd above = inputs.colwise() - guard.feature_upper;
  return below.cwiseMax(above).cwiseMax(0.0).colwise().maxCoeff().transpose();
}

Eigen::VectorXd distances(const Guard& guard, const model::Network& network, const Eigen::MatrixXd& inputs) {
  const Eigen::MatrixXd hidden = model::forward_values(network, inputs)[static_cast<std::size_t>(guard.layer)];
  const Eigen::MatrixXd centred = hidden.colwise() - guard.mean;
  return (centred.array() * (guard.precision * centred).array()).colwise().sum().cwiseMax(0.0).sqrt().transpose();
}

// The smallest score that at most a fraction `rate` of the scores exceed.
double upper_quantile(Eigen::VectorXd scores, double rate) {
  std::sort(scores.begin(), scores.end());
  const auto n = scores.size();
  const auto keep = static_cast<Eigen::Index>(std::ceil((1.0 - rate) * static_cast<double>(n)));
  return scores(std::clamp<Eigen::Index>(keep - 1, 0, n - 1));
}

std::vector<double> as_vector(const Eigen::VectorXd& v) { return {v.data(), v.data() + v.size()}; }

Eigen::VectorXd read_vector(const json& j, const char* key, Eigen::Index size, const std::string& path) {
  const auto values = j.at(key).get<std::vector<double>>();
  if (static_cast<Eigen::Index>(values.size()) != size)
    throw Error(path + ": '" + key + "' has " + std::to_string(values.size()) + " values, expected " +
                std::to_string(size));
  return Eigen::Map<const Eigen::VectorXd>(values.data(), size);
}

}  // namespace

const std::vector<std::string>& guard_reasons() {
  static const std::vector<std::string> reasons = {"outside_training_range", "far_from_training_data"};
  return reasons;
}

Guard fit_guard(const model::Network& network, const Eigen::MatrixXd& samples, const GuardFitOptions& options) {
  if (!(options.false_alarm_rate > 0.0 && options.false_alarm_rate < 1.0))
    throw Error("guard: the false-alarm rate must lie in (0, 1)");
  if (!(options.heldout_fraction > 0.0 && options.heldout_fraction < 1.0))
    throw Error("guard: the held-back fraction must lie in (0, 1)");
  if (samples.rows() != network.input_size())
    throw Error("guard: the samples have " + std::to_string(samples.rows()) + " elements; the model takes " +
                std::to_string(network.input_size()));
  // Enough for a covariance and a quantile on each side of the split.
  if (samples.cols() < 20) throw Error("guard: at least 20 samples are needed, got " + std::to_string(samples.cols()));
  data::Dataset all{"guard", Shape{samples.rows()}, samples, std::vector<std::int64_t>(samples.cols(), 0), 1};
  const data::Split split = data::shuffle_split(all, options.heldout_fraction, options.seed);
  const Eigen::MatrixXd& fit = split.train.inputs;
  const Eigen::MatrixXd& heldout = split.test.inputs;

  Guard guard;
  guard.input_size = network.input_size();
  guard.feature_lower = fit.rowwise().minCoeff();
  guard.feature_upper = fit.rowwise().maxCoeff();
  guard.layer = scored_layer(network);
  guard.layer_name = value_name(network, guard.layer);
  const Eigen::MatrixXd hidden = model::forward_values(network, fit)[static_cast<std::size_t>(guard.layer)];
  guard.mean = hidden.rowwise().mean();
  const Eigen::MatrixXd centred = hidden.colwise() - guard.mean;
  Eigen::MatrixXd covariance = centred * centred.transpose() / static_cast<double>(fit.cols() - 1);
  // A ridge keeps units that never vary (dead ReLUs) from making the covariance singular.
  const double mean_variance = covariance.trace() / static_cast<double>(covariance.rows());
  covariance.diagonal().array() += options.ridge * (mean_variance > 0.0 ? mean_variance : 1.0);
  guard.precision = covariance.ldlt().solve(Eigen::MatrixXd::Identity(covariance.rows(), covariance.cols()));

  // Each score takes half the false alarms, so their union stays near the rate.
  const double each = options.false_alarm_rate / 2.0;
  const Eigen::VectorXd excess = range_excess(guard, heldout);
  const Eigen::VectorXd distance = distances(guard, network, heldout);
  guard.range_threshold = upper_quantile(excess, each);
  guard.distance_threshold = upper_quantile(distance, each);
  guard.false_alarm_rate = options.false_alarm_rate;
  guard.fit_samples = fit.cols();
  guard.heldout_samples = heldout.cols();
  const auto flagged =
      ((excess.array() > guard.range_threshold) || (distance.array() > guard.distance_threshold)).count();
  guard.heldout_flagged = static_cast<double>(flagged) / static_cast<double>(heldout.cols());
  return guard;
}

std::vector<GuardVerdict> assess(const Guard& guard, const model::Network& network, const Eigen::MatrixXd& inputs) {
  const Eigen::VectorXd excess = range_excess(guard, inputs);
  const Eigen::VectorXd distance = distances(guard, network, inputs);
  std::vector<GuardVerdict> verdicts(static_cast<std::size_t>(inputs.cols()));
  for (Eigen::Index k = 0; k < inputs.cols(); ++k) {
    GuardVerdict& v = verdicts[static_cast<std::size_t>(k)];
    v.range_excess = excess(k);
    v.distance = distance(k);
    if (v.range_excess > guard.range_threshold) v.reasons.push_back("outside_training_range");
    if (v.distance > guard.distance_threshold) v.reasons.push_back("far_from_training_data");
  }
  return verdicts;
}

std::string guard_json(const Guard& guard) {
  json precision = json::array();
  for (Eigen::Index r = 0; r < guard.precision.rows(); ++r)
    precision.push_back(as_vector(guard.precision.row(r).transpose()));
  const json j = {{"format", kFormat},
                  {"version", kVersion},
                  {"input_size", guard.input_size},
                  {"feature_lower", as_vector(guard.feature_lower)},
                  {"feature_upper", as_vector(guard.feature_upper)},
                  {"range_threshold", guard.range_threshold},
                  {"layer", guard.layer},
                  {"layer_name", guard.layer_name},
                  {"mean", as_vector(guard.mean)},
                  {"precision", precision},
                  {"distance_threshold", guard.distance_threshold},
                  {"false_alarm_rate", guard.false_alarm_rate},
                  {"fit_samples", guard.fit_samples},
                  {"heldout_samples", guard.heldout_samples},
                  {"heldout_flagged", guard.heldout_flagged}};
  return j.dump(1) + "\n";
}

Guard parse_guard(const std::string& text, const model::Network& network, const std::string& path) {
  json j;
  try {
    j = json::parse(text);
  } catch (const json::parse_error&) {
    throw Error(path + ": not a certnn guard (not JSON)");
  }
  if (!j.is_object() || j.value("format", "") != kFormat) throw Error(path + ": not a certnn guard");
  if (j.value("version", 0) != kVersion)
    throw Error(path + ": guard format version " + j.value("version", json()).dump() + " is not " +
                std::to_string(kVersion));
  try {
    Guard guard;
    guard.input_size = j.at("input_size").get<std::int64_t>();
    if (guard.input_size != network.input_size())
      throw Error(path + ": the guard was fitted for a model with " + std::to_string(guard.input_size) +
                  " inputs; this one takes " + std::to_string(network.input_size()));
    guard.layer = j.at("layer").get<model::ValueId>();
    guard.layer_name = j.at("layer_name").get<std::string>();
    if (guard.layer < 0 || guard.layer >= network.value_count() || value_name(network, guard.layer) != guard.layer_name)
      throw Error(path + ": the guard scores layer '" + guard.layer_name + "', which this model does not have there");
    const Eigen::Index width = network.size(guard.layer);
    guard.feature_lower = read_vector(j, "feature_lower", guard.input_size, path);
    guard.feature_upper = read_vector(j, "feature_upper", guard.input_size, path);
    guard.mean = read_vector(j, "mean", width, path);
    const json& rows = j.at("precision");
    if (!rows.is_array() || static_cast<Eigen::Index>(rows.size()) != width)
      throw Error(path + ": 'precision' must be a " + std::to_string(width) + " x " + std::to_string(width) + " matrix");
    guard.precision.resize(width, width);
    for (Eigen::Index r = 0; r < width; ++r) {
      const auto row = rows[static_cast<std::size_t>(r)].get<std::vector<double>>();
      if (static_cast<Eigen::Index>(row.size()) != width)
        throw Error(path + ": 'precision' row " + std::to_string(r) + " has " + std::to_string(row.size()) + " values");
      guard.precision.row(r) = Eigen::Map<const Eigen::RowVectorXd>(row.data(), width);
    }
    guard.range_threshold = j.at("range_threshold").get<double>();
    guard.distance_threshold = j.at("distance_threshold").get<double>();
    guard.false_alarm_rate = j.at("false_alarm_rate").get<double>();
    guard.fit_samples = j.at("fit_samples").get<std::int64_t>();
    guard.heldout_samples = j.at("heldout_samples").get<std::int64_t>();
    guard.heldout_flagged = j.at("heldout_flagged").get<double>();
    return guard;
  } catch (const json::exception& e) {
    throw Error(path + ": damaged guard: " + e.what());
  }
}

}  // namespace certnn::serve
