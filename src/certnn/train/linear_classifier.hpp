// Linear binary classifiers s(x) = w·x + b with labels y = ±1 (the seed blog's "linear case" of
// adversarial robustness): class 1 ↔ y = +1, class 0 ↔ y = −1, predicted class 1 iff s(x) > 0
// (the exported 2-class network, linear_export.hpp, predicts the first maximal output, so a tie
// s(x) = 0 is class 0 there as here).
//
// The worst case over an L∞ ball is closed-form: y·s(x + δ) = y·s(x) + y·w·δ is smallest at
// δ = −y·ε·sign(w), where it equals y·s(x) − ε‖w‖₁ (Hölder: |w·δ| ≤ ‖w‖₁‖δ‖∞, with equality
// there). Confined to a domain [lo, hi], each coordinate ranges over [max(lo, x−ε), min(hi, x+ε)]
// and the worst point takes the end that −y·sign(wᵢ) points to.
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <optional>
#include <vector>

#include "certnn/bounds/box.hpp"
#include "certnn/data/dataset.hpp"

namespace certnn::train {

struct LinearClassifier {
  Eigen::VectorXd weight;  // w, one entry per input element
  double bias = 0.0;       // b

  // s(x) for each column of inputs (elements x samples): wᵀX + b.
  Eigen::VectorXd scores(const Eigen::MatrixXd& inputs) const;
};

// The ±1 targets of a 2-class dataset: +1 for class 1, −1 for class 0. Throws certnn::Error
// naming the dataset and its class count (and a few of its labels) when it does not have
// exactly two classes.
Eigen::VectorXd binary_targets(const data::Dataset& dataset);

// The worst-case input in the L∞ ball of radius eps around x (∩ domain when given) for the
// target y = ±1: the point minimising y·s. x: weight.size(), inside the domain.
Eigen::VectorXd linear_worst_case_point(const LinearClassifier& classifier, const Eigen::VectorXd& x, double target,
                                        double eps, const std::optional<bounds::Domain>& domain = std::nullopt);

// Fraction of the dataset's samples still classified correctly at their worst-case point
// (eps = 0: the clean accuracy). Evaluated by the float64 score, ties counting as class 0.
double linear_robust_accuracy(const LinearClassifier& classifier, const data::Dataset& dataset, double eps,
                              const std::optional<bounds::Domain>& domain = std::nullopt);

}  // namespace certnn::train
