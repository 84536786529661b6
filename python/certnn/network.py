"""certnn.Network: a model loaded into the library, and everything certnn does with one."""

from __future__ import annotations

import io
import os
from typing import Any, List, Optional, Tuple, Union

import numpy as np

from . import _certnn
from ._inputs import (
    Rows,
    as_array,
    check_eps,
    class_labels,
    domain_pair,
    existing_file,
    input_rows,
)
from .results import AttackResult, Bounds, LayerStability, RadiusResult, StabilityReport

PathLike = Union[str, "os.PathLike[str]"]
Domain = Optional[Tuple[float, float]]


class Network:
    """A neural network held by the certnn library (imported from ONNX, exported from PyTorch,
    or trained by :func:`certnn.train`).

    Inputs are accepted as one input, shape ``(input_size,)`` or the model's ``input_shape``, or
    as a batch, shape ``(n, input_size)``, ``(n, *input_shape)`` or, when the model's shape
    starts with a batch axis of 1, ``(n, *input_shape[1:])``. Anything with ``__array__``
    (numpy arrays, PyTorch tensors, lists) is accepted. Results per input follow the same
    convention: a single input gives results without the batch axis.

    A Network is immutable: it may be shared between threads, and long calls release the GIL.
    """

    def __init__(self, native: "_certnn.Network", training_log: Optional[dict] = None):
        self._native = native
        #: For a network returned by :func:`certnn.train`: the JSON log ``certnn train`` writes
        #: (options, per-epoch records, train and test accuracy); None otherwise.
        self.training_log = training_log

    # Loading and saving ------------------------------------------------------------------------

    @classmethod
    def load(cls, path: PathLike) -> "Network":
        """Imports an ONNX model file (the operators of ``certnn.onnx_operators()``).

        Raises FileNotFoundError when the file does not exist, certnn.Unsupported listing every
        node of an operator certnn does not handle, certnn.Error for a file that is not an ONNX
        model or holds NaN or infinite weights.
        """
        return cls(_certnn.Network.load(existing_file(path, "model")))

    @classmethod
    def from_bytes(cls, data: bytes, source: str = "<bytes>") -> "Network":
        """Imports a serialised ONNX ModelProto held in memory; ``source`` names it in messages."""
        return cls(_certnn.Network.from_bytes(bytes(data), source))

    def to_bytes(self) -> bytes:
        """The network as a serialised ONNX model (opset 13): it re-imports to the same function;
        parameters are float32 when every one of them is exactly a float32, else float64."""
        return self._native.to_bytes()

    def save(self, path: PathLike) -> None:
        """Writes the network as an ONNX file (see :meth:`to_bytes`), whole or not at all."""
        self._native.save(os.fspath(path))

    # Shapes ---------------------------------------------------------------------------------------

    @property
    def input_shape(self) -> Tuple[int, ...]:
        """The model's input shape as its ONNX graph declares it (often with a leading 1)."""
        return self._native.input_shape

    @property
    def output_shape(self) -> Tuple[int, ...]:
        """The shape of the model's output as its graph declares it."""
        return self._native.output_shape

    @property
    def input_size(self) -> int:
        """Number of input values of one sample."""
        return self._native.input_size

    @property
    def output_size(self) -> int:
        """Number of output values of one sample."""
        return self._native.output_size

    @property
    def input_name(self) -> str:
        """The name of the ONNX graph's input."""
        return self._native.input_name

    @property
    def parameter_count(self) -> int:
        """Number of weights and biases."""
        return self._native.parameter_count

    @property
    def layers(self) -> List[dict]:
        """One dict per layer: name, kind, shape, parameters (as ``certnn info``)."""
        return self._native.layers

    def __repr__(self) -> str:
        return (
            f"certnn.Network(input_shape={list(self.input_shape)}, output_size={self.output_size}, "
            f"layers={len(self.layers)}, parameters={self.parameter_count})"
        )

    # Evaluation -----------------------------------------------------------------------------------

    def _rows(self, x: Any, dtype: Any = np.float64, name: str = "x") -> Rows:
        return input_rows(x, self.input_shape, self.input_size, dtype, name)

    def forward(self, x: Any, precision: Optional[str] = None) -> np.ndarray:
        """The network's outputs at x: shape ``(output_size,)`` for one input, ``(n, output_size)``
        for a batch.

        precision: "float64" or "float32" (the function a float32 inference engine computes);
        by default float32 for float32 inputs, float64 otherwise. The result has that dtype.
        Raises ValueError for a shape that does not fit the model or NaN / infinite values.
        """
        if precision is None:
            precision = "float32" if as_array(x).dtype == np.float32 else "float64"
        if precision == "float64":
            rows = self._rows(x, np.float64)
            out = self._native.forward_float64(rows.rows)
        elif precision == "float32":
            rows = self._rows(x, np.float32)
            out = self._native.forward_float32(rows.rows)
        else:
            raise ValueError(f"precision must be 'float64' or 'float32', got {precision!r}")
        return rows.per_input(out)

    __call__ = forward

    def predict(self, x: Any) -> Union[int, np.ndarray]:
        """The class of each input: the index of the first maximal float64 output."""
        rows = self._rows(x)
        classes = self._native.predict(rows.rows)
        return int(classes[0]) if rows.single else classes

    # Bounds ---------------------------------------------------------------------------------------

    def bounds(
        self,
        x: Any = None,
        eps: Optional[float] = None,
        *,
        lower: Any = None,
        upper: Any = None,
        method: str = "crown",
        domain: Domain = (0.0, 1.0),
        samples: int = 1000,
        seed: int = 0,
        inference: str = "exact",
        relu_slope: str = "minimal-area",
        max_symbols: int = 20000,
        strategy: str = "qr-pivoted",
        max_width: int = 1024,
    ) -> Bounds:
        """Bounds of every output of the network over a set of inputs: ``lb, ub = net.bounds(...)``.

        The set is either the L-infinity ball of radius ``eps`` around each input x intersected
        with ``domain`` (default [0, 1], as the CLI's ``--domain``; None for no domain), or the
        boxes ``[lower, upper]`` (one per input, shaped like x). Result shapes follow x: one
        input gives ``(output_size,)`` arrays, a batch ``(n, output_size)``.

        What a bound means: for a sound method (every method but ``sample``) the result is a
        sound enclosure of every output over the set: each output of the network at every real
        input of the set, computed in exact real arithmetic with the weights taken as the exact
        values of their floats, lies in ``[lb, ub]``. Floating-point
        rounding inside the bound computation is accounted for (a-priori error terms and directed
        rounding), so the enclosure is rigorous, not just numerically close.
        ``inference="float32"`` widens the bounds to also enclose what any float32 inference
        engine computes. ``method="sample"`` is NOT sound: it is an inner estimate (the hull of
        outputs at sampled and gradient-ascended points) that shows how tight the others are.

        method: one of ``certnn.methods()``: ibp, affine, doubleton, crown, alpha-crown, sample.
        samples, seed: the sample method's points. relu_slope, max_symbols: affine. strategy,
        max_width: doubleton. These are the options of ``certnn bounds``, and the bounds are
        bit-identical to ``certnn bounds --json`` on the same model, inputs and options.

        Raises ValueError (certnn.InvalidArgument) for an unknown method or option, inputs of the
        wrong shape, NaN inputs or inputs outside the domain; certnn.Unsupported when the method
        refuses a layer of the network (crown and softmax, for instance).
        """
        common = dict(
            method=method,
            samples=int(samples),
            seed=int(seed),
            inference=inference,
            relu_slope=relu_slope,
            max_symbols=int(max_symbols),
            strategy=strategy,
            max_width=int(max_width),
        )
        if lower is not None or upper is not None:
            if x is not None or eps is not None:
                raise ValueError("give either x and eps, or lower and upper, not both")
            if lower is None or upper is None:
                raise ValueError("give both lower and upper")
            lo, hi = self._rows(lower, name="lower"), self._rows(upper, name="upper")
            if lo.rows.shape != hi.rows.shape:
                raise ValueError(f"lower and upper hold different numbers of boxes ({lo.count} and {hi.count})")
            lb, ub, _ = _certnn.box_bounds(self._native, lo.rows, hi.rows, **common)
            return Bounds(lo.per_input(lb), lo.per_input(ub))
        if x is None or eps is None:
            raise ValueError("give x and eps (an L-inf ball around each input), or lower and upper (boxes)")
        rows = self._rows(x)
        lb, ub, _ = _certnn.ball_bounds(self._native, rows.rows, check_eps(eps), domain_pair(domain), **common)
        return Bounds(rows.per_input(lb), rows.per_input(ub))

    # Robustness -----------------------------------------------------------------------------------

    def attack(
        self,
        x: Any,
        labels: Any,
        eps: float,
        *,
        norm: str = "linf",
        method: Optional[str] = None,
        steps: Optional[int] = None,
        restarts: Optional[int] = None,
        step_size: Optional[float] = None,
        schedule: str = "constant",
        loss: str = "ce",
        target: Optional[int] = None,
        domain: Domain = (0.0, 1.0),
        seed: int = 0,
    ) -> AttackResult:
        """Adversarial attack on every input, as ``certnn attack``: FGSM or PGD within the ball of
        radius ``eps`` (norm "linf" or "l2") intersected with the domain.

        method: "pgd" (projected gradient descent from a random start, ``steps`` (default 40) per
        restart, ``restarts`` (default 1), step size 2.5 eps / steps unless ``step_size``,
        ``schedule`` constant | step | cosine) or "fgsm" (one signed-gradient step of size eps).
        By default PGD, or FGSM when ``steps=1``. loss: "ce" (cross-entropy) or "margin".
        target: a class to reach (targeted attack); by default any other class.
        labels: one class for every input, one per input, or "pred" (the model's prediction).

        Every success is checked: the point lies in its ball and domain, and the exact outputs
        there (interval propagation, rounded outward) confirm the new class, so a float64 near-tie
        is not a success. Inputs must lie in the domain (ValueError otherwise).
        """
        rows = self._rows(x)
        if rows.count == 0:
            raise ValueError("x: no inputs to attack")
        domain = domain_pair(domain)
        _certnn.check_inside_domain(rows.rows, domain, "x")
        if method is None:
            method = "fgsm" if steps == 1 else "pgd"
        if method == "fgsm":
            given = [name for name, value in (("steps", steps if steps != 1 else None), ("restarts", restarts),
                                              ("step_size", step_size)) if value is not None]
            if schedule != "constant":
                given.append("schedule")
            if given:
                raise ValueError(f"{given[0]} applies to pgd only (fgsm takes one step of size eps)")
        label = class_labels(labels, rows.count, self.output_size, lambda: self._native.predict(rows.rows))
        found = _certnn.attack(
            self._native, rows.rows, label, method=method, norm=norm, eps=check_eps(eps),
            steps=40 if steps is None else int(steps), restarts=1 if restarts is None else int(restarts),
            step_size=step_size, schedule=schedule, loss=loss, target=target, domain=domain, seed=int(seed),
        )
        success = found["success"]
        reported = np.where(success[:, None], found["point"], rows.rows)
        reported_label = np.where(success, found["adversarial_label"], found["clean_label"])
        return AttackResult(
            success=success,
            label=label,
            clean_label=found["clean_label"],
            adversarial_label=reported_label,
            adversarial=rows.inputs_like_x(reported),
            norm=np.where(success, found["norm"], 0.0),
            goal_margin=found["goal_margin"],
            clean_accuracy=float(np.mean(found["clean_label"] == label)),
            attacked_accuracy=float(np.mean(reported_label == label)),
        )

    def radius(
        self,
        x: Any,
        labels: Any,
        *,
        method: str = "crown",
        norm: str = "linf",
        domain: Domain = (0.0, 1.0),
        max_eps: Optional[float] = None,
        tolerance: float = 0.01,
        steps: int = 50,
        restarts: int = 2,
        every_target: bool = True,
        seed: int = 0,
    ) -> RadiusResult:
        """Brackets each input's robustness radius, as ``certnn radius``: certified <= true <= attacked.

        certified: the largest eps (bisection to ``tolerance``, relative) at which the sound bound
        ``method`` proves every margin y[label] - y[j] positive over the L-inf ball intersected
        with the domain. attacked: the distance of the closest adversarial example PGD finds
        (margin loss, ``steps`` and ``restarts``; with ``every_target`` also attacks targeted at
        each other class), NaN when none is found up to ``max_eps`` (default: the domain's
        diameter; required with domain=None). An L2 radius is certified through the L-inf ball of
        the same radius. ``sample`` is refused (it proves nothing).

        Ctrl-C stops between inputs and raises KeyboardInterrupt.
        """
        rows = self._rows(x)
        domain = domain_pair(domain)
        _certnn.check_inside_domain(rows.rows, domain, "x")
        label = class_labels(labels, rows.count, self.output_size, lambda: self._native.predict(rows.rows))
        found = _certnn.radius(
            self._native, rows.rows, label, method=method, norm=norm, domain=domain,
            max_eps=None if max_eps is None else float(max_eps), tolerance=float(tolerance), steps=int(steps),
            restarts=int(restarts), every_target=bool(every_target), seed=int(seed),
        )
        return RadiusResult(
            label=label,
            certified=found["certified"],
            attacked=found["attacked"],
            adversarial=rows.inputs_like_x(found["adversarial"]),
            method=method,
            norm=norm,
        )

    def stability(
        self,
        x: Any = None,
        *,
        eps: float = 0.01,
        threshold: float = 1e6,
        samples: int = 64,
        seed: int = 0,
        domain: Domain = (0.0, 1.0),
    ) -> StabilityReport:
        """Stability diagnostics, as ``certnn stability``.

        Per layer: the spectral norm (its L2 Lipschitz constant) estimated and rigorously bounded
        above, and the condition number where computed, flagged at ``threshold``. For the network:
        a proved upper bound of the global L2 Lipschitz constant, and a lower bound found by
        sampling (``samples`` points of the domain, or of the balls around x) and gradient ascent.
        With inputs x: a rigorous local Lipschitz upper bound over the L-inf ball of radius
        ``eps`` around each.
        """
        rows = None if x is None else self._rows(x)
        found = _certnn.stability(
            self._native, None if rows is None else rows.rows, eps=check_eps(eps), threshold=float(threshold),
            samples=int(samples), seed=int(seed), domain=domain_pair(domain),
        )
        return StabilityReport(
            layers=[LayerStability(**layer) for layer in found["layers"]],
            lipschitz_upper=found["lipschitz_upper"],
            lipschitz_lower=found["lipschitz_lower"],
            gap=found["gap"],
            jacobian_norm_max=found["jacobian_norm_max"],
            difference_quotient_max=found["difference_quotient_max"],
            tightened_chains=found["tightened_chains"],
            local_lipschitz_upper=found["local_lipschitz_upper"],
            eps=None if rows is None else float(eps),
            seconds=found["seconds"],
        )


def from_torch(module: Any, example_input: Any, *, opset: int = 13) -> Network:
    """Exports a ``torch.nn.Module`` through ``torch.onnx.export`` into memory and imports it.

    example_input: a batch of inputs (tensor or array) of the shape the module takes; the model
    is exported for one sample (its first), so its input shape is ``(1, *example_input.shape[1:])``
    and the network then takes any batch. The module is exported in eval mode and left as it was.
    """
    import torch

    example = example_input if isinstance(example_input, torch.Tensor) else torch.as_tensor(as_array(example_input))
    if example.dim() == 0:
        raise ValueError("example_input: expected a batch of inputs, shape (n, ...)")
    example = example[:1].detach().to(torch.float32)
    buffer = io.BytesIO()
    was_training = module.training
    module.eval()
    try:
        with torch.no_grad():
            torch.onnx.export(module, (example,), buffer, input_names=["input"], output_names=["output"],
                              opset_version=opset, do_constant_folding=True)
    finally:
        module.train(was_training)
    return Network.from_bytes(buffer.getvalue(), source=f"<torch {type(module).__name__}>")
