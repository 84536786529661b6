// Training, with the trainers, defaults and checks of `certnn train`: the linear binary classifier
// (arch "linear") and the networks of train/architecture.hpp. Returns the network and the JSON
// log the CLI writes beside the model; with an output path, writes both (all or nothing). Runs
// on the interruptible worker: Ctrl-C stops after the current mini-batch (network trainer) or
// epoch (linear trainer) and raises KeyboardInterrupt; nothing is written then.
#include <pybind11/stl.h>

#include <optional>

#include "bindings.hpp"
#include "certnn/core/output_file.hpp"
#include "certnn/data/datasets.hpp"
#include "certnn/data/split.hpp"
#include "certnn/onnx/exporter.hpp"
#include "certnn/onnx/importer.hpp"
#include "certnn/train/imported_network.hpp"
#include "certnn/train/training_log.hpp"
#include "certnn/train/training_run.hpp"
#include "certnn/train/training_settings.hpp"
#include "conversions.hpp"
#include "errors.hpp"
#include "interruption.hpp"

namespace certnn::python {
namespace py = pybind11;
namespace {

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

py::tuple run_train(const py::object& data, train::TrainingSettings o, const std::optional<std::string>& out,
                    const std::optional<std::string>& log, const py::object& on_epoch) {
  as_argument_check([&] { train::check_training_settings(o, train::SettingSpelling::Keyword); });
  if (out) train::check_training_outputs(*out, log, train::SettingSpelling::Keyword);
  std::optional<model::Network> initial;
  if (!o.init.empty()) {
    initial = onnx::import_model(o.init);
    as_argument_check([&] { train::trainable_network(*initial, o.init, o.bound_based()); });
  }
  data::Split split;
  if (py::isinstance<py::str>(data)) {
    o.data = data.cast<std::string>();
    if (!(o.test_fraction >= 0 && o.test_fraction < 1)) throw InvalidArgument("test_fraction must lie in [0, 1)");
    split = data::load_split(o.data, o.test_fraction, o.seed);
  } else {
    const auto pair = data.cast<py::tuple>();
    if (pair.size() != 2) throw py::value_error("data: give a dataset name, a file, or a pair (inputs, labels)");
    o.data = "arrays";
    using Inputs = py::array_t<double, py::array::c_style | py::array::forcecast>;
    using Labels = py::array_t<std::int64_t, py::array::c_style | py::array::forcecast>;
    const data::Dataset all = dataset_of(pair[0].cast<Inputs>(), pair[1].cast<Labels>());
    split = as_argument_check([&] { return data::shuffle_split(all, o.test_fraction, o.seed); });
  }

  train::TrainingOutcome trained = run_interruptible([&](const std::atomic<bool>& stop) {
    train::TrainingHooks hooks;
    hooks.stop = &stop;
    if (!on_epoch.is_none())
      hooks.on_epoch = [&](const train::EpochRecord& record) {
        const py::gil_scoped_acquire acquire;
        on_epoch(py::module_::import("json").attr("loads")(train::epoch_record_json(record)));
      };
    return train::run_training(o, std::move(split), hooks, initial ? &*initial : nullptr);
  });

  train::TrainingOutputs outputs;
  if (out) outputs = {*out, log.value_or(train::default_log_path(*out))};
  const std::string log_text = train::training_log_json(o, trained, outputs);
  if (out) write_files_atomically({{*out, onnx::export_model_bytes(trained.network)}, {*outputs.log, log_text}});
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
         const py::object& on_epoch, const std::string& init) {
        train::TrainingSettings o;
        o.arch = arch;
        o.init = init;
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
      py::arg("out"), py::arg("log"), py::arg("on_epoch"), py::arg("init"),
      "(network, log JSON text): trains as `certnn train`; writes the model and log when out is given.");
}

}  // namespace certnn::python
