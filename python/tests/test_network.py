"""Loading, shapes, forward passes (against the CLI's eval), export and input checks."""

import errno

import numpy as np
import pytest

import certnn
from conftest import DIGITS_MODEL, EXAMPLES, write_rows


def test_shapes_and_layers(digits):
    assert digits.input_shape == (1, 64)
    assert digits.input_size == 64
    assert digits.output_size == 10
    assert digits.parameter_count == 3466
    assert [layer["kind"] for layer in digits.layers] == ["Dense", "Relu", "Dense", "Relu", "Dense"]
    assert "input_shape=[1, 64]" in repr(digits)


def test_forward_float64_is_the_clis_eval(digits, digit_inputs, cli, tmp_path):
    expected = np.array(cli("eval", DIGITS_MODEL, "--input", write_rows(tmp_path / "x.csv", digit_inputs))["outputs"])
    got = digits(digit_inputs)
    assert got.dtype == np.float64 and got.shape == (5, 10)
    assert np.array_equal(got, expected)


def test_forward_float32_is_the_clis_float32_eval(digits, digit_inputs, cli, tmp_path):
    x32 = digit_inputs.astype(np.float32)
    expected = cli("eval", DIGITS_MODEL, "--input", write_rows(tmp_path / "x.csv", x32.astype(np.float64)),
                   "--precision", "float32")["outputs"]
    got = digits(x32)
    assert got.dtype == np.float32
    assert np.array_equal(got.astype(np.float64), np.array(expected))
    assert np.array_equal(digits.forward(digit_inputs, precision="float32"), got)


def test_every_input_layout_gives_the_same_outputs(digits, digit_inputs):
    batch = digits(digit_inputs)
    # One input is a batch of one (a matrix-vector product: its rounding may differ from a
    # column of the larger batch's matrix product, as in the CLI).
    assert np.array_equal(digits(digit_inputs[0]), digits(digit_inputs[:1])[0])  # (64,): one input
    assert np.array_equal(digits(digit_inputs[0].reshape(1, 64)), digits(digit_inputs[:1]))  # the model's shape
    assert np.allclose(digits(digit_inputs[0]), batch[0], rtol=1e-14, atol=1e-13)
    assert digits(digit_inputs[0]).shape == (10,)
    assert np.array_equal(digits(digit_inputs.reshape(5, 1, 64)), batch)  # (n, *input_shape)
    assert np.array_equal(digits(digit_inputs.tolist()), batch)  # anything np.asarray reads
    assert np.array_equal(digits(np.asfortranarray(digit_inputs)), batch)  # any memory layout
    assert np.allclose(digits(digit_inputs[::-1])[::-1], batch, rtol=1e-14, atol=1e-13)  # negative strides
    assert digits(np.zeros((0, 64))).shape == (0, 10)


def test_predict_is_the_argmax(digits, digit_inputs, digit_labels):
    assert np.array_equal(digits.predict(digit_inputs), np.argmax(digits(digit_inputs), axis=1))
    assert np.array_equal(digits.predict(digit_inputs), digit_labels)
    assert digits.predict(digit_inputs[0]) == digit_labels[0]


def test_save_and_to_bytes_round_trip(digits, digit_inputs, tmp_path):
    path = tmp_path / "copy.onnx"
    digits.save(path)
    for again in (certnn.Network.load(path), certnn.Network.from_bytes(digits.to_bytes())):
        assert again.input_shape == digits.input_shape
        assert np.array_equal(again(digit_inputs), digits(digit_inputs))


def test_missing_model_is_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError) as caught:
        certnn.Network.load(tmp_path / "absent.onnx")
    assert caught.value.errno == errno.ENOENT
    assert "absent.onnx" in str(caught.value)


def test_damaged_models_are_library_errors(tmp_path):
    with pytest.raises(certnn.Error, match="is a directory"):
        certnn.Network.load(EXAMPLES)
    with pytest.raises(certnn.Error, match="not an ONNX model"):
        certnn.Network.from_bytes(b"\x01\x02 not a protobuf", source="garbage")
    truncated = tmp_path / "cut.onnx"
    truncated.write_bytes(DIGITS_MODEL.read_bytes()[:700])
    with pytest.raises(certnn.Error, match="cut.onnx"):
        certnn.Network.load(truncated)


@pytest.mark.parametrize(
    "bad, message",
    [
        (np.zeros(63), r"shape \(63,\) does not fit the model's input \[1, 64\]"),
        (np.zeros((2, 65)), r"shape \(2, 65\)"),
        (np.zeros((2, 8, 8)), r"shape \(2, 8, 8\)"),
        (np.full(64, np.nan), r"element 0 is nan, not a finite number"),
        (np.array([[0.0] * 64, [0.0] * 63 + [np.inf]]), r"input 1, element 63 is inf"),
        (np.array(["a"] * 64), "expected numbers"),
    ],
)
def test_bad_inputs_are_value_errors(digits, bad, message):
    with pytest.raises(ValueError, match=message):
        digits(bad)


def test_unknown_precision_is_a_value_error(digits, digit_inputs):
    with pytest.raises(ValueError, match="precision must be 'float64' or 'float32'"):
        digits.forward(digit_inputs, precision="float16")
