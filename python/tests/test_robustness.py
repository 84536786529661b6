"""attack, radius and stability: agreement with the CLI and the properties they promise."""

import numpy as np
import pytest

import certnn
from conftest import DIGITS_MODEL, EXAMPLES, robustness_property, write_rows


def test_pgd_is_the_clis_attack(digits, digit_inputs, digit_labels, cli, tmp_path):
    report = cli("attack", DIGITS_MODEL, "--input", write_rows(tmp_path / "x.csv", digit_inputs),
                 "--label", EXAMPLES / "digits_labels.csv", "--eps", "0.1", "--steps", "20")
    result = digits.attack(digit_inputs, digit_labels, eps=0.1, steps=20)
    assert result.clean_accuracy == report["clean_accuracy"]
    assert result.attacked_accuracy == report["attacked_accuracy"]
    for row, entry in enumerate(report["results"]):
        assert bool(result.success[row]) == entry["success"]
        assert result.adversarial_label[row] == entry["adversarial_label"]
        assert result.norm[row] == entry["norm"]
        assert np.array_equal(result.adversarial[row], entry["input"])


def test_adversarial_examples_lie_in_the_ball_and_change_the_class(digits, digit_inputs, digit_labels):
    eps = 0.1
    result = digits.attack(digit_inputs, digit_labels, eps=eps, steps=40, restarts=2)
    assert result.success.any(), "PGD at 0.1 breaks some of the five digits"
    assert result.adversarial.shape == digit_inputs.shape
    broken = result.success
    delta = np.abs(result.adversarial[broken] - digit_inputs[broken]).max(axis=1)
    assert np.all(delta <= eps * (1 + 1e-12)) and np.allclose(result.norm[broken], delta)
    assert np.all((result.adversarial >= 0) & (result.adversarial <= 1))
    assert np.array_equal(digits.predict(result.adversarial[broken]), result.adversarial_label[broken])
    assert np.all(result.adversarial_label[broken] != digit_labels[broken])
    assert np.array_equal(result.adversarial[~broken], digit_inputs[~broken])
    assert result.attacked_accuracy == np.mean(~broken) and result.gap == result.clean_accuracy - result.attacked_accuracy


def test_fgsm_by_name_or_by_one_step(digits, digit_inputs, digit_labels, cli, tmp_path):
    report = cli("attack", DIGITS_MODEL, "--input", write_rows(tmp_path / "x.csv", digit_inputs), "--label", "pred",
                 "--eps", "0.2", "--method", "fgsm", "--norm", "l2")
    by_name = digits.attack(digit_inputs, "pred", eps=0.2, method="fgsm", norm="l2")
    by_steps = digits.attack(digit_inputs, "pred", eps=0.2, steps=1, norm="l2")
    assert np.array_equal(by_name.adversarial, by_steps.adversarial)
    assert np.array_equal(by_name.adversarial, [e["input"] for e in report["results"]])
    with pytest.raises(ValueError, match="restarts applies to pgd only"):
        digits.attack(digit_inputs, digit_labels, eps=0.1, method="fgsm", restarts=3)


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        (dict(labels=10, eps=0.1), ValueError, r"label 10 \(input 0\) is outside the model's classes 0..9"),
        (dict(labels=[1, 2], eps=0.1), ValueError, r"one class per input \(5\)"),
        (dict(labels="best", eps=0.1), ValueError, "or 'pred'"),
        (dict(labels=0, eps=0.1, norm="l1"), ValueError, "norm must be 'linf' or 'l2'"),
        (dict(labels=0, eps=0.1, loss="hinge"), ValueError, "loss must be 'ce' or 'margin'"),
        (dict(labels=0, eps=0.1, target=12), certnn.Error, "target"),
        (dict(labels=0, eps=-1), ValueError, "eps must be a finite number >= 0"),
    ],
)
def test_attack_refusals(digits, digit_inputs, kwargs, error, message):
    with pytest.raises(error, match=message):
        digits.attack(digit_inputs, **kwargs)


