// Learning-rate schedules over the epochs of a training run, the same three shapes PGD's step
// sizes take (attack/options.hpp), so a user meets one vocabulary.
#pragma once

namespace certnn::train {

// Learning rate at epoch e of E (e = 0, ..., E − 1) for the base rate η:
//   Constant  η;
//   Step      η, then η/10 from e = ⌊E/2⌋, then η/100 from e = ⌊3E/4⌋;
//   Cosine    η · (1 + cos(π e / E)) / 2   (Loshchilov & Hutter, 2017, without restarts).
enum class Schedule { Constant, Step, Cosine };

double learning_rate_at(Schedule schedule, double base_rate, int epoch, int epochs);

}  // namespace certnn::train
