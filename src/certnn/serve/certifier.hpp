// Certificates for predictions, each computed on a worker against a deadline: a prediction is
// answered at once, its certificate when it is ready or as "not finished" when the budget ran out.
// Certified means the bound method proves y[label] − y[j] > 0 for every j ≠ label over the L∞
// ball of radius eps around the input, clipped to the domain (attack/radius.hpp's margins).
#pragma once

#include <Eigen/Core>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "certnn/bounds/method.hpp"
#include "certnn/model/network.hpp"
#include "certnn/serve/worker_pool.hpp"

namespace certnn::serve {

struct CertifySettings {
  double eps = 0.01;
  std::string method = "crown";  // a sound method (bounds::make_sound_method)
  std::optional<bounds::Domain> domain = bounds::Domain{};
  std::chrono::milliseconds budget{1000};  // per request, from its arrival
  int threads = 2;
  bounds::Options bounds;
};

struct Certificate {
  std::optional<bool> certified;        // none: not finished within the budget (reason says so)
  std::optional<double> margin_lower;   // proved lower bound of min over j ≠ label of y[label] − y[j]
  double seconds = 0.0;                 // bound computation time (0 when it never started)
  std::string reason;                   // why certified is none or false; empty when true
  bool radius_asked = false;
  std::optional<double> radius_certified, radius_attacked;  // attack/radius.hpp, when asked and finished
  std::string radius_reason;            // why an asked radius is missing
};

class Certifier {
 public:
  // Throws certnn::Error for an unknown or unsound method, a negative or non-finite eps, and
  // Unsupported when the method refuses a layer of the network.
  Certifier(const model::Network& network, CertifySettings settings);

  // One certificate per column of inputs (input_size x n) for the given predicted labels, waiting
  // at most until the deadline; the workers skip a job whose deadline passed before it started.
  std::vector<Certificate> certify(const Eigen::MatrixXd& inputs, const std::vector<std::int64_t>& labels,
                                   bool radius, std::chrono::steady_clock::time_point deadline);

  const CertifySettings& settings() const { return settings_; }

 private:
  model::Network network_;
  std::vector<model::Network> margins_;  // one per class: attack::margin_network
  std::unique_ptr<bounds::Method> method_;
  CertifySettings settings_;
  WorkerPool pool_;  // last: its destructor finishes jobs that read the members above
};

}  // namespace certnn::serve
