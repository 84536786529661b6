"""train: networks that classify, the same model and log as `certnn train`, written files, refusals
and Ctrl-C."""

import json
import os
import signal
import threading
import time

from pathlib import Path

import numpy as np
import pytest

import certnn


def test_digits_mlp_learns_and_reports_its_accuracy(tmp_path):
    epochs = []
    out = tmp_path / "mlp.onnx"
    net = certnn.train(data="digits", arch="mlp:32x2", mode="standard", epochs=5, lr=0.01, out=out,
                       on_epoch=epochs.append)
    log = net.training_log
    assert log["test_accuracy"] > 0.8 and log["train_accuracy"] > 0.8
    assert log["epochs_run"] == 5 and [e["epoch"] for e in log["epochs"]] == [1, 2, 3, 4, 5] == [e["epoch"] for e in epochs]
    assert log["options"]["arch"] == "mlp:32x2" and log["stability"]["lipschitz_upper"] > 0
    assert net.input_size == 64 and net.output_size == 10
    # The model and the log the CLI would write, beside each other.
    saved = certnn.Network.load(out)
    x = np.random.default_rng(0).random((4, 64))
    assert np.array_equal(saved(x), net(x))
    assert json.loads((tmp_path / "mlp.json").read_text())["test_accuracy"] == log["test_accuracy"]


def test_ibp_training_certifies_more_than_standard_training():
    standard = certnn.train(data="digits", arch="mlp:32x1", mode="standard", epochs=8, lr=0.01, seed=1)
    robust = certnn.train(data="digits", arch="mlp:32x1", mode="ibp", eps=0.05, epochs=8, lr=0.01, seed=1)
    assert standard.training_log["test_accuracy"] > 0.85 and robust.training_log["test_accuracy"] > 0.5
    x = np.random.default_rng(1).random((20, 64)) * 0.2
    labels = robust.predict(x)

    def certified(net, labels):
        return np.mean(net.radius(x, labels, method="ibp", steps=5, restarts=1, tolerance=0.1).certified)

    assert robust.training_log["epochs"][-1]["eps"] == pytest.approx(0.05)
    assert certified(robust, labels) > certified(standard, standard.predict(x))


def test_arrays_as_data():
    rng = np.random.default_rng(2)
    inputs = rng.random((300, 1, 4, 4))
    labels = (inputs.reshape(300, -1).mean(axis=1) > 0.5).astype(int)
    net = certnn.train(data=(inputs, labels), arch="linear", mode="standard", epochs=20, lr=0.1)
    assert net.input_size == 16 and net.output_size == 2
    assert net.training_log["options"]["data"] == "arrays"
    assert net.training_log["test_accuracy"] > 0.85


def test_an_exported_torch_network_is_trained_further(tmp_path):
    torch_dir = Path(__file__).resolve().parents[2] / "tests" / "data" / "torch"
    rng = np.random.default_rng(4)
    inputs = rng.random((400, 10))
    labels = np.argmax(inputs @ rng.normal(size=(10, 5)), axis=1)
    before = certnn.Network.load(torch_dir / "mlp_relu.onnx")
    start = float(np.mean(np.argmax(before(inputs), axis=1) == labels))
    net = certnn.train(data=(inputs, labels), init=torch_dir / "mlp_relu.onnx", mode="ibp", eps=0.005, epochs=20,
                       lr=0.003, out=tmp_path / "tuned.onnx")
    assert net.training_log["options"]["init"] == str(torch_dir / "mlp_relu.onnx")
    assert net.training_log["test_accuracy"] > start + 0.1
    assert certnn.Network.load(tmp_path / "tuned.onnx").output_size == 5
    # The point-loss modes differentiate every kind; the bound-based ones refuse a sigmoid by name.
    sigmoid = certnn.train(data=(inputs, labels), init=torch_dir / "mlp_sigmoid.onnx", mode="standard", epochs=1)
    assert sigmoid.output_size == 5
    with pytest.raises(ValueError, match="is a Sigmoid"):
        certnn.train(data=(inputs, labels), init=torch_dir / "mlp_sigmoid.onnx", mode="crown-ibp", eps=0.01, epochs=1)
    with pytest.raises(ValueError, match="exclude each other"):
        certnn.train(data=(inputs, labels), arch="mlp:8x1", init=torch_dir / "mlp_relu.onnx", epochs=1)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(data="digits"), "one of arch or init is needed"),
        (dict(data="digits", arch="mlp:ax2"), "is not an architecture"),
        (dict(data="digits", arch="mlp:8x1", mode="linear-robust", eps=0.1), "does not train"),
        (dict(data="digits", arch="mlp:8x1", mode="ibp"), "needs eps"),
        (dict(data="digits", arch="mlp:8x1", optimizer="lbfgs"), "optimizer must be"),
        (dict(data="digits", arch="mlp:8x1", lr=-1.0), "learning rate"),
    ],
)
def test_bad_settings_are_value_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        certnn.train(epochs=1, **kwargs)


