#include "certnn/train/robust_evaluation.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <memory>

#include "certnn/attack/pgd.hpp"
#include "certnn/attack/prediction.hpp"
#include "certnn/attack/radius.hpp"
#include "certnn/bounds/ibp.hpp"
#include "certnn/core/error.hpp"
#include "certnn/core/rounding.hpp"
#include "certnn/stability/margin_lipschitz.hpp"

namespace certnn::train {
namespace {

// The chunks of the header's kEvaluationChunk, as an Eigen index.
constexpr Eigen::Index kChunk = kEvaluationChunk;

double fraction(std::int64_t part, std::int64_t whole) {
  return whole == 0 ? 0.0 : static_cast<double>(part) / static_cast<double>(whole);
}

// Decides whether a clean-correct sample is certified over its ball; one kind per norm. The
// margin networks (attack::margin_network) are built on first use of a label.
class Certifier {
 public:
  virtual ~Certifier() = default;
  virtual bool certifies(const Eigen::VectorXd& x, std::int64_t label) = 0;
  // The network's global Lipschitz upper bound, where the certificate rests on it.
  virtual std::optional<double> lipschitz_bound() const { return std::nullopt; }
};

class LinfCertifier final : public Certifier {
 public:
  LinfCertifier(const model::Network& network, const RobustEvaluationOptions& options)
      : network_(network), options_(options), method_(bounds::make_sound_method(options.method, "evaluate")),
        point_method_(bounds::make_method("ibp")), margins_(static_cast<std::size_t>(network.output_size())) {}

  bool certifies(const Eigen::VectorXd& x, std::int64_t label) override {
    auto& margin = margins_[static_cast<std::size_t>(label)];
    if (!margin) {
      margin = attack::margin_network(network_, label);
      method_->check(*margin);
    }
    // A ball of radius 0 is the point itself: interval propagation of [x, x] encloses the margins
    // as tightly as any method (only rounding widens them), at a fraction of the cost.
    const bounds::Method& method = options_.eps == 0.0 ? *point_method_ : *method_;
    return attack::certifies(method, *margin, x, options_.eps, options_.domain, options_.bounds);
  }

 private:
  const model::Network& network_;
  const RobustEvaluationOptions& options_;
  std::unique_ptr<bounds::Method> method_;
  std::unique_ptr<bounds::Method> point_method_;
  std::vector<std::optional<model::Network>> margins_;
};

// Certified when every margin at the centre exceeds its Lipschitz bound times ε: along any
// x' in the ball, m(x') ≥ m(x) − K‖x' − x‖₂ ≥ m(x) − K·ε > 0.
class L2Certifier final : public Certifier {
 public:
  L2Certifier(const model::Network& network, const RobustEvaluationOptions& options)
      : network_(network), options_(options), margins_(static_cast<std::size_t>(network.output_size())) {
    if (options.bounds.inference != bounds::Inference::Exact)
      throw Error("evaluate: L2 certification bounds the exact network's Lipschitz constant; float32 inference "
                  "is certified over L-inf balls only");
    upper_ = stability::lipschitz_upper(network, stability::layer_stabilities(network));
  }

  std::optional<double> lipschitz_bound() const override { return upper_.output; }

  bool certifies(const Eigen::VectorXd& x, std::int64_t label) override {
    auto& margin = margins_[static_cast<std::size_t>(label)];
    if (!margin)
      margin = Margins{attack::margin_network(network_, label), stability::margin_lipschitz_upper(network_, upper_, label)};
    // The degenerate ball [x, x] (checked inside the domain), so the centre's margins are enclosed
    // with every rounding of the forward pass accounted for.
    const bounds::Box centre = bounds::linf_ball(x, 0.0, options_.domain);
    const bounds::Result result = ibp_.propagate(margin->network, centre, options_.bounds);
    for (Eigen::Index j = 0; j < margin->lipschitz.size(); ++j)
      if (!(result.output.lower[j] > rounding::mul_up(margin->lipschitz[j], options_.eps))) return false;
    return true;
  }

