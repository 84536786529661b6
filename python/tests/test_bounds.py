"""Bounds: bit-identical to `certnn bounds --json`, sound on sampled points, and clear refusals."""

import numpy as np
import pytest

import certnn
from conftest import DIGITS_MODEL, MNIST_FC, write_rows

METHODS = ["ibp", "affine", "doubleton", "crown", "alpha-crown", "sample"]


def cli_bounds(cli, model, *args):
    report = cli("bounds", model, *args)
    return report["inputs"]


@pytest.mark.parametrize("method", METHODS)
def test_balls_are_bit_identical_to_the_cli(digits, digit_inputs, cli, tmp_path, method):
    eps = 0.03
    inputs = write_rows(tmp_path / "x.csv", digit_inputs)
    expected = cli_bounds(cli, DIGITS_MODEL, "--input", inputs, "--eps", repr(eps), "--method", method)
    lb, ub = digits.bounds(digit_inputs, eps=eps, method=method)
    assert lb.shape == ub.shape == (5, 10)
    for row, entry in enumerate(expected):
        assert np.array_equal(lb[row], entry["methods"][method]["lower"])
        assert np.array_equal(ub[row], entry["methods"][method]["upper"])


def test_mnist_network_crown_is_bit_identical_to_the_cli(cli, tmp_path):
    model = MNIST_FC / "onnx" / "mnist-net_256x2.onnx"
    net = certnn.Network.load(model)
    x = np.random.default_rng(0).random((2, net.input_size))
    expected = cli_bounds(cli, model, "--input", write_rows(tmp_path / "x.csv", x), "--eps", "0.02",
                          "--method", "crown")
    lb, ub = net.bounds(x, eps=0.02, method="crown")
    for row, entry in enumerate(expected):
        assert np.array_equal(lb[row], entry["methods"]["crown"]["lower"])
        assert np.array_equal(ub[row], entry["methods"]["crown"]["upper"])


def test_explicit_boxes_are_bit_identical_to_the_cli(digits, cli, tmp_path):
    rng = np.random.default_rng(1)
    lower = rng.random((3, 64)) * 0.5
    upper = lower + rng.random((3, 64)) * 0.05
    pairs = np.stack([lower, upper], axis=1).reshape(6, 64)
    expected = cli_bounds(cli, DIGITS_MODEL, "--box", write_rows(tmp_path / "boxes.csv", pairs), "--method", "crown")
    lb, ub = digits.bounds(lower=lower, upper=upper, method="crown")
    for row, entry in enumerate(expected):
        assert np.array_equal(lb[row], entry["methods"]["crown"]["lower"])
        assert np.array_equal(ub[row], entry["methods"]["crown"]["upper"])


def test_options_reach_the_library_as_the_clis(digits, digit_inputs, cli, tmp_path):
    inputs = write_rows(tmp_path / "x.csv", digit_inputs[:2])
    expected = cli_bounds(cli, DIGITS_MODEL, "--input", inputs, "--eps", "0.05", "--method", "affine",
                          "--inference", "float32", "--relu-slope", "smoothed", "--domain", "none")
    lb, ub = digits.bounds(digit_inputs[:2], eps=0.05, method="affine", inference="float32", relu_slope="smoothed",
                           domain=None)
    assert np.array_equal(lb, [e["methods"]["affine"]["lower"] for e in expected])
    assert np.array_equal(ub, [e["methods"]["affine"]["upper"] for e in expected])
    exact_lb, exact_ub = digits.bounds(digit_inputs[:2], eps=0.05, method="affine", relu_slope="smoothed", domain=None)
    assert np.all(lb <= exact_lb) and np.all(exact_ub <= ub) and np.any(lb < exact_lb)


