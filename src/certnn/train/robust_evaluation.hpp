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

// Samples predicted and attacked together: PGD's batch. Small enough that an evaluation over
// thousands of samples reports progress and stops within seconds of being asked, large enough for
// efficient matrix products; the digits and mnist01 test splits fit in one. Chunk k (samples
// k·kEvaluationChunk onwards) draws PGD's random starts from seed + k, so chunk 0 attacks as one
// batch of the whole set would, and a sample's outcome depends on its chunk, not on the process
// that evaluates it (RobustEvaluationOptions::shard).
inline constexpr std::int64_t kEvaluationChunk = 512;

struct RobustEvaluationOptions {
  attack::Norm norm = attack::Norm::Linf;         // the norm of the balls
  double eps = 0.0;                               // radius, finite, ≥ 0
  std::string method = "crown";                   // the bound method that certifies (L∞ only)
  bounds::Options bounds;
  std::optional<attack::Options> attack;          // PGD settings (eps, norm set here); none: no attack
  std::optional<bounds::Domain> domain = bounds::Domain{0.0, 1.0};  // the balls are clipped to it
  std::optional<std::int64_t> limit;              // evaluate only the first samples
  // Evaluate one shard of the set, to spread an evaluation over processes (the ranks of an MPI
  // job): the samples — the first `limit` of them when limit is set, the whole set otherwise —
  // are cut into chunks of kEvaluationChunk, and chunk k is evaluated iff k % shards == shard.
  // Every count of the result (samples, requested, clean_correct, pgd_correct, certified) is then
  // over this shard's chunks only, so the counts of shards 0..shards−1 add up to exactly those of
  // one evaluation of the whole set. 1 ≤ shards, 0 ≤ shard < shards; the default is the whole set.
  int shard = 0, shards = 1;
  // Raised by the caller (any thread, or a signal handler): the evaluation stops after the sample
  // at hand and reports the samples it finished.
  const std::atomic<bool>* stop = nullptr;
  // Called after every sample with the counts so far; it runs on the evaluation's time.
  std::function<void(const RobustEvaluation&)> progress;
};

struct RobustEvaluation {
  std::int64_t samples = 0;                       // evaluated; the accuracies are over these
  std::int64_t requested = 0;                     // asked for (in the shard); more than samples when stopped early
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
// exact network only), shards < 1 or a shard outside [0, shards); ShapeError for a wrong sample size; Unsupported when the method refuses a
// layer.
RobustEvaluation evaluate_robustness(const model::Network& network, const data::Dataset& dataset,
                                     const RobustEvaluationOptions& options);

}  // namespace certnn::train
