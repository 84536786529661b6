#include "certnn/serve/certifier.hpp"

#include <cmath>
#include <condition_variable>
#include <mutex>

#include "certnn/attack/radius.hpp"
#include "certnn/core/error.hpp"

namespace certnn::serve {
namespace {

using Clock = std::chrono::steady_clock;

// PGD settings of the radius search: few steps, one restart, untargeted, so that a radius fits a
// request's budget; the attacked radius is then an upper bracket, not the tightest one.
constexpr int kRadiusAttackSteps = 20;
// With no domain, the radius is searched up to this distance.
constexpr double kRadiusWithoutDomain = 1.0;

// What a job hands back to the request that waits for it: the certificate at eps first, then the
// radius, each published as soon as it is known.
struct Shared {
  std::mutex mutex;
  std::condition_variable done;
  std::vector<Certificate> certificates;
  std::vector<bool> certified, radius_found;

  bool complete(bool radius) const {
    for (std::size_t k = 0; k < certified.size(); ++k)
      if (!certified[k] || (radius && !radius_found[k])) return false;
    return true;
  }
};

std::string budget_text(std::chrono::milliseconds budget) {
  return "not finished within the budget of " + std::to_string(budget.count()) + " ms";
}

}  // namespace

Certifier::Certifier(const model::Network& network, CertifySettings settings)
    : network_(network),
      method_(bounds::make_sound_method(settings.method, "serve")),
      settings_(std::move(settings)),
      pool_(settings_.threads) {
  if (!(std::isfinite(settings_.eps) && settings_.eps >= 0.0)) throw Error("serve: --eps must be a finite number >= 0");
  for (std::int64_t label = 0; label < network_.output_size(); ++label)
    margins_.push_back(attack::margin_network(network_, label));
  method_->check(margins_.front());
}

std::vector<Certificate> Certifier::certify(const Eigen::MatrixXd& inputs, const std::vector<std::int64_t>& labels,
                                            bool radius, Clock::time_point deadline) {
  const auto count = static_cast<std::size_t>(inputs.cols());
  auto shared = std::make_shared<Shared>();
  shared->certificates.resize(count);
  shared->certified.assign(count, false);
  shared->radius_found.assign(count, false);
  for (std::size_t k = 0; k < count; ++k) {
    // The job owns copies of what it reads: the request that waits for it may be gone when it runs.
    pool_.submit([this, shared, k, deadline, radius, input = Eigen::VectorXd(inputs.col(static_cast<Eigen::Index>(k))),
                  label = labels[k]] {
      Certificate certificate;
      if (Clock::now() >= deadline) {
        certificate.reason = budget_text(settings_.budget) + " (queued behind other certificates)";
      } else {
        try {
          const auto start = Clock::now();
          const bounds::Result result =
              method_->propagate(margins_[static_cast<std::size_t>(label)],
                                 bounds::linf_ball(input, settings_.eps, settings_.domain), settings_.bounds);
          const double lowest = result.output.lower.minCoeff();
          certificate.margin_lower = lowest;
          certificate.certified = result.sound && lowest > 0.0;
          if (!*certificate.certified) certificate.reason = "the lower bound of the margin is not above 0";
          certificate.seconds = std::chrono::duration<double>(Clock::now() - start).count();
        } catch (const std::exception& e) {
          certificate.reason = std::string("the bound computation failed: ") + e.what();
        }
      }
      {
        std::lock_guard lock(shared->mutex);
        shared->certificates[k] = std::move(certificate);
        shared->certified[k] = true;
      }
      shared->done.notify_all();
      if (!radius) return;
      std::optional<attack::Radius> found;
      std::string why;
      if (Clock::now() < deadline) {
        try {
          attack::RadiusOptions options;
          options.method = settings_.method;
          options.bounds = settings_.bounds;
          options.attack.domain = settings_.domain;
          options.attack.loss = attack::LossKind::Margin;
          options.attack.steps = kRadiusAttackSteps;
          options.every_target = false;
          if (!settings_.domain) options.max_eps = kRadiusWithoutDomain;
          found = attack::robustness_radius(network_, input, label, options);
        } catch (const std::exception& e) {
          why = std::string("the radius search failed: ") + e.what();
        }
      } else {
        why = budget_text(settings_.budget);
      }
      {
        std::lock_guard lock(shared->mutex);
        Certificate& kept = shared->certificates[k];
        if (found) {
          kept.radius_certified = found->certified;
          kept.radius_attacked = found->attacked;
        }
        kept.radius_reason = why;
        shared->radius_found[k] = true;
      }
      shared->done.notify_all();
    });
  }
  std::unique_lock lock(shared->mutex);
  shared->done.wait_until(lock, deadline, [&] { return shared->complete(radius); });
  std::vector<Certificate> certificates(count);
  for (std::size_t k = 0; k < count; ++k) {
    Certificate& answer = certificates[k];
    if (shared->certified[k]) answer = shared->certificates[k];
    else answer.reason = budget_text(settings_.budget);
    answer.radius_asked = radius;
    if (radius && !shared->radius_found[k]) {
      answer.radius_certified.reset();
      answer.radius_attacked.reset();
      answer.radius_reason = "radius " + budget_text(settings_.budget);
    }
  }
  return certificates;
}

}  // namespace certnn::serve
