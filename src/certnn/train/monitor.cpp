#include "certnn/train/monitor.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <string>

namespace certnn::train {
namespace {

std::string number_text(double value) {
  if (std::isnan(value)) return "nan";  // the sign of a NaN means nothing to a user
  std::ostringstream text;
  text << value;
  return text.str();
}

}  // namespace

void check_convergence(const MonitorOptions& options, int epoch, double loss, double gradient_norm) {
  const std::string where = "training diverged at epoch " + std::to_string(epoch) + ": ";
  if (!std::isfinite(loss)) throw TrainingDiverged(where + "loss is " + number_text(loss));
  if (!std::isfinite(gradient_norm)) throw TrainingDiverged(where + "gradient norm is " + number_text(gradient_norm));
  if (options.enabled && gradient_norm > options.explosion_threshold)
    throw TrainingDiverged(where + "gradient norm " + number_text(gradient_norm) +
                           " exceeds the explosion threshold " + number_text(options.explosion_threshold));
}

bool EarlyStopping::record(double validation_loss) {
  if (validation_loss < best_) {
    best_ = validation_loss;
    epochs_without_improvement_ = 0;
    return true;
  }
  ++epochs_without_improvement_;
  return false;
}

double estimated_seconds_left(double seconds_so_far, int epochs_done, int epochs_total) {
  if (epochs_done <= 0) return 0.0;
  return seconds_so_far / epochs_done * std::max(epochs_total - epochs_done, 0);
}

}  // namespace certnn::train
