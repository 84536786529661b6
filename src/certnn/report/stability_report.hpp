// The measurements behind `certnn report`: a model's stability seen from five sides, each the
// output of an analysis the other commands run one at a time.
//   widths     bounds/width_sweep.hpp: the mean widest output interval against ε, per bound
//              method, of the logits and of the softmax appended to them;
//   accuracy   train/robust_evaluation.hpp: clean, PGD and certified accuracy against ε, L∞ and L2;
//   radii      attack/radius.hpp: per test input the certified and the attacked L∞ radius;
//   layers     stability/: spectral norms, condition numbers, the global Lipschitz bounds;
//   pictures   the first layer's filters and the inputs whose adversarial examples are closest.
#pragma once

#include <Eigen/Dense>
#include <atomic>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "certnn/attack/options.hpp"
#include "certnn/bounds/width_sweep.hpp"
#include "certnn/data/dataset.hpp"
#include "certnn/model/network.hpp"
#include "certnn/report/first_layer.hpp"
#include "certnn/stability/layer_stability.hpp"

namespace certnn::report {

struct StabilityReportOptions {
  std::vector<double> width_eps;      // ε of the width sweep, ascending, > 0
  std::vector<std::string> width_methods = {"ibp", "affine", "doubleton", "crown", "alpha-crown", "sample"};
  std::int64_t width_centres = 5;     // test inputs the widths are averaged over
  std::vector<double> linf_eps;       // ε of the L∞ accuracy curve, ≥ 0
  std::vector<double> l2_eps;         // ε of the L2 accuracy curve, ≥ 0 (empty: no L2 curve)
  std::string method = "crown";       // the sound method that certifies accuracy and radii
  std::int64_t samples = 200;         // test samples of the accuracy curves
  std::int64_t radius_inputs = 30;    // test inputs of the radius bracket
  std::int64_t closest = 4;           // inputs shown with their closest adversarial example
  int steps = 40;                     // PGD steps per restart (accuracy and radii)
  int restarts = 1;
  bool every_target = true;           // radii: attack each class in turn where PGD fails (radius.hpp)
  std::optional<bounds::Domain> domain = bounds::Domain{0.0, 1.0};
  std::uint64_t seed = 0;
  const std::atomic<bool>* stop = nullptr;              // raised: stop soon, keeping what is done
  std::function<void(const std::string&)> progress;     // the step at hand, in words
};

// The ε lists of a report: quick gives fewer points.
StabilityReportOptions default_report_options(bool quick);

struct RefusedMethod {
  std::string method;
  std::string output;  // "logits" or "softmax"
  std::string reason;  // the method's own error message
};

// The width sweep over one output: the logits, or the softmax appended to them.
struct WidthCurves {
  std::string output;  // "logits" or "softmax"
  std::vector<bounds::WidthSweepPoint> points;
};

struct AccuracyPoint {
  attack::Norm norm = attack::Norm::Linf;
  double eps = 0.0;
  std::int64_t samples = 0;
  double clean = 0.0, pgd = 0.0, certified = 0.0;
  std::optional<double> lipschitz_bound;  // L2: the global bound that certifies
};

struct RadiusBracket {
  std::int64_t index = 0;   // the test sample
  std::int64_t label = 0;
  double certified = 0.0;
  std::optional<double> attacked;             // none when PGD found no adversarial example
  std::optional<std::int64_t> adversarial_label;
  std::optional<Eigen::VectorXd> adversarial;
};

struct StabilityReport {
  std::string model;                    // the model's name as given (a path)
  std::string data;                     // the dataset's name
  Shape input_shape;
  std::int64_t outputs = 0, parameters = 0, layer_count = 0;
  std::string method;                   // the certifying method
  std::vector<WidthCurves> widths;      // logits, then softmax
  std::vector<RefusedMethod> refused;   // width methods that refused a network
  std::int64_t width_centres = 0;
  std::vector<AccuracyPoint> accuracy;
  std::vector<RadiusBracket> radii;
  std::vector<stability::LayerStability> layers;
  double ill_conditioned_threshold = 0.0;
  double lipschitz_upper = 0.0, lipschitz_lower = 0.0;
  struct Filters {
    std::string layer, kind;
    Eigen::MatrixXd rows;
    TileShape tile;
  };
  std::optional<Filters> filters;            // the first layer's; none when it is not drawable
  std::string filters_refusal;               // why, then
  std::optional<TileShape> image;            // the input as an image, when it is one
  Eigen::MatrixXd test_inputs;               // the radius inputs (input_size x radius_inputs), for pictures
  std::optional<bounds::Domain> domain;
  bool stopped = false;                      // stopped early: the figures hold what was finished
  double seconds = 0.0;
};

// test: the dataset's test split; its samples must fit the network (ShapeError otherwise) and lie
// in the domain. Throws certnn::Error for an unknown or unsound certifying method, Unsupported when
// it refuses a layer; width methods that refuse the network are listed in `refused` instead.
StabilityReport measure_stability_report(const model::Network& network, const std::string& model_name,
                                         const data::Dataset& test, const StabilityReportOptions& options);

}  // namespace certnn::report
