"""examples/python/certify_torch_model.py runs and its figures are consistent."""

import json
import subprocess
import sys

import pytest

from conftest import ROOT

pytest.importorskip("torch", reason="the example trains in PyTorch (Debian python3-torch)")


def test_example_certifies_attacks_and_brackets_radii():
    done = subprocess.run([sys.executable, str(ROOT / "examples" / "python" / "certify_torch_model.py"), "--json"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout.splitlines()[-1])
    assert summary["clean_accuracy"] > 0.9
    assert summary["max_difference_from_torch"] < 1e-4
    previous = None
    for eps, figures in summary["eps"].items():
        # Certified accuracy is a lower bound of the robust accuracy, PGD's an upper bound.
        assert figures["certified_ibp"] <= figures["certified_crown"] <= figures["attacked"] <= summary["clean_accuracy"]
        if previous:
            assert figures["certified_crown"] <= previous["certified_crown"] and figures["attacked"] <= previous["attacked"]
        previous = figures
    assert summary["eps"]["0.01"]["certified_crown"] > 0.5
    for bracket in summary["radius"]:
        assert 0 < bracket["certified"] <= bracket["attacked"]
    assert summary["seconds"] < 60
