"""certnn: sound output bounds, complete verification, attacks, robustness radii, stability
diagnostics and training for neural networks, over the C++ library libcertnn (the same code as
the ``certnn`` command).

    net = certnn.Network.load("model.onnx")            # or certnn.from_torch(module, example)
    y = net(x)                                          # forward, float64 or float32
    lb, ub = net.bounds(x, eps=0.03, method="crown")    # sound enclosure of every output
    r = certnn.verify("model.onnx", "prop.vnnlib", timeout=60)
    adv = net.attack(x, labels, eps=0.03)               # PGD (FGSM with steps=1)
    rad = net.radius(x, labels)                         # certified <= true radius <= attacked
    st = net.stability()                                # norms, conditioning, Lipschitz bounds
    model = certnn.train(data="digits", arch="mlp:100x4", mode="ibp", eps=0.05, epochs=10)

Errors: certnn.Error (the library's one-line messages) and its subclasses ParseError,
ShapeError (also a ValueError), Unsupported, TrainingDiverged, InvalidArgument (also a
ValueError); ValueError for bad shapes, NaN inputs and unknown names; FileNotFoundError.
"""

from typing import List

from . import _certnn
from ._certnn import Error, InvalidArgument, ParseError, ShapeError, TrainingDiverged, Unsupported
from .network import Network, from_torch
from .results import AttackResult, Bounds, LayerStability, MethodInfo, RadiusResult, StabilityReport, VerifyResult
from .training import train
from .verification import Property, verify

__version__: str = _certnn.__version__


def methods() -> List[MethodInfo]:
    """The bound methods (``certnn methods``): name, whether sound, summary, refused layer kinds."""
    return [MethodInfo(**info) for info in _certnn.methods()]


def layer_kinds() -> List[str]:
    """The layer kinds of certnn's network representation."""
    return list(_certnn.layer_kinds())


def onnx_operators() -> List[str]:
    """The ONNX operators the importer accepts."""
    return list(_certnn.onnx_operators())


def dataset_names() -> List[str]:
    """The dataset names :func:`train` knows besides file paths."""
    return list(_certnn.dataset_names())


__all__ = [
    "AttackResult", "Bounds", "Error", "InvalidArgument", "LayerStability", "MethodInfo", "Network", "ParseError",
    "Property", "RadiusResult", "ShapeError", "StabilityReport", "TrainingDiverged", "Unsupported", "VerifyResult",
    "__version__", "dataset_names", "from_torch", "layer_kinds", "methods", "onnx_operators", "train", "verify",
]
