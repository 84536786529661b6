#include "certnn/grad/expression.hpp"

#include <cmath>
#include <string>

#include "certnn/bounds/relax/activation_lines.hpp"
#include "certnn/core/error.hpp"
#include "certnn/grad/loss.hpp"
#include "certnn/model/convolution.hpp"

namespace certnn::grad {
namespace {

using Eigen::Index;

void check_same_shape(const Matrix& a, const Matrix& b, const char* op) {
  if (a.rows() != b.rows() || a.cols() != b.cols())
    throw ShapeError(std::string("expression ") + op + ": operands " + std::to_string(a.rows()) + " x " +
                     std::to_string(a.cols()) + " and " + std::to_string(b.rows()) + " x " + std::to_string(b.cols()));
}

void check_labels(std::span<const std::int64_t> labels, Index classes, Index columns, const char* op) {
  if (static_cast<Index>(labels.size()) != columns)
    throw ShapeError(std::string("expression ") + op + ": " + std::to_string(labels.size()) + " labels for " +
                     std::to_string(columns) + " columns");
  for (std::int64_t label : labels)
    if (label < 0 || label >= classes)
      throw ShapeError(std::string("expression ") + op + ": label " + std::to_string(label) + " outside [0, " +
                       std::to_string(classes) + ")");
}

// The columns of `m` listed in `columns`, side by side.
Matrix gather_columns(const Matrix& m, const std::vector<Index>& columns) {
  Matrix out(m.rows(), static_cast<Index>(columns.size()));
  for (std::size_t i = 0; i < columns.size(); ++i) out.col(static_cast<Index>(i)) = m.col(columns[i]);
  return out;
}

void scatter_add_columns(Matrix& target, const Matrix& block, const std::vector<Index>& columns) {
  for (std::size_t i = 0; i < columns.size(); ++i) target.col(columns[i]) += block.col(static_cast<Index>(i));
}

}  // namespace

std::size_t Graph::index(Var v) const {
  if (v.id < 0 || static_cast<std::size_t>(v.id) >= nodes_.size())
    throw Error("expression: a value of another graph or an empty handle");
  return static_cast<std::size_t>(v.id);
}

Var Graph::record(Matrix value, std::initializer_list<Var> operands,
                  std::function<void(Graph&, const Matrix&)> pull_back) {
  bool needs_gradient = false;
  for (Var v : operands) needs_gradient = needs_gradient || needs(v);
  nodes_.push_back(Node{std::move(value), Matrix(), needs_gradient,
                        needs_gradient ? std::move(pull_back) : std::function<void(Graph&, const Matrix&)>()});
  return Var{static_cast<std::int32_t>(nodes_.size() - 1)};
}

Matrix& Graph::gradient_slot(Var v) {
  Node& node = nodes_[index(v)];
  if (node.gradient.size() == 0) node.gradient = Matrix::Zero(node.value.rows(), node.value.cols());
  return node.gradient;
}

Matrix Graph::gradient(Var v) const {
  const Node& node = nodes_.at(index(v));
  if (node.gradient.size() == 0) return Matrix::Zero(node.value.rows(), node.value.cols());
  return node.gradient;
}

Var Graph::constant(Matrix value) {
  nodes_.push_back(Node{std::move(value), Matrix(), false, {}});
  return Var{static_cast<std::int32_t>(nodes_.size() - 1)};
}

Var Graph::variable(Matrix value) {
  nodes_.push_back(Node{std::move(value), Matrix(), true, {}});
  return Var{static_cast<std::int32_t>(nodes_.size() - 1)};
}

Var Graph::matmul(Var a, Var b) {
  const Matrix &va = value(a), &vb = value(b);
  if (va.cols() != vb.rows()) throw ShapeError("expression matmul: inner dimensions differ");
  Matrix product = va * vb;
  return record(std::move(product), {a, b}, [a, b](Graph& g, const Matrix& d) {
    if (g.needs(a)) g.accumulate_product(a, d, g.value(b).transpose());
    if (g.needs(b)) g.accumulate_product(b, g.value(a).transpose(), d);
  });
}

Var Graph::matmul_transposed(Var a, Var b) {
  const Matrix &va = value(a), &vb = value(b);
  if (va.rows() != vb.rows()) throw ShapeError("expression matmul_transposed: inner dimensions differ");
  Matrix product = va.transpose() * vb;
  return record(std::move(product), {a, b}, [a, b](Graph& g, const Matrix& d) {
    if (g.needs(a)) g.accumulate_product(a, g.value(b), d.transpose());
    if (g.needs(b)) g.accumulate_product(b, g.value(a), d);
  });
}

Var Graph::add(Var a, Var b) {
  check_same_shape(value(a), value(b), "add");
  return record(value(a) + value(b), {a, b}, [a, b](Graph& g, const Matrix& d) {
    if (g.needs(a)) g.accumulate(a, d);
    if (g.needs(b)) g.accumulate(b, d);
  });
}

Var Graph::sub(Var a, Var b) {
  check_same_shape(value(a), value(b), "sub");
  return record(value(a) - value(b), {a, b}, [a, b](Graph& g, const Matrix& d) {
    if (g.needs(a)) g.accumulate(a, d);
    if (g.needs(b)) g.accumulate(b, -d);
  });
}

Var Graph::mul(Var a, Var b) {
  check_same_shape(value(a), value(b), "mul");
  return record(value(a).cwiseProduct(value(b)), {a, b}, [a, b](Graph& g, const Matrix& d) {
    if (g.needs(a)) g.accumulate(a, d.cwiseProduct(g.value(b)));
    if (g.needs(b)) g.accumulate(b, d.cwiseProduct(g.value(a)));
  });
}

Var Graph::scale(Var a, double factor) {
  return record(value(a) * factor, {a}, [a, factor](Graph& g, const Matrix& d) { g.accumulate(a, d * factor); });
}

Var Graph::add_bias(Var x, Var bias, Index repeat) {
  const Matrix &vx = value(x), &vb = value(bias);
  if (repeat < 1 || vb.cols() != 1 || vb.rows() * repeat != vx.rows())
    throw ShapeError("expression add_bias: a bias of " + std::to_string(vb.rows()) + " x " + std::to_string(vb.cols()) +
                     " repeated " + std::to_string(repeat) + " times for " + std::to_string(vx.rows()) + " rows");
  Matrix out = vx;
  for (Index k = 0; k < vb.rows(); ++k) out.middleRows(k * repeat, repeat).array() += vb(k, 0);
  return record(std::move(out), {x, bias}, [x, bias, repeat](Graph& g, const Matrix& d) {
    if (g.needs(x)) g.accumulate(x, d);
    if (g.needs(bias)) {
      Matrix& db = g.gradient_slot(bias);
      for (Index k = 0; k < db.rows(); ++k) db(k, 0) += d.middleRows(k * repeat, repeat).sum();
    }
  });
}

Var Graph::abs(Var a) {
  return record(value(a).cwiseAbs(), {a}, [a](Graph& g, const Matrix& d) {
    g.accumulate(a, d.binaryExpr(g.value(a), [](double di, double ai) {
      return ai > 0 ? di : ai < 0 ? -di : 0.0;
    }));
  });
}

Var Graph::relu(Var a) {
  return record(value(a).cwiseMax(0.0), {a}, [a](Graph& g, const Matrix& d) {
    g.accumulate(a, d.binaryExpr(g.value(a), [](double di, double ai) { return ai > 0 ? di : 0.0; }));
  });
}

Var Graph::repeat_columns(Var a, Index times) {
  const Matrix& va = value(a);
  if (times < 1) throw ShapeError("expression repeat_columns: a repeat count below 1");
  Matrix out(va.rows(), va.cols() * times);
  for (Index s = 0; s < va.cols(); ++s) out.middleCols(s * times, times).colwise() = va.col(s);
  return record(std::move(out), {a}, [a, times](Graph& g, const Matrix& d) {
    Matrix folded(d.rows(), d.cols() / times);
    for (Index s = 0; s < folded.cols(); ++s) folded.col(s) = d.middleCols(s * times, times).rowwise().sum();
    g.accumulate(a, std::move(folded));
  });
}

Var Graph::column_sums(Var a) {
  return record(value(a).colwise().sum(), {a}, [a](Graph& g, const Matrix& d) {
    g.accumulate(a, Matrix(d.replicate(g.value(a).rows(), 1)));
  });
}

Var Graph::reshape(Var a, Index rows, Index cols) {
  const Matrix& va = value(a);
  if (rows * cols != va.size())
    throw ShapeError("expression reshape: " + std::to_string(va.size()) + " entries into " + std::to_string(rows) +
                     " x " + std::to_string(cols));
  return record(va.reshaped(rows, cols), {a}, [a](Graph& g, const Matrix& d) {
    const Matrix& va = g.value(a);
    g.accumulate(a, Matrix(d.reshaped(va.rows(), va.cols())));
  });
}

// Between the kinks u / (u − l) has ∂/∂u = −l / (u − l)² and ∂/∂l = u / (u − l)²; outside it is
// constant.
Var Graph::relu_chord_slope(Var lower, Var upper) {
  const Matrix &l = value(lower), &u = value(upper);
  check_same_shape(l, u, "relu_chord_slope");
  Matrix slope = l.binaryExpr(u, [](double li, double ui) { return bounds::relax::convex_kink_chord_slope(0.0, li, ui); });
  return record(std::move(slope), {lower, upper}, [lower, upper](Graph& g, const Matrix& d) {
    const Matrix &l = g.value(lower), &u = g.value(upper);
    const auto between = [](double li, double ui) { return li < 0 && ui > 0; };
    if (g.needs(lower)) {
      Matrix dl(l.rows(), l.cols());
      for (Index i = 0; i < l.size(); ++i) {
        const double li = l.data()[i], ui = u.data()[i];
        dl.data()[i] = between(li, ui) ? d.data()[i] * ui / ((ui - li) * (ui - li)) : 0.0;
      }
      g.accumulate(lower, std::move(dl));
    }
    if (g.needs(upper)) {
      Matrix du(u.rows(), u.cols());
      for (Index i = 0; i < u.size(); ++i) {
        const double li = l.data()[i], ui = u.data()[i];
        du.data()[i] = between(li, ui) ? -d.data()[i] * li / ((ui - li) * (ui - li)) : 0.0;
      }
      g.accumulate(upper, std::move(du));
    }
  });
}

Var Graph::conv2d(Var weight, Var x, const model::Window2d& window) {
  const Matrix &w = value(weight), &vx = value(x);
  if (w.cols() != window.channels * window.kernel_h * window.kernel_w ||
      vx.rows() != window.channels * window.in_h * window.in_w)
    throw ShapeError("expression conv2d: weight or input does not match the window");
  return record(model::convolve<double>(w, window, vx), {weight, x}, [weight, x, window](Graph& g, const Matrix& d) {
    const Matrix& w = g.value(weight);
    if (g.needs(weight)) g.accumulate(weight, model::convolution_weight_gradient(window, g.value(x), d));
    if (g.needs(x)) g.accumulate(x, model::convolve_adjoint<double>(w, window, d));
  });
}

Var Graph::conv2d_transposed(Var weight, Var y, const model::Window2d& window) {
  const Matrix &w = value(weight), &vy = value(y);
  if (w.cols() != window.channels * window.kernel_h * window.kernel_w ||
      vy.rows() != w.rows() * window.out_h * window.out_w)
    throw ShapeError("expression conv2d_transposed: weight or input does not match the window");
  return record(model::convolve_adjoint<double>(w, window, vy), {weight, y},
                [weight, y, window](Graph& g, const Matrix& d) {
                  const Matrix& w = g.value(weight);
                  if (g.needs(weight)) g.accumulate(weight, model::convolution_weight_gradient(window, d, g.value(y)));
                  if (g.needs(y)) g.accumulate(y, model::convolve<double>(w, window, d));
                });
}

Var Graph::cross_entropy_sum(Var logits, std::span<const std::int64_t> labels) {
  Loss loss = cross_entropy(value(logits), labels);
  return record(Matrix::Constant(1, 1, loss.value.sum()), {logits},
                [logits, slope = std::move(loss.cotangent)](Graph& g, const Matrix& d) {
                  g.accumulate(logits, slope * d(0, 0));
                });
}

Var Graph::label_difference_upper(Var weight, Var bias, Var centre, Var radius,
                                  std::span<const std::int64_t> labels) {
  const Matrix &w = value(weight), &b = value(bias), &c = value(centre), &r = value(radius);
  check_same_shape(c, r, "label_difference_upper");
  if (w.cols() != c.rows() || b.rows() != w.rows() || b.cols() != 1)
    throw ShapeError("expression label_difference_upper: weight, bias and interval do not fit");
  check_labels(labels, w.rows(), c.cols(), "label_difference_upper");

  // Samples are grouped by label so that each difference matrix W − 1 W_label is built once.
  std::vector<std::vector<Index>> groups(static_cast<std::size_t>(w.rows()));
  for (Index s = 0; s < c.cols(); ++s) groups[static_cast<std::size_t>(labels[s])].push_back(s);
  Matrix out(w.rows(), c.cols());
  for (Index label = 0; label < w.rows(); ++label) {
    const auto& columns = groups[static_cast<std::size_t>(label)];
    if (columns.empty()) continue;
    const Matrix difference = w.rowwise() - w.row(label);
    Matrix block = difference * gather_columns(c, columns) + difference.cwiseAbs() * gather_columns(r, columns);
    block.colwise() += b.col(0) - Eigen::VectorXd::Constant(b.rows(), b(label, 0));
    for (std::size_t i = 0; i < columns.size(); ++i) out.col(columns[i]) = block.col(static_cast<Index>(i));
  }
  return record(std::move(out), {weight, bias, centre, radius},
                [weight, bias, centre, radius, groups](Graph& g, const Matrix& d) {
                  const Matrix &w = g.value(weight), &c = g.value(centre), &r = g.value(radius);
                  for (Index label = 0; label < w.rows(); ++label) {
                    const auto& columns = groups[static_cast<std::size_t>(label)];
                    if (columns.empty()) continue;
                    const Matrix difference = w.rowwise() - w.row(label);
                    const Matrix magnitude = difference.cwiseAbs();
                    const Matrix dy = gather_columns(d, columns);
                    if (g.needs(weight)) {
                      const Matrix from_radius = dy * gather_columns(r, columns).transpose();
                      Matrix d_difference = dy * gather_columns(c, columns).transpose();
                      d_difference += from_radius.binaryExpr(difference, [](double di, double ai) {
                        return ai > 0 ? di : ai < 0 ? -di : 0.0;
                      });
                      Matrix& dw = g.gradient_slot(weight);
                      dw += d_difference;
                      dw.row(label) -= d_difference.colwise().sum();
                    }
                    if (g.needs(bias)) {
                      Matrix& db = g.gradient_slot(bias);
                      db.col(0) += dy.rowwise().sum();
                      db(label, 0) -= dy.sum();
                    }
                    if (g.needs(centre)) scatter_add_columns(g.gradient_slot(centre), difference.transpose() * dy, columns);
                    if (g.needs(radius)) scatter_add_columns(g.gradient_slot(radius), magnitude.transpose() * dy, columns);
                  }
                });
}

void Graph::backward(Var loss) {
  const Node& last = nodes_[index(loss)];
  if (last.value.rows() != 1 || last.value.cols() != 1)
    throw ShapeError("expression backward: the loss must be a 1 x 1 value");
  for (Node& node : nodes_) node.gradient.resize(0, 0);
  gradient_slot(loss)(0, 0) = 1.0;
  for (std::size_t k = index(loss) + 1; k-- > 0;) {
    Node& node = nodes_[k];
    if (node.pull_back && node.gradient.size() != 0) node.pull_back(*this, node.gradient);
  }
}

}  // namespace certnn::grad
