"""The module's surface: registry listings as the CLI prints them, version, docs and stubs."""

import inspect
import pydoc
import subprocess
from pathlib import Path

import certnn


def test_methods_are_the_clis_registry(cli):
    listed = certnn.methods()
    report = cli("methods")
    assert [m.name for m in listed] == [m["name"] for m in report["methods"]]
    assert [m.name for m in listed] == ["ibp", "affine", "doubleton", "crown", "alpha-crown", "sample"]
    for ours, theirs in zip(listed, report["methods"]):
        assert (ours.sound, ours.summary, ours.refused_kinds) == (theirs["sound"], theirs["summary"], theirs["refused_kinds"])
    assert [m.name for m in listed if not m.sound] == ["sample"]
    assert certnn.layer_kinds() == report["layer_kinds"]
    assert certnn.onnx_operators() == report["onnx_operators"]
    assert "digits" in certnn.dataset_names()


def test_version_is_the_clis(cli):
    done = subprocess.run([str(cli.path), "--version"], capture_output=True, text=True)
    assert certnn.__version__ and certnn.__version__ in done.stdout


def test_exception_hierarchy():
    assert issubclass(certnn.ParseError, certnn.Error)
    assert issubclass(certnn.Unsupported, certnn.Error)
    assert issubclass(certnn.TrainingDiverged, certnn.Error)
    assert issubclass(certnn.ShapeError, certnn.Error) and issubclass(certnn.ShapeError, ValueError)
    assert issubclass(certnn.InvalidArgument, certnn.Error) and issubclass(certnn.InvalidArgument, ValueError)
    assert certnn.Error.__module__ == "certnn"


def test_everything_public_has_a_docstring():
    for name in certnn.__all__:
        item = getattr(certnn, name)
        if callable(item):
            assert inspect.getdoc(item), name
    for name, member in inspect.getmembers(certnn.Network):
        if not name.startswith("_") and (inspect.isfunction(member) or isinstance(member, property)):
            assert inspect.getdoc(member), f"Network.{name}"
    text = pydoc.render_doc(certnn.Network.bounds, renderer=pydoc.plaintext)
    assert "sound enclosure" in text and "is NOT sound" in text


def test_the_package_ships_type_stubs():
    package = Path(certnn.__file__).parent
    assert (package / "py.typed").is_file()
    stub = (package / "_certnn.pyi").read_text()
    for name in ["class Network", "def ball_bounds", "def verify", "def train", "class InvalidArgument"]:
        assert name in stub