def test_attack_refuses_inputs_outside_the_domain(digits, digit_inputs):
    with pytest.raises(ValueError, match=r"input 0 has element 0 = -0.5 outside the domain"):
        digits.attack(digit_inputs - 0.5, 0, eps=0.1)
    assert digits.attack(digit_inputs - 0.5, 0, eps=0.1, domain=None).success.shape == (5,)


def test_radius_is_the_clis_and_brackets_the_truth(digits, digit_inputs, digit_labels, cli, tmp_path):
    x, labels = digit_inputs[:2], digit_labels[:2]
    report = cli("radius", DIGITS_MODEL, "--input", write_rows(tmp_path / "x.csv", x), "--label", "8",
                 "--method", "crown", "--steps", "20", "--restarts", "1")
    result = digits.radius(x, labels, method="crown", steps=20, restarts=1)
    assert np.array_equal(result.certified, [e["certified"] for e in report["results"]])
    assert np.array_equal(np.nan_to_num(result.attacked, nan=-1), [e["attacked"] or -1 for e in report["results"]])
    assert np.all(result.certified > 0) and np.all(result.certified <= result.attacked)
    for row in range(2):
        # The complete verifier agrees: no adversarial example within the certified radius.
        verdict = certnn.verify(digits, robustness_property(x[row], labels[row], result.certified[row]), timeout=60)
        assert verdict.result == "unsat"
        adversarial = result.adversarial[row]
        assert np.isclose(np.abs(adversarial - x[row]).max(), result.attacked[row])
        assert digits.predict(adversarial) != labels[row]
    assert np.allclose(result.ratio, result.attacked / result.certified)


def test_radius_refuses_what_proves_nothing(digits, digit_inputs):
    with pytest.raises(ValueError, match="radius.*sample"):
        digits.radius(digit_inputs[:1], 8, method="sample")
    with pytest.raises(ValueError, match="max_eps"):
        digits.radius(digit_inputs[:1], 8, domain=None)
    with pytest.raises(ValueError, match="tolerance"):
        digits.radius(digit_inputs[:1], 8, tolerance=2.0)


def test_stability_is_the_clis(digits, digit_inputs, cli, tmp_path):
    report = cli("stability", DIGITS_MODEL, "--input", write_rows(tmp_path / "x.csv", digit_inputs[:2]),
                 "--eps", "0.02")
    result = digits.stability(digit_inputs[:2], eps=0.02)
    assert result.lipschitz_upper == report["lipschitz_upper"]
    assert result.lipschitz_lower == report["lipschitz_lower"]
    assert result.tightened_chains == report["tightened_chains"]
    assert np.array_equal(result.local_lipschitz_upper, report["local_lipschitz_upper"])
    assert [layer.name for layer in result.layers] == [layer["name"] for layer in report["layers"]]
    for ours, theirs in zip(result.layers, report["layers"]):
        assert ours.spectral_norm_upper == theirs["spectral_norm_upper"]
        assert ours.spectral_norm <= ours.spectral_norm_upper
    assert 0 < result.lipschitz_lower <= result.lipschitz_upper
    assert np.all(result.local_lipschitz_upper <= result.lipschitz_upper)


def test_global_stability_without_inputs(digits):
    result = digits.stability()
    assert result.local_lipschitz_upper is None and result.eps is None
    dense = [layer for layer in result.layers if layer.kind == "Dense"]
    assert len(dense) == 3 and all(layer.condition_number is not None for layer in dense)
    assert result.gap == pytest.approx(result.lipschitz_upper / result.lipschitz_lower)
    with pytest.raises(ValueError, match="nothing to sample"):
        digits.stability(domain=None)


def test_attack_needs_inputs(digits):
    with pytest.raises(ValueError, match="no inputs"):
        digits.attack(np.zeros((0, 64)), 0, eps=0.1)


def test_ctrl_c_stops_radius_between_inputs(digits, digit_inputs):
    import os
    import signal
    import threading
    import time

    many = np.repeat(digit_inputs, 40, axis=0)  # 200 radius searches: far more than a second
    timer = threading.Timer(0.5, lambda: os.kill(os.getpid(), signal.SIGINT))
    start = time.monotonic()
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            digits.radius(many, "pred", method="alpha-crown")
    finally:
        timer.cancel()
    assert time.monotonic() - start < 10
