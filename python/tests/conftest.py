"""Shared fixtures: the repository's example models and inputs, and the CLI the bindings are
compared with (CERTNN_CLI, default build/certnn)."""

import json
import os
import subprocess
from pathlib import Path

import numpy as np
import pytest

import certnn

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
ACASXU = ROOT / "benchmarks" / "acasxu"
MNIST_FC = ROOT / "benchmarks" / "mnist_fc"
DIGITS_MODEL = EXAMPLES / "digits_mlp.onnx"


@pytest.fixture(scope="session")
def cli():
    """Runs the certnn CLI with arguments and returns its parsed --json output."""
    path = Path(os.environ.get("CERTNN_CLI", ROOT / "build" / "certnn"))
    if not path.is_file():
        pytest.fail(f"the certnn CLI is not at {path}: build it, or set CERTNN_CLI")

    def run(*args):
        done = subprocess.run([str(path), *map(str, args), "--json"], capture_output=True, text=True)
        assert done.returncode == 0, f"certnn {' '.join(map(str, args))} failed: {done.stderr}"
        return json.loads(done.stdout)

    run.path = path
    return run


@pytest.fixture(scope="session")
def digits():
    return certnn.Network.load(DIGITS_MODEL)


@pytest.fixture(scope="session")
def digit_inputs():
    return np.loadtxt(EXAMPLES / "digits_inputs.csv", delimiter=",")


@pytest.fixture(scope="session")
def digit_labels():
    return np.loadtxt(EXAMPLES / "digits_labels.csv", dtype=np.int64)


def write_rows(path, rows):
    """A CSV the CLI reads back to the same doubles (repr is the shortest round-trip text)."""
    rows = np.atleast_2d(np.asarray(rows, dtype=np.float64))
    path.write_text("".join(",".join(repr(float(v)) for v in row) + "\n" for row in rows))
    return path


def robustness_property(x, label, eps, classes=10, domain=(0.0, 1.0)):
    """The VNN-LIB property examples/make_digits_property.py writes: some other output reaches
    the label's within the L-inf ball of radius eps around x, clipped to the domain."""
    x = np.asarray(x, dtype=np.float64).reshape(-1)
    lines = [f"(declare-const X_{i} Real)" for i in range(x.size)]
    lines += [f"(declare-const Y_{j} Real)" for j in range(classes)]
    for i, v in enumerate(x):
        lines.append(f"(assert (>= X_{i} {max(domain[0], v - eps)!r}))")
        lines.append(f"(assert (<= X_{i} {min(domain[1], v + eps)!r}))")
    others = " ".join(f"(and (>= Y_{j} Y_{label}))" for j in range(classes) if j != label)
    lines.append(f"(assert (or {others}))")
    return certnn.Property.parse("\n".join(lines), source=f"robustness eps {eps!r}")
