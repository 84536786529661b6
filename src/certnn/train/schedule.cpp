#include "certnn/train/schedule.hpp"

#include <cmath>
#include <algorithm>
#include <numbers>

namespace certnn::train {

double learning_rate_at(Schedule schedule, double base_rate, int epoch, int epochs) {
  switch (schedule) {
    case Schedule::Constant:
      return base_rate;
    case Schedule::Step:
      if (epoch >= 3 * epochs / 4 && epochs >= 4) return base_rate / 100.0;
      if (epoch >= epochs / 2 && epochs >= 2) return base_rate / 10.0;
      return base_rate;
    case Schedule::Cosine:
      return base_rate * 0.5 * (1.0 + std::cos(std::numbers::pi * epoch / std::max(epochs, 1)));
  }
  return base_rate;
}

}  // namespace certnn::train
