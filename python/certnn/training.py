"""Training (``certnn train``)."""

from __future__ import annotations

import json
import os
from typing import Any, Callable, Optional, Tuple, Union

import numpy as np

from . import _certnn
from ._inputs import as_array
from .network import Network

Data = Union[str, "os.PathLike[str]", Tuple[Any, Any]]


def train(
    data: Data,
    arch: Optional[str] = None,
    mode: str = "standard",
    eps: Optional[float] = None,
    epochs: int = 10,
    *,
    out: Optional[Union[str, "os.PathLike[str]"]] = None,
    log: Optional[Union[str, "os.PathLike[str]"]] = None,
    lr: Optional[float] = None,
    batch: Optional[int] = None,
    optimizer: Optional[str] = None,
    momentum: float = 0.9,
    schedule: str = "constant",
    weight_decay: float = 0.0,
    seed: int = 0,
    test_fraction: float = 0.2,
    explode: float = 1e6,
    patience: Optional[int] = None,
    validation_fraction: float = 0.1,
    ramp: float = 0.5,
    kappa: float = 0.5,
    pgd_steps: int = 7,
    threads: int = 2,
    on_epoch: Optional[Callable[[dict], None]] = None,
    init: Optional[Union[str, "os.PathLike[str]"]] = None,
) -> Network:
    """Trains a classifier as ``certnn train`` does and returns it as a :class:`Network`.

    data: a dataset name ("digits", "mnist", "mnist01", "fashion-mnist"), a labelled CSV file
    (label in the first column), or a pair (inputs, labels) of arrays: inputs of shape
    (n, *sample_shape), labels (n,) of classes 0..k-1. Without an official test split, a seeded
    shuffle holds ``test_fraction`` of the samples out for testing.
    arch: "linear" (binary), "mlp:WxD", "cnn-small", "cnn-medium", "cnn-large", "stable:WxD",
    "residual:WxD"; or, instead of arch, ``init``: an ONNX model (PyTorch's, say) whose Gemm/MatMul
    and Conv layers are trained further from its weights (in "ibp" and "crown-ibp" its nodes must be
    Gemm/MatMul, Conv, Relu, Flatten, Add or Sub, the last one dense). mode: "standard", "pgd", "ibp", "crown-ibp" (networks) or "standard",
    "linear-robust" (linear); the robust modes need ``eps``.
    The other options are those of ``certnn train`` (``lr`` is --lr, and so on).

    The returned network's ``training_log`` is the JSON log the CLI writes: ``train_accuracy``,
    ``test_accuracy``, ``epochs`` (one record per epoch), ``options``, and for networks a
    certified L2 Lipschitz bound under ``stability``. With ``out``, the model is written there as
    ONNX and the log beside it (``log`` overrides its path), both or neither.
    on_epoch: called with each epoch's record (a dict) as it finishes.

    A diverging run raises certnn.TrainingDiverged. The GIL is released while training; Ctrl-C
    stops after the current mini-batch and raises KeyboardInterrupt (nothing is written).
    """
    if isinstance(data, tuple):
        inputs, labels = data
        native_data: Any = (np.ascontiguousarray(as_array(inputs, "data inputs"), dtype=np.float64),
                            np.ascontiguousarray(as_array(labels, "data labels")).astype(np.int64))
        if not np.isfinite(native_data[0]).all():
            raise ValueError("data inputs: NaN or infinite values")
    else:
        native_data = os.fspath(data)
    native, log_text = _certnn.train(
        native_data, "" if arch is None else arch, mode, None if eps is None else float(eps), int(epochs),
        lr=lr, batch=batch, optimizer=optimizer, momentum=float(momentum), schedule=schedule,
        weight_decay=float(weight_decay), seed=int(seed), test_fraction=float(test_fraction), explode=float(explode),
        patience=patience, validation_fraction=float(validation_fraction), ramp=float(ramp), kappa=float(kappa),
        pgd_steps=int(pgd_steps), threads=int(threads), out=None if out is None else os.fspath(out),
        log=None if log is None else os.fspath(log), on_epoch=on_epoch,
        init="" if init is None else os.fspath(init),
    )
    return Network(native, training_log=json.loads(log_text))
