// The JSON training log written beside a trained model: the run's summary, the settings with
// their defaults filled in ("options") and one record per epoch ("epochs"). The command line
// prints the summary with --json; Python hands the log and each epoch's record to its callers.
#pragma once

#include <optional>
#include <string>

#include "certnn/train/epoch_record.hpp"
#include "certnn/train/training_run.hpp"
#include "certnn/train/training_settings.hpp"

namespace certnn::train {

// Where the model's files go; none when the run writes nothing (null in the JSON).
struct TrainingOutputs {
  std::optional<std::string> model, log;
};

// The log path beside a model: "m.onnx" gives "m.json", any other name gets ".json" appended.
std::string default_log_path(const std::string& model_path);

// Throws certnn::Error before any training when the model and log paths coincide or cannot be
// written. log: the log path the caller was given, if any.
void check_training_outputs(const std::string& model_path, const std::optional<std::string>& log,
                            SettingSpelling spelling);

std::string epoch_record_json(const EpochRecord& record);  // one line
std::string training_summary_json(const TrainingOutcome& outcome, const TrainingOutputs& outputs);  // one line
// The summary with "options" and "epochs", indented by 2, ending in a newline.
std::string training_log_json(const TrainingSettings& settings, const TrainingOutcome& outcome,
                              const TrainingOutputs& outputs);

}  // namespace certnn::train
