// Every operation of the expression graph against central finite differences, and the
// convolution pair against the network's own convolution and against each other (adjoints).
#include "certnn/grad/expression.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <random>
#include <vector>

#include "certnn/core/error.hpp"
#include "certnn/model/forward.hpp"
#include "certnn/model/network.hpp"
#include "certnn/model/shape_inference.hpp"
#include "random_seed.hpp"

namespace certnn::grad {
namespace {

using Eigen::Index;

// Entries uniform in ±[0.1, 1]: at least 0.1 from the kinks of abs and relu at 0, far more than
// the finite-difference step.
Matrix away_from_zero(Index rows, Index cols, std::mt19937& random) {
  std::uniform_real_distribution<double> magnitude(0.1, 1.0);
  std::bernoulli_distribution sign;
  Matrix m(rows, cols);
  for (Index i = 0; i < m.size(); ++i) m.data()[i] = sign(random) ? magnitude(random) : -magnitude(random);
  return m;
}

// Reduces a value to ⟨C, value⟩ with a fixed random C, so every entry's gradient is exercised.
Var weighted_sum(Graph& graph, Var value, const Matrix& weights) {
  const Var product = graph.mul(value, graph.constant(weights));
  const Var rows = graph.matmul(graph.constant(Matrix::Ones(1, weights.rows())), product);
  return graph.matmul(rows, graph.constant(Matrix::Ones(weights.cols(), 1)));
}

using Function = std::function<Var(Graph&, const std::vector<Var>&)>;

// The loss's analytic gradient with respect to each operand against (f(θ + h) − f(θ − h)) / 2h.
// Tolerance 1e-6 relative to max(1, |gradient|): the functions are a few operations on entries
// of magnitude ≤ 1, so truncation (h²/6 · |f'''|) and rounding (≈ u / h) are both below 1e-8.
void expect_gradients_match(const std::vector<Matrix>& operands, const Function& f) {
  Graph graph;
  std::vector<Var> vars;
  for (const Matrix& m : operands) vars.push_back(graph.variable(m));
  const Var loss = f(graph, vars);
  graph.backward(loss);
  constexpr double h = 1e-6;
  for (std::size_t k = 0; k < operands.size(); ++k) {
    const Matrix analytic = graph.gradient(vars[k]);
    for (Index i = 0; i < operands[k].size(); ++i) {
      const auto evaluate = [&](double shift) {
        std::vector<Matrix> moved = operands;
        moved[k].data()[i] += shift;
        Graph g;
        std::vector<Var> v;
        for (const Matrix& m : moved) v.push_back(g.variable(m));
        return g.value(f(g, v))(0, 0);
      };
      const double numeric = (evaluate(h) - evaluate(-h)) / (2 * h);
      EXPECT_NEAR(analytic.data()[i], numeric, 1e-6 * std::max(1.0, std::abs(numeric)))
          << "operand " << k << " entry " << i;
    }
  }
}

model::Window2d test_window() {
  model::Window2d w;
  w.channels = 2;
  w.in_h = 5;
  w.in_w = 4;
  w.kernel_h = 3;
  w.kernel_w = 2;
  w.stride_h = 2;
  w.stride_w = 1;
  w.pad_top = 1;
  w.pad_bottom = 0;
  w.pad_left = 1;
  w.pad_right = 1;
  model::complete_window(w);
  return w;
}

TEST(Expression, ElementwiseAndLinearOperationsHaveTheirGradients) {
  std::mt19937 random = testing::seeded_generator();
  const Matrix a = away_from_zero(3, 4, random), b = away_from_zero(3, 4, random), c = away_from_zero(4, 2, random);
  const Matrix weights = away_from_zero(3, 4, random), weights2 = away_from_zero(3, 2, random);
  const Matrix bias = away_from_zero(3, 1, random);
  expect_gradients_match({a, b}, [&](Graph& g, const auto& v) { return weighted_sum(g, g.add(v[0], v[1]), weights); });
  expect_gradients_match({a, b}, [&](Graph& g, const auto& v) { return weighted_sum(g, g.sub(v[0], v[1]), weights); });
  expect_gradients_match({a, b}, [&](Graph& g, const auto& v) { return weighted_sum(g, g.mul(v[0], v[1]), weights); });
  expect_gradients_match({a}, [&](Graph& g, const auto& v) { return weighted_sum(g, g.scale(v[0], -2.5), weights); });
  expect_gradients_match({a}, [&](Graph& g, const auto& v) { return weighted_sum(g, g.abs(v[0]), weights); });
  expect_gradients_match({a}, [&](Graph& g, const auto& v) { return weighted_sum(g, g.relu(v[0]), weights); });
  expect_gradients_match({a, c}, [&](Graph& g, const auto& v) { return weighted_sum(g, g.matmul(v[0], v[1]), weights2); });
  const Matrix square_weights = away_from_zero(4, 4, random);
  expect_gradients_match({a, b}, [&](Graph& g, const auto& v) {
    return weighted_sum(g, g.matmul_transposed(v[0], v[1]), square_weights);
  });
  expect_gradients_match({a, bias}, [&](Graph& g, const auto& v) { return weighted_sum(g, g.add_bias(v[0], v[1]), weights); });
  const Matrix tall = away_from_zero(6, 2, random), short_bias = away_from_zero(2, 1, random);
  const Matrix tall_weights = away_from_zero(6, 2, random);
  expect_gradients_match({tall, short_bias}, [&](Graph& g, const auto& v) {
    return weighted_sum(g, g.add_bias(v[0], v[1], 3), tall_weights);
  });
}

TEST(Expression, ShapeChangesAndTheChordSlopeHaveTheirGradients) {
  std::mt19937 random = testing::seeded_generator();
  const Matrix a = away_from_zero(3, 2, random);
  const Matrix repeated_weights = away_from_zero(3, 6, random), sum_weights = away_from_zero(1, 2, random);
  expect_gradients_match({a}, [&](Graph& g, const auto& v) { return weighted_sum(g, g.repeat_columns(v[0], 3), repeated_weights); });
  expect_gradients_match({a}, [&](Graph& g, const auto& v) { return weighted_sum(g, g.column_sums(v[0]), sum_weights); });
  expect_gradients_match({a}, [&](Graph& g, const auto& v) { return weighted_sum(g, g.reshape(v[0], 2, 3), repeated_weights.leftCols(3).topRows(2)); });
  Graph graph;
  const Matrix repeated = graph.value(graph.repeat_columns(graph.constant(a), 3));
  for (Index s = 0; s < 2; ++s)
    for (Index k = 0; k < 3; ++k) EXPECT_EQ(repeated.col(s * 3 + k), a.col(s));

  // Intervals on both sides of 0, and wholly on one side (slope 1 or 0, no gradient).
  Matrix lower(1, 4), upper(1, 4);
  lower << -0.7, -0.2, 0.3, -0.9;
  upper << 0.4, 0.9, 0.8, -0.1;
  const Matrix slope = graph.value(graph.relu_chord_slope(graph.constant(lower), graph.constant(upper)));
  EXPECT_DOUBLE_EQ(slope(0, 0), 0.4 / 1.1);
  EXPECT_DOUBLE_EQ(slope(0, 2), 1.0);
  EXPECT_DOUBLE_EQ(slope(0, 3), 0.0);
  const Matrix slope_weights = away_from_zero(1, 4, random);
  expect_gradients_match({lower, upper}, [&](Graph& g, const auto& v) {
    return weighted_sum(g, g.relu_chord_slope(v[0], v[1]), slope_weights);
  });
}

TEST(Expression, ConvolutionsHaveTheirGradients) {
  std::mt19937 random = testing::seeded_generator();
  const model::Window2d w = test_window();
  const Index taps = w.channels * w.kernel_h * w.kernel_w, positions = w.out_h * w.out_w;
  const Matrix weight = away_from_zero(3, taps, random), x = away_from_zero(w.channels * w.in_h * w.in_w, 2, random);
  const Matrix y = away_from_zero(3 * positions, 2, random);
  const Matrix output_weights = away_from_zero(3 * positions, 2, random), input_weights = away_from_zero(x.rows(), 2, random);
  expect_gradients_match({weight, x}, [&](Graph& g, const auto& v) {
    return weighted_sum(g, g.conv2d(v[0], v[1], w), output_weights);
  });
  expect_gradients_match({weight, y}, [&](Graph& g, const auto& v) {
    return weighted_sum(g, g.conv2d_transposed(v[0], v[1], w), input_weights);
  });
}

TEST(Expression, ConvolutionMatchesTheNetworkLayerAndItsTransposeIsTheAdjoint) {
  std::mt19937 random = testing::seeded_generator();
  const model::Window2d w = test_window();
  const Index taps = w.channels * w.kernel_h * w.kernel_w, positions = w.out_h * w.out_w;
  model::Conv2d conv;
  conv.window = w;
  conv.out_channels = 3;
  conv.weight = away_from_zero(3, taps, random);
  conv.bias = Eigen::VectorXd::Zero(3);
  model::Network network({1, w.channels, w.in_h, w.in_w});
  network.set_output(network.add("conv", conv, {model::kInputValue}));
  const Matrix x = away_from_zero(w.channels * w.in_h * w.in_w, 3, random);
  const Matrix y = away_from_zero(3 * positions, 3, random);

  Graph graph;
  const Var weight = graph.constant(conv.weight);
  const Matrix forward = graph.value(graph.conv2d(weight, graph.constant(x), w));
  EXPECT_LT((forward - model::forward<double>(network, x)).cwiseAbs().maxCoeff(), 1e-12);
  const Matrix backward = graph.value(graph.conv2d_transposed(weight, graph.constant(y), w));
  for (Index s = 0; s < 3; ++s)
    EXPECT_NEAR(forward.col(s).dot(y.col(s)), x.col(s).dot(backward.col(s)), 1e-12);
}

TEST(Expression, CrossEntropyIsTheLogSumExpLossAndStaysFiniteForHugeLogits) {
  std::mt19937 random = testing::seeded_generator();
  const Matrix z = away_from_zero(4, 3, random);
  const std::vector<std::int64_t> labels{2, 0, 3};
  expect_gradients_match({z}, [&](Graph& g, const auto& v) { return g.cross_entropy_sum(v[0], labels); });
  Graph graph;
  double expected = 0.0;
  for (Index s = 0; s < 3; ++s) expected += std::log(z.col(s).array().exp().sum()) - z(labels[s], s);
  EXPECT_NEAR(graph.value(graph.cross_entropy_sum(graph.constant(z), labels))(0, 0), expected, 1e-12);
  Matrix huge(2, 1);
  huge << 1000.0, 0.0;
  EXPECT_NEAR(graph.value(graph.cross_entropy_sum(graph.constant(huge), std::vector<std::int64_t>{1}))(0, 0), 1000.0,
              1e-9);
}

TEST(Expression, LabelDifferenceBoundsAreTheExactMaximaOverTheBox) {
  std::mt19937 random = testing::seeded_generator();
  const Matrix weight = away_from_zero(3, 4, random), bias = away_from_zero(3, 1, random);
  const Matrix centre = away_from_zero(4, 5, random), radius = away_from_zero(4, 5, random).cwiseAbs();
  const std::vector<std::int64_t> labels{0, 2, 1, 2, 0};
  const Matrix weights = away_from_zero(3, 5, random);
  expect_gradients_match({weight, bias, centre, radius}, [&](Graph& g, const auto& v) {
    return weighted_sum(g, g.label_difference_upper(v[0], v[1], v[2], v[3], labels), weights);
  });
  // An affine function's maximum over a box sits at the corner that follows its coefficients' signs.
  Graph graph;
  const Matrix upper = graph.value(graph.label_difference_upper(graph.constant(weight), graph.constant(bias),
                                                                graph.constant(centre), graph.constant(radius), labels));
  for (Index s = 0; s < 5; ++s)
    for (Index j = 0; j < 3; ++j) {
      const Eigen::RowVectorXd difference = weight.row(j) - weight.row(labels[s]);
      const Eigen::VectorXd corner =
          centre.col(s) + radius.col(s).cwiseProduct(difference.transpose().unaryExpr([](double d) { return d >= 0 ? 1.0 : -1.0; }));
      EXPECT_NEAR(upper(j, s), difference * corner + bias(j, 0) - bias(labels[s], 0), 1e-12);
    }
}

TEST(Expression, RefusesMismatchedOperandsAndForeignHandles) {
  Graph graph;
  const Var a = graph.variable(Matrix::Ones(2, 3)), b = graph.variable(Matrix::Ones(3, 2));
  EXPECT_THROW(graph.add(a, b), ShapeError);
  EXPECT_THROW(graph.matmul(a, a), ShapeError);
  EXPECT_THROW(graph.add_bias(a, graph.constant(Matrix::Ones(3, 1))), ShapeError);
  EXPECT_THROW(graph.cross_entropy_sum(a, std::vector<std::int64_t>{0, 1, 2}), ShapeError);
  EXPECT_THROW(graph.backward(a), ShapeError);
  EXPECT_THROW(graph.value(Var{99}), Error);
}

}  // namespace
}  // namespace certnn::grad