def test_sound_bounds_enclose_sampled_outputs_and_the_sample_estimate(digits, digit_inputs):
    eps = 0.05
    rng = np.random.default_rng(2)
    x = digit_inputs[0]
    points = np.clip(x + rng.uniform(-eps, eps, (2000, 64)), 0, 1)
    outputs = digits(points)
    inner_lb, inner_ub = digits.bounds(x, eps=eps, method="sample")
    for method in METHODS[:-1]:
        lb, ub = digits.bounds(x, eps=eps, method=method)
        assert lb.shape == (10,)
        assert np.all(lb <= outputs) and np.all(outputs <= ub), method
        assert np.all(lb <= inner_lb) and np.all(inner_ub <= ub), method
    crown = digits.bounds(x, eps=eps, method="crown")
    ibp = digits.bounds(x, eps=eps, method="ibp")
    assert np.all(crown.upper - crown.lower <= ibp.upper - ibp.lower + 1e-12)


def test_domain_clips_the_ball(digits):
    x = np.zeros(64)
    clipped = digits.bounds(x, eps=0.1, method="ibp")
    box = digits.bounds(lower=np.zeros(64), upper=np.full(64, 0.1), method="ibp")
    assert np.array_equal(clipped.lower, box.lower) and np.array_equal(clipped.upper, box.upper)
    unclipped = digits.bounds(x, eps=0.1, method="ibp", domain=None)
    assert np.any(unclipped.upper - unclipped.lower > clipped.upper - clipped.lower)


def test_unknown_method_lists_the_known_ones(digits, digit_inputs):
    with pytest.raises(ValueError, match="zonotope.*ibp.*crown") as caught:
        digits.bounds(digit_inputs, eps=0.01, method="zonotope")
    assert isinstance(caught.value, certnn.InvalidArgument) and isinstance(caught.value, certnn.Error)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(eps=-0.1), "eps must be a finite number >= 0"),
        (dict(eps=float("nan")), "eps must be a finite number >= 0"),
        (dict(eps=0.1, inference="float16"), "inference must be one of exact, float32; got 'float16'"),
        (dict(eps=0.1, strategy="lu"), "strategy must be one of identity, qr, qr-pivoted"),
        (dict(eps=0.1, domain=(1, 0)), r"lo <= hi"),
    ],
)
def test_bad_options_are_value_errors(digits, digit_inputs, kwargs, message):
    with pytest.raises(ValueError, match=message):
        digits.bounds(digit_inputs, **kwargs)


def test_inputs_outside_the_domain_are_named(digits, digit_inputs):
    x = digit_inputs.copy()
    x[3, 7] = 1.5
    with pytest.raises(ValueError, match=r"input 3: input value 7 \(1.5.*\) lies outside the domain"):
        digits.bounds(x, eps=0.01)


def test_set_arguments_must_be_one_kind(digits, digit_inputs):
    with pytest.raises(ValueError, match="give x and eps"):
        digits.bounds(digit_inputs)
    with pytest.raises(ValueError, match="not both"):
        digits.bounds(digit_inputs, eps=0.1, lower=digit_inputs, upper=digit_inputs)
    with pytest.raises(ValueError, match="lies below the lower end"):
        digits.bounds(lower=digit_inputs + 0.1, upper=digit_inputs, method="ibp")


def test_doubleton_refuses_layers_wider_than_max_width(digits, digit_inputs):
    with pytest.raises(certnn.Error, match="doubleton"):
        digits.bounds(digit_inputs, eps=0.01, method="doubleton", max_width=16)


def test_help_says_what_a_bound_means():
    text = " ".join(certnn.Network.bounds.__doc__.split())
    for phrase in ["sound enclosure of every output", "every real input", "rounding", "NOT sound", "inner estimate", "domain"]:
        assert phrase in text, phrase


def test_one_network_bounds_from_several_threads_alike(digits, digit_inputs):
    from concurrent.futures import ThreadPoolExecutor

    serial = [digits.bounds(x, eps=0.02, method="alpha-crown") for x in digit_inputs]
    with ThreadPoolExecutor(max_workers=3) as pool:
        threaded = list(pool.map(lambda x: digits.bounds(x, eps=0.02, method="alpha-crown"), digit_inputs))
    for (lb, ub), (tlb, tub) in zip(serial, threaded):
        assert np.array_equal(lb, tlb) and np.array_equal(ub, tub)
