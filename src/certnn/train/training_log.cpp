#include "certnn/train/training_log.hpp"

#include <nlohmann/json.hpp>

#include "certnn/core/output_file.hpp"

namespace certnn::train {
namespace {

template <class T>
nlohmann::json or_null(const std::optional<T>& value) {
  return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
}

nlohmann::json epoch_json(const EpochRecord& r) {
  nlohmann::json entry = {{"epoch", r.epoch},
                          {"learning_rate", r.learning_rate},
                          {"loss", r.loss},
                          {"gradient_norm", r.gradient_norm},
                          {"train_accuracy", r.train_accuracy},
                          {"seconds", r.seconds}};
  entry["validation_loss"] = or_null(r.validation_loss);
  entry["validation_accuracy"] = or_null(r.validation_accuracy);
  if (r.eps) entry["eps"] = *r.eps;
  return entry;
}

nlohmann::json options_json(const TrainingSettings& s) {
  nlohmann::json options = {
      {"data", s.data},
      {"arch", s.arch},
      {"mode", s.mode},
      {"eps", s.eps.value_or(0.0)},
      {"epochs", s.epochs},
      {"batch", s.batch_or_default()},
      {"lr", s.learning_rate_or_default()},
      {"optimizer", s.optimizer_or_default()},
      {"momentum", s.momentum},
      {"schedule", s.schedule},
      {"weight_decay", s.weight_decay},
      {"seed", s.seed},
      {"test_fraction", s.test_fraction},
      {"validation_fraction", s.patience ? nlohmann::json(s.validation_fraction) : nlohmann::json(nullptr)},
      {"patience", or_null(s.patience)},
      {"explode", s.explode}};
  if (!s.init.empty()) options["init"] = s.init;
  if (s.mode == "ibp" || s.mode == "crown-ibp") {
    options["ramp"] = s.ramp;
    options["kappa"] = s.kappa;
  }
  if (s.mode == "pgd") options["pgd_steps"] = s.pgd_steps;
  if (!s.linear()) options["threads"] = s.threads;
  return options;
}

nlohmann::json stability_json(const StabilityCertificate& certificate) {
  nlohmann::json out = {{"lipschitz_upper", certificate.lipschitz_upper}};
  if (!certificate.step_products.empty()) {
    out["non_expansive"] = certificate.non_expansive;
    out["step_norm_products"] = certificate.step_products;
    out["norm_caps_met"] = certificate.within_caps;
  }
  return out;
}

nlohmann::json summary_json(const TrainingOutcome& o, const TrainingOutputs& outputs) {
  nlohmann::json summary = {{"model", or_null(outputs.model)},
                            {"log", or_null(outputs.log)},
                            {"train_samples", o.train_samples},
                            {"test_samples", o.test_samples},
                            {"epochs_run", o.history.size()},
                            {"best_epoch", o.best_epoch},
                            {"stopped_early", o.stopped_early},
                            {"train_accuracy", o.train_accuracy},
                            {"test_accuracy", or_null(o.test_accuracy)}};
  if (o.parameters) summary["parameters"] = *o.parameters;
  if (o.stability) summary["stability"] = stability_json(*o.stability);
  return summary;
}

}  // namespace

std::string default_log_path(const std::string& model_path) {
  const std::string suffix = ".onnx";
  if (model_path.size() > suffix.size() && model_path.ends_with(suffix))
    return model_path.substr(0, model_path.size() - suffix.size()) + ".json";
  return model_path + ".json";
}

void check_training_outputs(const std::string& model_path, const std::optional<std::string>& log,
                            SettingSpelling spelling) {
  const std::string log_path = log ? *log : default_log_path(model_path);
  const std::string out = setting_name("out", spelling);
  check_distinct_outputs({{out, model_path}, {log ? setting_name("log", spelling) : "the log beside " + out, log_path}});
  check_writable(model_path);
  check_writable(log_path);
}

std::string epoch_record_json(const EpochRecord& record) { return epoch_json(record).dump(); }

std::string training_summary_json(const TrainingOutcome& outcome, const TrainingOutputs& outputs) {
  return summary_json(outcome, outputs).dump();
}

std::string training_log_json(const TrainingSettings& settings, const TrainingOutcome& outcome,
                              const TrainingOutputs& outputs) {
  nlohmann::json log = summary_json(outcome, outputs);
  log["options"] = options_json(settings);
  log["epochs"] = nlohmann::json::array();
  for (const EpochRecord& record : outcome.history) log["epochs"].push_back(epoch_json(record));
  return log.dump(2) + "\n";
}

}  // namespace certnn::train
