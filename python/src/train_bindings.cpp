// Training, with the trainers, defaults and checks of `certnn train`: the linear binary classifier
// (arch "linear") and the networks of train/architecture.hpp. Returns the network and the JSON
// log the CLI writes beside the model; with an output path, writes both (all or nothing). Runs
// on the interruptible worker: Ctrl-C stops after the current mini-batch (network trainer) or
// epoch (linear trainer) and raises KeyboardInterrupt; nothing is written then.
#include <pybind11/stl.h>

#include <nlohmann/json.hpp>
#include <optional>

#include "bindings.hpp"
#include "certnn/core/output_file.hpp"
#include "certnn/data/datasets.hpp"
#include "certnn/data/split.hpp"
#include "certnn/onnx/exporter.hpp"
#include "certnn/train/linear_export.hpp"
#include "certnn/train/linear_trainer.hpp"
#include "certnn/train/network_trainer.hpp"
#include "certnn/train/stable_blocks.hpp"
#include "conversions.hpp"
#include "errors.hpp"
#include "interruption.hpp"

namespace certnn::python {
namespace py = pybind11;
namespace {

struct TrainSettings {
  std::string arch, mode, schedule = "constant";
  std::optional<std::string> optimizer;
  std::optional<double> eps, learning_rate;
  std::optional<std::int64_t> batch;
  int epochs = 10, pgd_steps = 7, threads = 2;
  double momentum = 0.9, weight_decay = 0.0, test_fraction = 0.2, validation_fraction = 0.1, explode = 1e6;
  double ramp = 0.5, kappa = 0.5;
  std::optional<int> patience;
  std::uint64_t seed = 0;

