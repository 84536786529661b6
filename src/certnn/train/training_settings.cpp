#include "certnn/train/training_settings.hpp"

#include <algorithm>

#include "certnn/core/error.hpp"
#include "certnn/train/architecture.hpp"

namespace certnn::train {
namespace {

constexpr const char* kArchs = "linear, mlp:WxD, cnn-small, cnn-medium, cnn-large, stable:WxD, residual:WxD";

void check_fraction(double value, const std::string& keyword, SettingSpelling spelling) {
  if (!(value >= 0 && value <= 1)) throw Error(setting_name(keyword, spelling) + " must lie in [0, 1]");
}

Schedule schedule_of(const TrainingSettings& s) {
  return s.schedule == "step"     ? Schedule::Step
         : s.schedule == "cosine" ? Schedule::Cosine
                                  : Schedule::Constant;
}

OptimizerOptions optimizer_of(const TrainingSettings& s) {
  OptimizerOptions optimizer;
  optimizer.kind = s.optimizer_or_default() == "adam" ? OptimizerKind::Adam : OptimizerKind::Sgd;
  optimizer.momentum = s.momentum;
  return optimizer;
}

}  // namespace

std::string setting_name(const std::string& keyword, SettingSpelling spelling) {
  if (spelling == SettingSpelling::Keyword) return keyword;
  std::string option = "--" + keyword;
  std::replace(option.begin(), option.end(), '_', '-');
  return option;
}

void check_training_settings(const TrainingSettings& s, SettingSpelling spelling) {
  const auto name = [spelling](const std::string& keyword) { return setting_name(keyword, spelling); };
  if (!s.init.empty()) {
    if (!s.arch.empty())
      throw Error(name("arch") + " and " + name("init") + " exclude each other: the model read is the architecture");
  } else if (s.arch.empty()) {
    throw Error("one of " + name("arch") + " or " + name("init") + " is needed");
  } else if (!s.linear() && !is_network_architecture(s.arch)) {
    throw Error(name("arch") + " " + s.arch + " is not an architecture; available: " + kArchs);
  }
  const char* modes = s.linear() ? "standard, linear-robust" : "standard, pgd, ibp, crown-ibp";
  const bool known = s.linear() ? (s.mode == "standard" || s.mode == "linear-robust")
                                : (s.mode == "standard" || s.mode == "pgd" || s.mode == "ibp" || s.mode == "crown-ibp");
  if (!known)
    throw Error(name("mode") + " " + s.mode + " does not train " +
                (s.init.empty() ? name("arch") + " " + s.arch : name("init") + " " + s.init) + "; available: " + modes);
  if (s.mode != "standard" && !s.eps) throw Error(name("mode") + " " + s.mode + " needs " + name("eps"));
  // The command line checks the rest as it parses; other callers meet the same ranges here.
  if (s.schedule != "constant" && s.schedule != "step" && s.schedule != "cosine")
    throw Error(name("schedule") + " must be 'constant', 'step' or 'cosine'; got '" + s.schedule + "'");
  if (s.optimizer && *s.optimizer != "sgd" && *s.optimizer != "adam")
    throw Error(name("optimizer") + " must be 'sgd' or 'adam'; got '" + *s.optimizer + "'");
  if (!(s.momentum >= 0 && s.momentum < 1)) throw Error(name("momentum") + " must lie in [0, 1)");
  check_fraction(s.test_fraction, "test_fraction", spelling);
  check_fraction(s.validation_fraction, "validation_fraction", spelling);
  check_fraction(s.ramp, "ramp", spelling);
  check_fraction(s.kappa, "kappa", spelling);
  if (s.threads < 1 || s.threads > kMaxThreads)
    throw Error(name("threads") + " must be a whole number from 1 to " + std::to_string(kMaxThreads));
  if (s.linear())
    check_train_options(linear_options(s));
  else
    check_network_options(network_options(s));
}

NetworkTrainOptions network_options(const TrainingSettings& s) {
  NetworkTrainOptions options;
  options.mode = s.mode == "pgd"         ? NetworkMode::Pgd
                 : s.mode == "ibp"       ? NetworkMode::Ibp
                 : s.mode == "crown-ibp" ? NetworkMode::CrownIbp
                                         : NetworkMode::Standard;
  options.eps = s.eps.value_or(0.0);
  options.ramp = s.ramp;
  options.final_kappa = s.kappa;
  options.pgd_steps = s.pgd_steps;
  options.epochs = s.epochs;
  options.batch_size = s.batch_or_default();
  options.learning_rate = s.learning_rate_or_default();
  options.schedule = schedule_of(s);
  options.optimizer = optimizer_of(s);
  options.weight_decay = s.weight_decay;
  options.monitor.explosion_threshold = s.explode;
  options.patience = s.patience;
  options.seed = s.seed;
  options.threads = s.threads;
  return options;
}

LinearTrainOptions linear_options(const TrainingSettings& s) {
  LinearTrainOptions options;
  options.objective.mode = s.mode == "linear-robust" ? LinearMode::LinearRobust : LinearMode::Standard;
  options.objective.eps = s.eps.value_or(0.0);
  options.objective.weight_decay = s.weight_decay;
  options.epochs = s.epochs;
  options.batch_size = s.batch_or_default();
  options.learning_rate = s.learning_rate_or_default();
  options.schedule = schedule_of(s);
  options.optimizer = optimizer_of(s);
  options.monitor.explosion_threshold = s.explode;
  options.patience = s.patience;
  options.seed = s.seed;
  return options;
}

}  // namespace certnn::train