 private:
  struct Margins {
    model::Network network;
    Eigen::VectorXd lipschitz;  // one bound per output of `network`
  };
  const model::Network& network_;
  const RobustEvaluationOptions& options_;
  bounds::IbpMethod ibp_;
  stability::LipschitzUpper upper_;
  std::vector<std::optional<Margins>> margins_;
};

std::unique_ptr<Certifier> make_certifier(const model::Network& network, const RobustEvaluationOptions& options) {
  if (options.norm == attack::Norm::L2) return std::make_unique<L2Certifier>(network, options);
  return std::make_unique<LinfCertifier>(network, options);
}

}  // namespace

double RobustEvaluation::clean_accuracy() const { return fraction(clean_correct, samples); }
std::optional<double> RobustEvaluation::pgd_accuracy() const {
  if (!pgd_correct) return std::nullopt;
  return fraction(*pgd_correct, samples);
}
double RobustEvaluation::certified_accuracy() const { return fraction(certified, samples); }

RobustEvaluation evaluate_robustness(const model::Network& network, const data::Dataset& dataset,
                                     const RobustEvaluationOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  if (!(std::isfinite(options.eps) && options.eps >= 0.0)) throw Error("evaluate: eps must be a finite number ≥ 0");
  if (dataset.inputs.rows() != network.input_size())
    throw ShapeError("evaluate: samples of '" + dataset.name + "' have " + std::to_string(dataset.inputs.rows()) +
                     " elements, the model's input " + std::to_string(network.input_size()));
  for (const std::int64_t label : dataset.labels)
    if (label < 0 || label >= network.output_size())
      throw Error("evaluate: label " + std::to_string(label) + " of '" + dataset.name +
                  "' is not an output of a model with " + std::to_string(network.output_size()) + " outputs");
  std::optional<attack::Options> attack_options = options.attack;
  if (attack_options) {
    attack_options->norm = options.norm;
    attack_options->eps = options.eps;
    attack_options->domain = options.domain;
    attack::check_options(*attack_options, network);
  }
  if (!(options.shards >= 1 && options.shard >= 0 && options.shard < options.shards))
    throw Error("evaluate: shard " + std::to_string(options.shard) + " of " + std::to_string(options.shards) +
                ": needs shards >= 1 and 0 <= shard < shards");
  const std::unique_ptr<Certifier> certifier = make_certifier(network, options);

  // The limit cuts the whole set, before the chunks are dealt to the shards.
  const Eigen::Index count = options.limit ? std::min<Eigen::Index>(*options.limit, dataset.size()) : dataset.size();
  const Eigen::Index stride = kChunk * options.shards;  // from one of the shard's chunks to its next
  RobustEvaluation result;
  for (Eigen::Index first = kChunk * options.shard; first < count; first += stride)
    result.requested += std::min(kChunk, count - first);
  result.lipschitz_bound = certifier->lipschitz_bound();
  if (attack_options) result.pgd_correct = 0;
  const auto stopped = [&] { return options.stop && options.stop->load(std::memory_order_relaxed); };
  for (Eigen::Index first = kChunk * options.shard; first < count && !stopped(); first += stride) {
    const Eigen::Index size = std::min(kChunk, count - first);
    const Eigen::MatrixXd inputs = dataset.inputs.middleCols(first, size);
    const std::vector<std::int64_t> labels(dataset.labels.begin() + first, dataset.labels.begin() + first + size);
    const std::vector<std::int64_t> predicted = attack::predict(network, inputs);
    std::vector<attack::Outcome> outcomes;
    if (attack_options) {
      attack::Options chunk_attack = *attack_options;
      chunk_attack.seed += static_cast<std::uint64_t>(first / kChunk);
      outcomes = attack::pgd(network, inputs, labels, chunk_attack);
    }
    const auto evaluate_sample = [&](Eigen::Index s) {
      const std::int64_t label = labels[static_cast<std::size_t>(s)];
      if (predicted[static_cast<std::size_t>(s)] != label) return;
      ++result.clean_correct;
      // A sample PGD broke (its adversarial point re-checked exactly) has no sound certificate:
      // the bound is not computed for it.
      if (attack_options && outcomes[static_cast<std::size_t>(s)].success) return;
      if (attack_options) ++*result.pgd_correct;
      result.certified += certifier->certifies(inputs.col(s), label);
    };
    for (Eigen::Index s = 0; s < size && !stopped(); ++s) {
      evaluate_sample(s);
      ++result.samples;
      if (options.progress) options.progress(result);
    }
  }
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

}  // namespace certnn::train
