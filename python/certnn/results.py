"""The objects certnn's calls return."""

from __future__ import annotations

from dataclasses import dataclass
from typing import List, NamedTuple, Optional

import numpy as np


class Bounds(NamedTuple):
    """Per-output lower and upper ends: ``lb, ub = net.bounds(...)``."""

    lower: np.ndarray
    upper: np.ndarray


@dataclass(frozen=True)
class MethodInfo:
    """A bound method of the library's registry (``certnn methods``)."""

    name: str
    sound: bool  #: False for ``sample``: an inner estimate that proves nothing
    summary: str
    refused_kinds: List[str]  #: layer kinds the method refuses with certnn.Unsupported


@dataclass
class VerifyResult:
    """The answer of :func:`certnn.verify`, as ``certnn verify --json`` prints it.

    result: "sat" (a counterexample exists; ``witness`` holds it), "unsat" (proved), "timeout",
    "unknown" or "error" (``message`` says why).
    """

    result: str
    seconds: float
    subproblems: int
    witness: Optional[np.ndarray] = None  #: the counterexample's input (sat only), re-checked rigorously
    witness_output: Optional[np.ndarray] = None  #: the float64 network output at the witness
    message: str = ""

    @property
    def sat(self) -> bool:
        """A counterexample exists (``witness`` holds it)."""
        return self.result == "sat"

    @property
    def unsat(self) -> bool:
        """The property is proved: no input of its boxes violates it."""
        return self.result == "unsat"


@dataclass
class AttackResult:
    """Per-input outcomes of :meth:`Network.attack`, with the CLI's conventions: an input already
    misclassified counts as attacked with norm 0; where the attack failed, ``adversarial`` is the
    original input and ``adversarial_label`` its clean prediction."""

    success: np.ndarray  #: bool per input: an adversarial example confirmed by the exact outputs
    label: np.ndarray  #: the true classes given
    clean_label: np.ndarray  #: prediction at the input
    adversarial_label: np.ndarray  #: prediction at the reported input
    adversarial: np.ndarray  #: reported inputs, shaped like x (the adversarial point where success)
    norm: np.ndarray  #: perturbation norm of the reported input (0 where the attack failed)
    goal_margin: np.ndarray  #: at the strongest point found, negative where the goal is reached strictly
    clean_accuracy: float
    attacked_accuracy: float

    @property
    def gap(self) -> float:
        """Clean minus attacked accuracy."""
        return self.clean_accuracy - self.attacked_accuracy


@dataclass
class RadiusResult:
    """Per input: certified <= true robustness radius <= attacked (``certnn radius``)."""

    label: np.ndarray
    certified: np.ndarray  #: the method proves every margin positive over the ball of this radius
    attacked: np.ndarray  #: distance of the closest adversarial example PGD found; NaN where none
    adversarial: np.ndarray  #: that example, shaped like x; NaN where none
    method: str
    norm: str

    @property
    def ratio(self) -> np.ndarray:
        """attacked / certified where both are known (NaN otherwise)."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(self.certified > 0, self.attacked / self.certified, np.nan)


@dataclass(frozen=True)
class LayerStability:
    """One layer's stability figures, as a row of ``certnn stability``."""

    name: str
    kind: str
    spectral_norm: float  #: estimate of the layer's L2 Lipschitz constant
    spectral_norm_upper: float  #: rigorous upper bound of it
    upper_method: str  #: "exact", "cholesky", "collatz" or "frobenius"
    condition_number: Optional[float]  #: sigma_max / sigma_min where computed (inf when singular)
    ill_conditioned: bool


@dataclass
class StabilityReport:
    """What ``certnn stability --json`` prints."""

    layers: List[LayerStability]
    lipschitz_upper: float  #: proved upper bound of the global L2 Lipschitz constant
    lipschitz_lower: float  #: largest Jacobian norm or difference quotient found (a lower bound)
    gap: Optional[float]  #: upper / lower
    jacobian_norm_max: float
    difference_quotient_max: float
    tightened_chains: int
    local_lipschitz_upper: Optional[np.ndarray] = None  #: per input, over the L-inf ball of radius eps
    eps: Optional[float] = None
    seconds: float = 0.0
