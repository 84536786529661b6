#include "certnn/attack/fgsm.hpp"

#include "certnn/attack/pgd.hpp"

namespace certnn::attack {

std::vector<Outcome> fgsm(const model::Network& network, const Eigen::MatrixXd& inputs,
                          std::span<const std::int64_t> labels, const Options& options) {
  Options one_step = options;
  one_step.steps = 1;
  one_step.restarts = 1;
  one_step.schedule = StepSchedule::Constant;
  one_step.random_start = false;
  one_step.step_size.reset();
  // A zero radius leaves nothing to step (and a zero step size is refused): the input is all.
  if (options.eps > 0) one_step.step_size = options.eps;
  return pgd(network, inputs, labels, one_step);
}

}  // namespace certnn::attack
