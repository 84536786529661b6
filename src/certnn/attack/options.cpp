#include "certnn/attack/options.hpp"

#include <cmath>
#include <numbers>
#include <string>

#include "certnn/core/error.hpp"

namespace certnn::attack {

void check_options(const Options& options, const model::Network& network) {
  if (!(options.eps >= 0.0) || !std::isfinite(options.eps))
    throw Error("attack: eps must be a finite number >= 0, got " + std::to_string(options.eps));
  if (options.steps < 1) throw Error("attack: steps must be >= 1, got " + std::to_string(options.steps));
  if (options.restarts < 1) throw Error("attack: restarts must be >= 1, got " + std::to_string(options.restarts));
  if (options.step_size && !(*options.step_size > 0.0 && std::isfinite(*options.step_size)))
    throw Error("attack: the step size must be a finite number > 0, got " + std::to_string(*options.step_size));
  const std::int64_t classes = network.output_size();
  if (classes < 2)
    throw Error("attack: the network has " + std::to_string(classes) +
                " output; a classifier needs at least two (one score per class)");
  if (options.target && (*options.target < 0 || *options.target >= classes))
    throw Error("attack: target " + std::to_string(*options.target) + " is outside the network's classes 0.." +
                std::to_string(classes - 1));
}

double step_size_at(const Options& options, int step) {
  const double base = options.step_size.value_or(2.5 * options.eps / options.steps);
  const double progress = static_cast<double>(step) / options.steps;
  switch (options.schedule) {
    case StepSchedule::Constant:
      return base;
    case StepSchedule::StepDecay:
      return progress < 0.5 ? base : progress < 0.75 ? base / 10 : base / 100;
    case StepSchedule::Cosine:
      return base * (1.0 + std::cos(std::numbers::pi * progress)) / 2;
  }
  return base;
}

}  // namespace certnn::attack
