// Network values as affine forms of the input with rigorous error radii, for exact decisions on
// the linear pieces of piecewise-linear networks (verify/linear_pieces.hpp). Where the sign of
// every ReLU before a value is fixed, the value is exactly affine in x; its form F is computed in
// float64, and the radius bounds, for every input where those signs hold, how far the exact
// real-arithmetic value can be from F·(x, 1): the propagated radii plus Higham's γ_n bounds of
// each layer's rounding, summed with upward rounding.
//
// With radii, a linear program's certificate is checked in the input space alone: an LP row
// g·x ≤ h comes with a slack σ such that the exact constraint it stands for implies g·x − h ≤ σ,
// and weights w ≥ 0 with min over the box of Σ w_k (g_k·x − h_k) > Σ w_k σ_k prove that no input
// of the box meets every exact constraint (Farkas). That minimum is bounded below rigorously, so
// the LP's weights need no trust: any weights that pass prove.
#pragma once

#include <Eigen/Core>
#include <vector>

#include "certnn/bounds/box.hpp"
#include "certnn/model/network.hpp"

namespace certnn::verify {

// Rows: the value's elements; columns: the coefficients of x, then the constant.
struct EnclosedForms {
  Eigen::MatrixXd f;
  Eigen::VectorXd radius;
};

// LP rows g·x ≤ h (one per row of g) with the slack of each (see above).
struct SlackRows {
  Eigen::MatrixXd g;
  Eigen::VectorXd h, slack;
};

class FormCalculus {
 public:
  // Layers the calculus passes: ReLU-like activations and these affine kinds.
  static bool supports(const model::Network& network);

  FormCalculus(const model::Network& network, const bounds::Box& input);

  EnclosedForms input() const;
  // The output of node k, an affine layer of a supported kind.
  EnclosedForms affine(std::size_t k, const std::vector<const EnclosedForms*>& operands) const;
  // A piecewise-linear activation where each element's side is known: z ↦ slope_i·z.
  EnclosedForms scale_rows(const EnclosedForms& z, const Eigen::VectorXd& slope) const;

  // +1 when element i is ≥ 0 on the whole box, −1 when ≤ 0, else 0 (its range over the box).
  int sign_on_box(const EnclosedForms& v, Eigen::Index i) const;

  // The rows a·v ≤ b (a a column of `coefficients`, b its entry of `bound`) of a value's forms.
  SlackRows constraint_rows(const EnclosedForms& v, const Eigen::MatrixXd& coefficients,
                            const Eigen::VectorXd& bound) const;
  // The row sign·z_i ≥ 0 of element i, written −sign·F_i·(x, 1) ≤ 0 with slack radius_i.
  void append_sign_row(SlackRows& rows, const EnclosedForms& z, Eigen::Index i, double sign) const;

  // Whether the weights prove that no input of the box satisfies all the exact constraints.
  bool farkas_proves(const SlackRows& rows, const Eigen::VectorXd& weights) const;

 private:
  // |F|·(|x|, 1) over the box, rounded up, per row.
  Eigen::VectorXd magnitude_up(const Eigen::MatrixXd& f) const;
  // radius + the rounding of one operation per entry of f.
  Eigen::VectorXd plus_entry_rounding(Eigen::VectorXd radius, const Eigen::MatrixXd& f) const;

  const model::Network& network_;
  bounds::Box box_;
  Eigen::VectorXd extent_;                // (max(|lower|, |upper|), 1)
  double underflow_;                      // Σ extent · 2^-1074: a product's underflow per term
  std::vector<Eigen::MatrixXd> abs_weight_;  // per node: |W| of Dense layers
};

}  // namespace certnn::verify
