// Clean, attacked (PGD) and certified accuracy of a classifier on a labelled dataset over L∞ or
// L2 balls of one radius: the three numbers a robust-training paper reports.
//
// Per sample: clean-correct when the prediction equals the label; PGD-correct when clean-correct
// and PGD (attack/pgd.hpp) finds no adversarial example in the ball; certified when clean-correct
// and every margin y[label] − y[j] is proved positive over the ball:
//   L∞  by the bound method over the box (attack::certifies);
//   L2  by the global Lipschitz bounds of the margins (stability/margin_lipschitz.hpp): the
//       margin at the centre, enclosed by interval propagation of the point [x, x], has a lower
//       end above K_j·ε, K_j the bound of margin j. The certificate ignores the domain: clipping
//       only shrinks the ball, so it holds there as well.
// So certified ≤ PGD ≤ clean holds for every sound method (a certified sample cannot be broken);
// with an attack, samples PGD broke are not given to the bound method at all, which on a
// standard-trained model saves most of the certification time.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "certnn/attack/options.hpp"
#include "certnn/bounds/box.hpp"
#include "certnn/bounds/method.hpp"
#include "certnn/data/dataset.hpp"
#include "certnn/model/network.hpp"

namespace certnn::train {

struct RobustEvaluation;

struct RobustEvaluationOptions {
  attack::Norm norm = attack::Norm::Linf;         // the norm of the balls
  double eps = 0.0;                               // radius, finite, ≥ 0
  std::string method = "crown";                   // the bound method that certifies (L∞ only)
  bounds::Options bounds;
  std::optional<attack::Options> attack;          // PGD settings (eps, norm set here); none: no attack
  std::optional<bounds::Domain> domain = bounds::Domain{0.0, 1.0};  // the balls are clipped to it
  std::optional<std::int64_t> limit;              // evaluate only the first samples
  // Raised by the caller (any thread, or a signal handler): the evaluation stops after the sample
  // at hand and reports the samples it finished.
  const std::atomic<bool>* stop = nullptr;
  // Called after every sample with the counts so far; it runs on the evaluation's time.
  std::function<void(const RobustEvaluation&)> progress;
};

struct RobustEvaluation {
  std::int64_t samples = 0;                       // evaluated; the accuracies are over these
  std::int64_t requested = 0;                     // asked for; more than samples when stopped early
  std::int64_t clean_correct = 0;
  std::optional<std::int64_t> pgd_correct;        // none without an attack
  std::int64_t certified = 0;
  std::optional<double> lipschitz_bound;          // L2: the network's global Lipschitz upper bound
  double seconds = 0.0;

  double clean_accuracy() const;
  std::optional<double> pgd_accuracy() const;
  double certified_accuracy() const;
};

// network: outputs one score per class of the dataset, input_size == the sample size. Throws
// certnn::Error for an unknown method (L∞), invalid attack options, a label outside the network's
// outputs, a sample outside the domain, float32 inference with L2 (the Lipschitz bounds are of the
// exact network only); ShapeError for a wrong sample size; Unsupported when the method refuses a
// layer.
RobustEvaluation evaluate_robustness(const model::Network& network, const data::Dataset& dataset,
                                     const RobustEvaluationOptions& options);

}  // namespace certnn::train
