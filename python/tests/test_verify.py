"""verify: expected answers on bundled properties, witnesses that violate the property, the
time limit, Ctrl-C and the GIL."""

import os
import signal
import threading
import time

import numpy as np
import pytest

import certnn
from conftest import ACASXU, DIGITS_MODEL, EXAMPLES, robustness_property

ACAS_SAT = (ACASXU / "onnx" / "ACASXU_run2a_1_2_batch_2000.onnx", ACASXU / "vnnlib" / "prop_2.vnnlib.gz")
ACAS_UNSAT = (ACASXU / "onnx" / "ACASXU_run2a_1_1_batch_2000.onnx", ACASXU / "vnnlib" / "prop_3.vnnlib.gz")
# The longest instance of the set (about 35 s on two cores): time limits and interruptions.
ACAS_HARD = (ACASXU / "onnx" / "ACASXU_run2a_4_2_batch_2000.onnx", ACASXU / "vnnlib" / "prop_2.vnnlib.gz")


def expected_answer(onnx, vnnlib):
    key = f"onnx/{onnx.name},vnnlib/{vnnlib.name},"
    for line in (ACASXU / "expected.csv").read_text().splitlines():
        if line.startswith(key):
            return line.split(",")[2]
    raise AssertionError(f"no expected answer for {key}")


def test_bundled_digits_property_is_unsat(cli):
    result = certnn.verify(DIGITS_MODEL, EXAMPLES / "digits_robustness_0.05.vnnlib", timeout=60)
    assert result.result == "unsat" and result.unsat and result.witness is None
    assert result.result == cli("verify", DIGITS_MODEL, EXAMPLES / "digits_robustness_0.05.vnnlib")["result"]
    assert result.seconds >= 0 and result.subproblems >= 0


def test_digits_at_a_larger_radius_has_a_witness_that_violates_the_property(digits):
    x = np.loadtxt(EXAMPLES / "digits_inputs.csv", delimiter=",")[0]
    prop = robustness_property(x, 8, 0.1)
    result = certnn.verify(digits, prop, timeout=60)
    assert result.result == "sat"
    assert isinstance(result.witness, np.ndarray) and result.witness.shape == (64,)
    assert prop.violated_by(result.witness, digits(result.witness))
    assert np.array_equal(result.witness_output, digits(result.witness))
    assert digits.predict(result.witness) != 8


@pytest.mark.parametrize("instance", [ACAS_SAT, ACAS_UNSAT], ids=["1_2-prop2", "1_1-prop3"])
def test_acasxu_answers_are_the_expected_ones(instance):
    onnx, vnnlib = instance
    result = certnn.verify(onnx, vnnlib, timeout=60)
    assert result.result == expected_answer(onnx, vnnlib)
    if result.sat:
        net, prop = certnn.Network.load(onnx), certnn.Property.load(vnnlib)
        assert prop.violated_by(result.witness, net(result.witness))


def test_property_accessors():
    prop = certnn.Property.load(EXAMPLES / "digits_robustness_0.05.vnnlib")
    assert (prop.input_count, prop.output_count, prop.disjunct_count) == (64, 10, 9)
    lower, upper = prop.input_box(0)
    assert lower.shape == upper.shape == (64,) and np.all(lower <= upper)
    ((a, lo, hi),) = prop.constraints(0)
    assert a.shape == (10,) and a[8] == 1 and lo <= hi
    with pytest.raises(IndexError):
        prop.input_box(9)


def test_short_timeout_answers_timeout():
    start = time.monotonic()
    result = certnn.verify(*ACAS_HARD, timeout=1.0)
    assert result.result == "timeout"
    assert time.monotonic() - start < 10


def test_the_gil_is_released_during_verify():
    ticks = 0
    stop = threading.Event()

    def count():
        nonlocal ticks
        while not stop.is_set():
            ticks += 1
            time.sleep(0.001)

    counter = threading.Thread(target=count)
    counter.start()
    try:
        certnn.verify(*ACAS_HARD, timeout=2.0)
    finally:
        stop.set()
        counter.join()
    # Held throughout the call, the GIL would have kept the counter at a standstill for 2 s;
    # released, the counter ticks every millisecond or so (fewer on a loaded machine).
    assert ticks > 50


def test_ctrl_c_stops_verify_with_keyboard_interrupt():
    timer = threading.Timer(1.0, lambda: os.kill(os.getpid(), signal.SIGINT))
    start = time.monotonic()
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            certnn.verify(*ACAS_HARD, timeout=120)
    finally:
        timer.cancel()
    assert time.monotonic() - start < 10


def test_missing_files_and_bad_properties():
    with pytest.raises(FileNotFoundError, match="absent.vnnlib"):
        certnn.verify(DIGITS_MODEL, "absent.vnnlib")
    with pytest.raises(FileNotFoundError):
        certnn.verify("absent.onnx", EXAMPLES / "digits_robustness_0.05.vnnlib")
    with pytest.raises(certnn.ParseError, match=r"bad:1:"):
        certnn.Property.parse("(assert (<= X_0 1)", source="bad")
    with pytest.raises(certnn.Error, match="5"):
        certnn.verify(DIGITS_MODEL, ACAS_SAT[1], timeout=5)  # 5 inputs against 64
    with pytest.raises(ValueError, match="splitting"):
        certnn.verify(DIGITS_MODEL, EXAMPLES / "digits_robustness_0.05.vnnlib", splitting="random")
    with pytest.raises(ValueError, match="timeout"):
        certnn.verify(DIGITS_MODEL, EXAMPLES / "digits_robustness_0.05.vnnlib", timeout=0)
