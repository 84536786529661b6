// A training run as the command line and Python describe it: the settings are refused with
// messages spelled for each front end, the run holds out its validation share, reports every
// epoch and honours the stop flag, and the log carries the settings with their defaults.
#include <gtest/gtest.h>

#include <atomic>
#include <string>

#include "certnn/data/split.hpp"
#include "certnn/train/training_log.hpp"
#include "certnn/train/training_run.hpp"
#include "certnn/train/training_settings.hpp"
#include "train/synthetic_data.hpp"

namespace certnn::train {
namespace {

TrainingSettings linear_settings() {
  TrainingSettings settings;
  settings.data = "synthetic";
  settings.arch = "linear";
  settings.mode = "standard";
  settings.epochs = 3;
  settings.learning_rate = 0.05;
  return settings;
}

std::string refusal(const TrainingSettings& settings, SettingSpelling spelling) {
  try {
    check_training_settings(settings, spelling);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

data::Split synthetic_split() { return data::shuffle_split(testing::synthetic_binary_dataset(200, 4, 1), 0.25, 0); }

TEST(TrainingSettings, MessagesNameTheSettingAsEachFrontEndSpellsIt) {
  TrainingSettings robust = linear_settings();
  robust.mode = "linear-robust";
  EXPECT_EQ(refusal(robust, SettingSpelling::Option), "--mode linear-robust needs --eps");
  EXPECT_EQ(refusal(robust, SettingSpelling::Keyword), "mode linear-robust needs eps");
  TrainingSettings network = linear_settings();
  network.arch = "mlp:8x1";
  network.mode = "linear-robust";
  EXPECT_EQ(refusal(network, SettingSpelling::Option),
            "--mode linear-robust does not train --arch mlp:8x1; available: standard, pgd, ibp, crown-ibp");
  TrainingSettings fraction = linear_settings();
  fraction.validation_fraction = 1.5;
  EXPECT_EQ(refusal(fraction, SettingSpelling::Option), "--validation-fraction must lie in [0, 1]");
  EXPECT_EQ(refusal(fraction, SettingSpelling::Keyword), "validation_fraction must lie in [0, 1]");
  EXPECT_EQ(refusal(linear_settings(), SettingSpelling::Option), "");
}

TEST(TrainingSettings, TheTrainersDefaultsDependOnTheArchitecture) {
  TrainingSettings settings = linear_settings();
  settings.learning_rate.reset();
  EXPECT_EQ(linear_options(settings).batch_size, 64);
  EXPECT_EQ(linear_options(settings).learning_rate, 0.01);
  EXPECT_EQ(linear_options(settings).optimizer.kind, OptimizerKind::Sgd);
  settings.arch = "mlp:8x1";
  EXPECT_EQ(network_options(settings).batch_size, 128);
  EXPECT_EQ(network_options(settings).learning_rate, 1e-3);
  EXPECT_EQ(network_options(settings).optimizer.kind, OptimizerKind::Adam);
}

TEST(TrainingRun, EarlyStoppingHoldsOutItsValidationShare) {
  TrainingSettings settings = linear_settings();
  settings.patience = 2;
  int epochs_seen = 0;
  TrainingHooks hooks;
  hooks.on_epoch = [&](const EpochRecord& record) {
    ++epochs_seen;
    EXPECT_TRUE(record.validation_loss.has_value());
  };
  const TrainingOutcome outcome = run_training(settings, synthetic_split(), hooks);
  EXPECT_EQ(outcome.test_samples, 50);
  EXPECT_EQ(outcome.train_samples, 135);  // 150 less a tenth
  EXPECT_EQ(epochs_seen, static_cast<int>(outcome.history.size()));
  EXPECT_TRUE(outcome.test_accuracy.has_value());
  EXPECT_FALSE(outcome.stability.has_value());
}

TEST(TrainingRun, TheStopFlagEndsTheRun) {
  std::atomic<bool> stop{true};
  TrainingHooks hooks;
  hooks.stop = &stop;
  EXPECT_THROW(run_training(linear_settings(), synthetic_split(), hooks), TrainingStopped);
}

TEST(TrainingLog, CarriesTheSettingsWithTheirDefaultsAndNullPathsWhenNothingIsWritten) {
  const TrainingSettings settings = linear_settings();
  const TrainingOutcome outcome = run_training(settings, synthetic_split());
  const std::string log = training_log_json(settings, outcome, {});
  EXPECT_NE(log.find("\"model\": null"), std::string::npos);
  EXPECT_NE(log.find("\"batch\": 64"), std::string::npos);
  EXPECT_NE(log.find("\"optimizer\": \"sgd\""), std::string::npos);
  EXPECT_EQ(log.find("\"threads\""), std::string::npos);  // networks only
  EXPECT_EQ(log.back(), '\n');
  EXPECT_EQ(training_summary_json(outcome, {"m.onnx", "m.json"}).find('\n'), std::string::npos);
  EXPECT_EQ(default_log_path("dir/m.onnx"), "dir/m.json");
  EXPECT_EQ(default_log_path("m.bin"), "m.bin.json");
}

}  // namespace
}  // namespace certnn::train
