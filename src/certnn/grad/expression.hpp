// Reverse-mode differentiation of matrix expressions: the tape of the network trainers. A
// trainer writes a loss once as operations on a Graph — a network's function at points, its
// interval bounds as centres and radii, its linear bounds carried back to the input
// (train/network_function.hpp walks a model::Network onto it) — and one backward sweep gives the
// gradient of the scalar loss with respect to every variable. Values are matrices with one column
// per sample (or per (specification, sample) pair); per-sample values are flattened row-major as
// model::forward lays them out. The per-layer kernels are the model's own (model/convolution.hpp)
// and the cross-entropy is grad/loss.hpp's.
//
// This is training arithmetic: plain float64, no rounding control. Certificates come from the
// bound methods on the exported network, never from these values.
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "certnn/model/layers.hpp"

namespace certnn::grad {

using Matrix = Eigen::MatrixXd;

// A handle to one value of a Graph.
struct Var {
  std::int32_t id = -1;
};

class Graph {
 public:
  // Leaves. A constant takes no gradient; a variable's gradient is read after backward().
  Var constant(Matrix value);
  Var variable(Matrix value);

  const Matrix& value(Var v) const { return nodes_.at(index(v)).value; }
  // d loss / d v after backward(); zeros when the loss does not depend on v.
  Matrix gradient(Var v) const;

  // Linear algebra and element-wise arithmetic (operands of the same shape unless stated).
  Var matmul(Var a, Var b);              // a b
  Var matmul_transposed(Var a, Var b);   // aᵀ b
  Var add(Var a, Var b);
  Var sub(Var a, Var b);
  Var mul(Var a, Var b);                 // element-wise
  Var scale(Var a, double factor);
  // x + bias broadcast: bias has x.rows() / repeat rows and one column; row r of x receives
  // bias[r / repeat] (repeat = positions per channel for a convolution's bias, else 1).
  Var add_bias(Var x, Var bias, Eigen::Index repeat = 1);
  Var abs(Var a);                        // d|a|/da = sign(a), 0 at 0
  Var relu(Var a);                       // slope 0 at 0

  // Shape changes for bounds taken per (sample, specification) pair, whose columns are ordered
  // s · k + j: column s repeated k times side by side; the sums of each column (1 × cols); the
  // same entries in column-major order as rows × cols.
  Var repeat_columns(Var a, Eigen::Index times);
  Var column_sums(Var a);
  Var reshape(Var a, Eigen::Index rows, Eigen::Index cols);

  // The slope of ReLU's upper linear relaxation over [lower, upper], element-wise: 0 where
  // upper ≤ 0, 1 where lower ≥ 0, the chord's upper / (upper − lower) between
  // (bounds/relax/activation_lines.hpp, whose line CROWN uses).
  Var relu_chord_slope(Var lower, Var upper);

  // 2-D convolution without bias of a batch x (C·H·W × batch) by weight (out_channels ×
  // C·kernel_h·kernel_w, columns ordered (c, kh, kw)), window geometry as model::Conv2d; and its
  // adjoint, the transposed convolution of y (out_channels·out_h·out_w × columns) back to the
  // input space.
  Var conv2d(Var weight, Var x, const model::Window2d& window);
  Var conv2d_transposed(Var weight, Var y, const model::Window2d& window);

  // Σ over columns of the cross-entropy of logits (classes × batch) with one label per column:
  // log Σ_j exp(y_j) − y_label, evaluated without overflow. A 1 × 1 value.
  Var cross_entropy_sum(Var logits, std::span<const std::int64_t> labels);

  // The bounds of a last dense layer y = W h + b taken against each column's label, with h in
  // the interval of centre c and radius r (h.rows × batch): row j of column s is the upper
  // bound of y_j − y_label(s) over the interval, (W_j − W_label) c + |W_j − W_label| r +
  // b_j − b_label (0 in the label's row). Tighter than bounding y first and subtracting
  // (Gowal et al., 2018, the specification folded into the last layer).
  Var label_difference_upper(Var weight, Var bias, Var centre, Var radius, std::span<const std::int64_t> labels);

  // Seeds d loss / d loss = 1 for a 1 × 1 value and sweeps back over everything recorded.
  void backward(Var loss);

  std::size_t size() const { return nodes_.size(); }

 private:
  struct Node {
    Matrix value;
    Matrix gradient;                   // empty until something flows into it
    bool needs_gradient = false;
    std::function<void(Graph&, const Matrix&)> pull_back;  // adds into the operands' gradients
  };

  std::size_t index(Var v) const;
  bool needs(Var v) const { return nodes_[index(v)].needs_gradient; }
  Var record(Matrix value, std::initializer_list<Var> operands, std::function<void(Graph&, const Matrix&)> pull_back);
  Matrix& gradient_slot(Var v);  // zero-initialised on first use

  // gradient(v) += e; the first contribution is assigned, which spares zeroing large gradients.
  template <class Expression>
  void accumulate(Var v, const Expression& e) {
    Matrix& gradient = nodes_[index(v)].gradient;
    if (gradient.size() == 0) {
      gradient = e;
    } else {
      gradient += e;
    }
  }
  void accumulate(Var v, Matrix&& m) {
    Matrix& gradient = nodes_[index(v)].gradient;
    if (gradient.size() == 0) {
      gradient = std::move(m);
    } else {
      gradient += m;
    }
  }
  // gradient(v) += a b without a temporary.
  template <class A, class B>
  void accumulate_product(Var v, const A& a, const B& b) {
    Matrix& gradient = nodes_[index(v)].gradient;
    if (gradient.size() == 0) {
      gradient.noalias() = a * b;
    } else {
      gradient.noalias() += a * b;
    }
  }

  std::vector<Node> nodes_;
};

}  // namespace certnn::grad
