"""Complete verification of VNN-LIB properties (``certnn verify``)."""

from __future__ import annotations

import os
from typing import Any, List, Tuple, Union

import numpy as np

from . import _certnn
from ._inputs import existing_file
from .network import Network
from .results import VerifyResult


class Property:
    """A VNN-LIB property in disjunctive normal form: it is violated ("sat") exactly when some
    input of some disjunct's box makes all of that disjunct's output constraints hold."""

    def __init__(self, native: "_certnn.Property"):
        self._native = native

    @classmethod
    def load(cls, path: Union[str, "os.PathLike[str]"]) -> "Property":
        """Reads a ``.vnnlib`` or ``.vnnlib.gz`` file; certnn.ParseError names file, line and column."""
        return cls(_certnn.Property.load(existing_file(path, "property")))

    @classmethod
    def parse(cls, text: str, source: str = "<text>") -> "Property":
        """Parses VNN-LIB text; ``source`` names it in messages."""
        return cls(_certnn.Property.parse(text, source))

    @property
    def input_count(self) -> int:
        return self._native.input_count

    @property
    def output_count(self) -> int:
        return self._native.output_count

    @property
    def disjunct_count(self) -> int:
        return self._native.disjunct_count

    def input_box(self, disjunct: int = 0) -> Tuple[np.ndarray, np.ndarray]:
        """(lower, upper) of a disjunct's input box (rounded outward where the file's constants
        are not doubles)."""
        return self._native.input_box(disjunct)

    def constraints(self, disjunct: int = 0) -> List[Tuple[np.ndarray, float, float]]:
        """The disjunct's output constraints, each (a, lo, hi): a . y <= b, with the decimal
        constant b enclosed by [lo, hi]."""
        return self._native.constraints(disjunct)

    def violated_by(self, x: Any, y: Any) -> bool:
        """Whether input x and output y satisfy some disjunct (box and every constraint, with b
        at its lower end): the test a counterexample passes."""
        x = np.asarray(x, dtype=np.float64).reshape(-1)
        y = np.asarray(y, dtype=np.float64).reshape(-1)
        for d in range(self.disjunct_count):
            lo, hi = self.input_box(d)
            if np.all(lo <= x) and np.all(x <= hi) and all(a @ y <= b_lo for a, b_lo, _ in self.constraints(d)):
                return True
        return False

    def __repr__(self) -> str:
        return (
            f"certnn.Property(inputs={self.input_count}, outputs={self.output_count}, "
            f"disjuncts={self.disjunct_count})"
        )


def verify(
    model: Union[Network, str, "os.PathLike[str]"],
    prop: Union[Property, str, "os.PathLike[str]"],
    timeout: float = 300.0,
    *,
    threads: int = 2,
    splitting: str = "auto",
    seed: int = 0,
) -> VerifyResult:
    """Decides a VNN-LIB property on a model, as ``certnn verify``.

    model: a Network or an ONNX path; prop: a Property or a ``.vnnlib`` / ``.vnnlib.gz`` path.
    Returns a :class:`VerifyResult`: ``result`` is "sat" (a counterexample exists: ``witness`` is
    its input, re-checked with rigorous interval arithmetic on the exact network, and
    ``witness_output`` the float64 outputs there), "unsat" (proved), "timeout" (``timeout``
    seconds ran out), "unknown" or "error". threads: workers sharing the branch-and-bound;
    splitting: "auto", "input" or "relu".

    The GIL is released while the search runs. Ctrl-C stops the search (as the time limit would)
    and raises KeyboardInterrupt. Raises FileNotFoundError for missing files, certnn.ParseError for
    a malformed property, certnn.Error when the property's sizes do not match the model.
    """
    network = model if isinstance(model, Network) else Network.load(model)
    prop = prop if isinstance(prop, Property) else Property.load(prop)
    found = _certnn.verify(network._native, prop._native, timeout=float(timeout), threads=int(threads),
                           splitting=splitting, seed=int(seed))
    return VerifyResult(**found)
