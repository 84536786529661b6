// Clean, attacked (PGD) and certified accuracy of a classifier on a labelled dataset over L∞
// balls of one radius: the three numbers a robust-training paper reports.
//
// Per sample: clean-correct when the prediction equals the label; PGD-correct when clean-correct
// and PGD (attack/pgd.hpp) finds no adversarial example; certified when clean-correct and the
// bound method proves every margin y[label] − y[j] positive over the ball (attack::certifies). So
// certified ≤ PGD ≤ clean holds for every sound method (a certified sample cannot be broken).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "certnn/attack/options.hpp"
#include "certnn/bounds/box.hpp"
#include "certnn/bounds/method.hpp"
#include "certnn/data/dataset.hpp"
#include "certnn/model/network.hpp"

namespace certnn::train {

struct RobustEvaluationOptions {
  double eps = 0.0;                               // L∞ radius, finite, ≥ 0
  std::string method = "crown";                   // the bound method that certifies
  bounds::Options bounds;
  std::optional<attack::Options> attack;          // PGD settings (eps, norm set here); none: no attack
  std::optional<bounds::Domain> domain = bounds::Domain{0.0, 1.0};  // the balls are clipped to it
  std::optional<std::int64_t> limit;              // evaluate only the first samples
};

struct RobustEvaluation {
  std::int64_t samples = 0;
  std::int64_t clean_correct = 0;
  std::optional<std::int64_t> pgd_correct;        // none without an attack
  std::int64_t certified = 0;
  double seconds = 0.0;

  double clean_accuracy() const;
  std::optional<double> pgd_accuracy() const;
  double certified_accuracy() const;
};

// network: outputs one score per class of the dataset, input_size == the sample size. Throws
// certnn::Error for an unknown method, invalid attack options, a label outside the network's
// outputs; ShapeError for a wrong sample size; Unsupported when the method refuses a layer.
RobustEvaluation evaluate_robustness(const model::Network& network, const data::Dataset& dataset,
                                     const RobustEvaluationOptions& options);

}  // namespace certnn::train