  bool linear() const { return arch == "linear"; }
};

constexpr const char* kArchs = "linear, mlp:WxD, cnn-small, cnn-medium, cnn-large, stable:WxD, residual:WxD";

void check_settings(const TrainSettings& o) {
  if (!o.linear() && !train::is_network_architecture(o.arch))
    throw InvalidArgument("arch " + o.arch + " is not an architecture; available: " + kArchs);
  const char* modes = o.linear() ? "standard, linear-robust" : "standard, pgd, ibp, crown-ibp";
  const bool known = o.linear() ? (o.mode == "standard" || o.mode == "linear-robust")
                                : (o.mode == "standard" || o.mode == "pgd" || o.mode == "ibp" || o.mode == "crown-ibp");
  if (!known) throw InvalidArgument("mode " + o.mode + " does not train arch " + o.arch + "; available: " + modes);
  if (o.mode != "standard" && !o.eps) throw InvalidArgument("mode " + o.mode + " needs eps");
  if (o.schedule != "constant" && o.schedule != "step" && o.schedule != "cosine")
    throw InvalidArgument("schedule must be 'constant', 'step' or 'cosine'; got '" + o.schedule + "'");
  if (o.optimizer && *o.optimizer != "sgd" && *o.optimizer != "adam")
    throw InvalidArgument("optimizer must be 'sgd' or 'adam'; got '" + *o.optimizer + "'");
  if (!(o.momentum >= 0 && o.momentum < 1)) throw InvalidArgument("momentum must lie in [0, 1)");
  if (!(o.test_fraction >= 0 && o.test_fraction <= 1)) throw InvalidArgument("test_fraction must lie in [0, 1]");
  if (!(o.validation_fraction >= 0 && o.validation_fraction <= 1))
    throw InvalidArgument("validation_fraction must lie in [0, 1]");
  if (!(o.ramp >= 0 && o.ramp <= 1)) throw InvalidArgument("ramp must lie in [0, 1]");
  if (!(o.kappa >= 0 && o.kappa <= 1)) throw InvalidArgument("kappa must lie in [0, 1]");
  if (o.threads < 1 || o.threads > 256) throw InvalidArgument("threads must be a whole number from 1 to 256");
}

train::Schedule schedule_of(const TrainSettings& o) {
  return o.schedule == "step"     ? train::Schedule::Step
         : o.schedule == "cosine" ? train::Schedule::Cosine
                                  : train::Schedule::Constant;
}

train::OptimizerOptions optimizer_of(const TrainSettings& o) {
  train::OptimizerOptions optimizer;
  optimizer.kind = o.optimizer.value_or(o.linear() ? "sgd" : "adam") == "adam" ? train::OptimizerKind::Adam
                                                                               : train::OptimizerKind::Sgd;
  optimizer.momentum = o.momentum;
  return optimizer;
}

train::NetworkTrainOptions network_options(const TrainSettings& o) {
  train::NetworkTrainOptions options;
  options.mode = o.mode == "pgd"         ? train::NetworkMode::Pgd
                 : o.mode == "ibp"       ? train::NetworkMode::Ibp
                 : o.mode == "crown-ibp" ? train::NetworkMode::CrownIbp
                                         : train::NetworkMode::Standard;
  options.eps = o.eps.value_or(0.0);
  options.ramp = o.ramp;
  options.final_kappa = o.kappa;
  options.pgd_steps = o.pgd_steps;
  options.epochs = o.epochs;
  options.batch_size = o.batch.value_or(128);
  options.learning_rate = o.learning_rate.value_or(1e-3);
  options.schedule = schedule_of(o);
  options.optimizer = optimizer_of(o);
  options.weight_decay = o.weight_decay;
  options.monitor.explosion_threshold = o.explode;
  options.patience = o.patience;
  options.seed = o.seed;
  options.threads = o.threads;
  return options;
}

train::LinearTrainOptions linear_options(const TrainSettings& o) {
  train::LinearTrainOptions options;
  options.objective.mode = o.mode == "linear-robust" ? train::LinearMode::LinearRobust : train::LinearMode::Standard;
  options.objective.eps = o.eps.value_or(0.0);
  options.objective.weight_decay = o.weight_decay;
  options.epochs = o.epochs;
  options.batch_size = o.batch.value_or(64);
  options.learning_rate = o.learning_rate.value_or(0.01);
  options.schedule = schedule_of(o);
  options.optimizer = optimizer_of(o);
  options.monitor.explosion_threshold = o.explode;
  options.patience = o.patience;
  options.seed = o.seed;
  return options;
}

nlohmann::json epoch_json(const train::EpochRecord& r) {
  nlohmann::json entry = {{"epoch", r.epoch},           {"learning_rate", r.learning_rate},
                          {"loss", r.loss},             {"gradient_norm", r.gradient_norm},
                          {"train_accuracy", r.train_accuracy}, {"seconds", r.seconds}};
  entry["validation_loss"] = r.validation_loss ? nlohmann::json(*r.validation_loss) : nlohmann::json(nullptr);
  entry["validation_accuracy"] = r.validation_accuracy ? nlohmann::json(*r.validation_accuracy) : nlohmann::json(nullptr);
  if (r.eps) entry["eps"] = *r.eps;
  return entry;
}

nlohmann::json options_json(const TrainSettings& o, const std::string& data) {
  const bool linear = o.linear();
  nlohmann::json options = {
      {"data", data},
      {"arch", o.arch},
      {"mode", o.mode},
      {"eps", o.eps.value_or(0.0)},
      {"epochs", o.epochs},
      {"batch", o.batch.value_or(linear ? 64 : 128)},
      {"lr", o.learning_rate.value_or(linear ? 0.01 : 1e-3)},
      {"optimizer", o.optimizer.value_or(linear ? "sgd" : "adam")},
      {"momentum", o.momentum},
      {"schedule", o.schedule},
      {"weight_decay", o.weight_decay},
      {"seed", o.seed},
      {"test_fraction", o.test_fraction},
      {"validation_fraction", o.patience ? nlohmann::json(o.validation_fraction) : nlohmann::json(nullptr)},
      {"patience", o.patience ? nlohmann::json(*o.patience) : nlohmann::json(nullptr)},
      {"explode", o.explode}};
  if (o.mode == "ibp" || o.mode == "crown-ibp") {
    options["ramp"] = o.ramp;
    options["kappa"] = o.kappa;
  }
  if (o.mode == "pgd") options["pgd_steps"] = o.pgd_steps;
  if (!linear) options["threads"] = o.threads;
  return options;
}

nlohmann::json stability_json(const train::StabilityCertificate& certificate) {
  nlohmann::json out = {{"lipschitz_upper", certificate.lipschitz_upper}};
  if (!certificate.step_products.empty()) {
    out["non_expansive"] = certificate.non_expansive;
    out["step_norm_products"] = certificate.step_products;
    out["norm_caps_met"] = certificate.within_caps;
  }
  return out;
}

struct Trained {
  model::Network network;
  std::vector<train::EpochRecord> history;
  bool stopped_early = false;
  int best_epoch = 0;
  double train_accuracy = 0.0;
  std::optional<double> test_accuracy;
  nlohmann::json extra = nlohmann::json::object();
};

// A random share of the training part held out for early stopping, drawn as the CLI draws it.
data::Dataset split_off_validation(data::Dataset& train, double fraction, std::uint64_t seed) {
  data::Split parts = data::shuffle_split(train, fraction, seed ^ 0x76616c6964ULL);
  train = std::move(parts.train);
  parts.test.name = train.name + " (validation)";
  return std::move(parts.test);
}

// Samples given as arrays: inputs (n, *sample_shape), labels (n,) in [0, classes).
data::Dataset dataset_of(const py::array_t<double, py::array::c_style | py::array::forcecast>& inputs,
                         const py::array_t<std::int64_t, py::array::c_style | py::array::forcecast>& labels) {
  if (inputs.ndim() < 2) throw py::value_error("data: inputs need a leading sample axis, shape (n, ...)");
  if (labels.ndim() != 1 || labels.shape(0) != inputs.shape(0))
    throw py::value_error("data: expected one label per sample (" + std::to_string(inputs.shape(0)) + ")");
  data::Dataset dataset;
  dataset.name = "arrays";
  for (py::ssize_t d = 1; d < inputs.ndim(); ++d) dataset.sample_shape.push_back(inputs.shape(d));
  const std::int64_t width = element_count(dataset.sample_shape);
  dataset.inputs = Eigen::Map<const Eigen::MatrixXd>(inputs.data(), width, inputs.shape(0));
  dataset.labels.assign(labels.data(), labels.data() + labels.size());
  for (const std::int64_t label : dataset.labels) {
    if (label < 0) throw py::value_error("data: labels must be classes >= 0, found " + std::to_string(label));
    dataset.classes = std::max(dataset.classes, label + 1);
  }
  return dataset;
}

py::tuple run_train(const py::object& data, const TrainSettings& o, const std::optional<std::string>& out,
                    const std::optional<std::string>& log, const py::object& on_epoch) {
  check_settings(o);
  std::string log_path;
  if (out) {
    log_path = log ? *log : (out->size() > 5 && out->ends_with(".onnx") ? out->substr(0, out->size() - 5) + ".json"
                                                                        : *out + ".json");
    check_distinct_outputs({{"out", *out}, {log ? "log" : "the log beside out", log_path}});
    check_writable(*out);
    check_writable(log_path);
  }
  std::string data_name;
  data::Split split;
  if (py::isinstance<py::str>(data)) {
    data_name = data.cast<std::string>();
    if (!(o.test_fraction >= 0 && o.test_fraction < 1)) throw InvalidArgument("test_fraction must lie in [0, 1)");
    split = data::load_split(data_name, o.test_fraction, o.seed);
  } else {
    const auto pair = data.cast<py::tuple>();
    if (pair.size() != 2) throw py::value_error("data: give a dataset name, a file, or a pair (inputs, labels)");
    data_name = "arrays";
    using Inputs = py::array_t<double, py::array::c_style | py::array::forcecast>;
    using Labels = py::array_t<std::int64_t, py::array::c_style | py::array::forcecast>;
    const data::Dataset all = dataset_of(pair[0].cast<Inputs>(), pair[1].cast<Labels>());
    split = as_argument_check([&] { return data::shuffle_split(all, o.test_fraction, o.seed); });
  }
  std::optional<data::Dataset> validation;
  if (o.patience) validation = split_off_validation(split.train, o.validation_fraction, o.seed);
  const data::Dataset* held_out = validation ? &*validation : nullptr;

  Trained trained = run_interruptible([&](const std::atomic<bool>& stop) {
    const train::EpochCallback epoch_done = [&](const train::EpochRecord& record) {
      if (stop.load()) throw Stopped{};
      if (!on_epoch.is_none()) {
        const py::gil_scoped_acquire acquire;
        on_epoch(py::module_::import("json").attr("loads")(epoch_json(record).dump()));
      }
    };
    if (o.linear()) {
      const train::LinearTrainOptions options = linear_options(o);
      as_argument_check([&] { train::check_train_options(options); });
      const train::LinearTrainResult result = train::train_linear(split.train, held_out, options, epoch_done);
      Trained t{train::linear_network(result.classifier, split.train.sample_shape), result.history,
                result.stopped_early, result.best_epoch,
                train::linear_robust_accuracy(result.classifier, split.train, 0.0), std::nullopt};
      if (split.test.size() > 0) t.test_accuracy = train::linear_robust_accuracy(result.classifier, split.test, 0.0);
      return t;
    }
    const train::NetworkTrainOptions options = network_options(o);
    as_argument_check([&] { train::check_network_options(options); });
    const train::TrainableNetwork initial =
        train::build_architecture(o.arch, split.train.sample_shape, split.train.classes, o.seed);
    const train::NetworkTrainResult result = train::train_network(
        initial, split.train, held_out, options, epoch_done, [&](const train::BatchProgress&) {
          if (stop.load()) throw Stopped{};
        });
    Trained t{train::to_network(result.network), result.history, result.stopped_early, result.best_epoch,
              train::clean_score(result.network, split.train).accuracy, std::nullopt};
    if (split.test.size() > 0) t.test_accuracy = train::clean_score(result.network, split.test).accuracy;
    t.extra["parameters"] = result.network.parameters.size();
    t.extra["stability"] = stability_json(train::certify_stability(result.network));
    return t;
  });

  nlohmann::json epochs = nlohmann::json::array();
  for (const train::EpochRecord& record : trained.history) epochs.push_back(epoch_json(record));
  nlohmann::json summary = {{"model", out ? nlohmann::json(*out) : nlohmann::json(nullptr)},
                            {"log", out ? nlohmann::json(log_path) : nlohmann::json(nullptr)},
                            {"train_samples", split.train.size()},
                            {"test_samples", split.test.size()},
                            {"epochs_run", trained.history.size()},
                            {"best_epoch", trained.best_epoch},
                            {"stopped_early", trained.stopped_early},
                            {"train_accuracy", trained.train_accuracy},
                            {"test_accuracy", trained.test_accuracy ? nlohmann::json(*trained.test_accuracy)
                                                                    : nlohmann::json(nullptr)}};
  summary.update(trained.extra);
  nlohmann::json record = summary;
  record["options"] = options_json(o, data_name);
  record["epochs"] = epochs;
  const std::string log_text = record.dump(2) + "\n";
  if (out) write_files_atomically({{*out, onnx::export_model_bytes(trained.network)}, {log_path, log_text}});
  return py::make_tuple(NetworkPtr(std::make_shared<model::Network>(std::move(trained.network))), log_text);
}

}  // namespace

void register_train(py::module_& m) {
  m.def(
      "train",
      [](const py::object& data, const std::string& arch, const std::string& mode, std::optional<double> eps, int epochs,
         std::optional<double> lr, std::optional<std::int64_t> batch, std::optional<std::string> optimizer,
         double momentum, const std::string& schedule, double weight_decay, std::uint64_t seed, double test_fraction,
         double explode, std::optional<int> patience, double validation_fraction, double ramp, double kappa,
         int pgd_steps, int threads, const std::optional<std::string>& out, const std::optional<std::string>& log,
         const py::object& on_epoch) {
        TrainSettings o;
        o.arch = arch;
        o.mode = mode;
        o.eps = eps;
        o.epochs = epochs;
        o.learning_rate = lr;
        o.batch = batch;
        o.optimizer = std::move(optimizer);
        o.momentum = momentum;
        o.schedule = schedule;
        o.weight_decay = weight_decay;
        o.seed = seed;
        o.test_fraction = test_fraction;
        o.explode = explode;
        o.patience = patience;
        o.validation_fraction = validation_fraction;
        o.ramp = ramp;
        o.kappa = kappa;
        o.pgd_steps = pgd_steps;
        o.threads = threads;
        return run_train(data, o, out, log, on_epoch);
      },
      py::arg("data"), py::arg("arch"), py::arg("mode"), py::arg("eps"), py::arg("epochs"), py::arg("lr"),
      py::arg("batch"), py::arg("optimizer"), py::arg("momentum"), py::arg("schedule"), py::arg("weight_decay"),
      py::arg("seed"), py::arg("test_fraction"), py::arg("explode"), py::arg("patience"),
      py::arg("validation_fraction"), py::arg("ramp"), py::arg("kappa"), py::arg("pgd_steps"), py::arg("threads"),
      py::arg("out"), py::arg("log"), py::arg("on_epoch"),
      "(network, log JSON text): trains as `certnn train`; writes the model and log when out is given.");
}

}  // namespace certnn::python