def test_unknown_dataset_and_unwritable_output(tmp_path):
    with pytest.raises(certnn.Error, match="no-such-set"):
        certnn.train(data="no-such-set", arch="mlp:8x1", epochs=1)
    with pytest.raises(certnn.Error, match="missing"):
        certnn.train(data="digits", arch="mlp:8x1", epochs=1, out=tmp_path / "missing" / "m.onnx")


def test_divergence_is_reported():
    with pytest.raises(certnn.TrainingDiverged, match="diverged"):
        certnn.train(data="digits", arch="mlp:64x2", epochs=2, lr=1e6, explode=1.0)


def test_ctrl_c_stops_training_and_writes_nothing(tmp_path):
    out = tmp_path / "stopped.onnx"
    timer = threading.Timer(1.0, lambda: os.kill(os.getpid(), signal.SIGINT))
    start = time.monotonic()
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            certnn.train(data="digits", arch="mlp:256x4", mode="ibp", eps=0.05, epochs=200, out=out)
    finally:
        timer.cancel()
    assert time.monotonic() - start < 15
    assert not out.exists() and not (tmp_path / "stopped.json").exists()


def test_an_exception_in_on_epoch_stops_training_and_propagates():
    def stop_at_epoch_two(record):
        if record["epoch"] == 2:
            raise RuntimeError("enough at epoch 2")

    with pytest.raises(RuntimeError, match="enough at epoch 2"):
        certnn.train(data="digits", arch="mlp:16x1", epochs=5, on_epoch=stop_at_epoch_two)


def test_the_same_run_as_the_cli_gives_the_same_model_and_log(cli, tmp_path):
    options = ["--data", "digits", "--arch", "mlp:16x2", "--mode", "crown-ibp", "--eps", "0.02", "--epochs", "2",
               "--lr", "0.01", "--seed", "3"]
    summary = cli("train", *options, "--out", tmp_path / "cli.onnx", "--quiet")
    net = certnn.train(data="digits", arch="mlp:16x2", mode="crown-ibp", eps=0.02, epochs=2, lr=0.01, seed=3,
                       out=tmp_path / "py.onnx")
    assert (tmp_path / "py.onnx").read_bytes() == (tmp_path / "cli.onnx").read_bytes()
    ours, theirs = net.training_log, json.loads((tmp_path / "cli.json").read_text())
    for key in ["train_accuracy", "test_accuracy", "stability", "options", "parameters", "best_epoch"]:
        assert ours[key] == theirs[key], key
    assert ours["test_accuracy"] == summary["test_accuracy"]
    without_time = [{k: v for k, v in e.items() if k != "seconds"} for e in ours["epochs"]]
    assert without_time == [{k: v for k, v in e.items() if k != "seconds"} for e in theirs["epochs"]]
