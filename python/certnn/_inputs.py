"""Turning what callers pass (numpy arrays, PyTorch tensors, lists) into the rows the library reads."""

from __future__ import annotations

import errno
import math
import os
from typing import Any, Optional, Sequence, Tuple

import numpy as np

from . import _certnn


def as_array(x: Any, name: str = "x") -> np.ndarray:
    """np.asarray of x; a PyTorch tensor is detached and moved to the CPU first (numpy refuses
    tensors that require grad)."""
    if hasattr(x, "detach") and hasattr(x, "cpu"):
        x = x.detach().cpu()
    try:
        return np.asarray(x)
    except (TypeError, ValueError) as failure:
        raise ValueError(f"{name}: cannot be read as an array ({failure})") from None


class Rows:
    """Inputs as a C-contiguous (n, input_size) array, and how to shape per-input results back.

    single: x was one input (so results lose the batch axis).
    sample_shape: the shape of one input as the caller wrote it.
    """

    def __init__(self, rows: np.ndarray, single: bool, sample_shape: Tuple[int, ...]):
        self.rows = rows
        self.single = single
        self.sample_shape = sample_shape

    @property
    def count(self) -> int:
        return self.rows.shape[0]

    def per_input(self, values: np.ndarray) -> np.ndarray:
        """(n, k) results of the rows as the caller's batch: (k,) for a single input."""
        return values[0] if self.single else values

    def inputs_like_x(self, rows: np.ndarray) -> np.ndarray:
        """(n, input_size) rows in the caller's shape (batch axis kept)."""
        return rows.reshape((rows.shape[0],) + self.sample_shape)


def input_rows(
    x: Any,
    input_shape: Sequence[int],
    input_size: int,
    dtype: Any = np.float64,
    name: str = "x",
) -> Rows:
    """Reads one input or a batch of inputs of a model.

    Accepted: (input_size,) or the model's input shape (one input); (n, input_size),
    (n, *input_shape), or (n, *input_shape[1:]) when the model's shape has a leading 1 (a batch).
    NaN and infinite values are refused.
    """
    array = as_array(x, name)
    if array.dtype == object or not (np.issubdtype(array.dtype, np.number) or array.dtype == bool):
        raise ValueError(f"{name}: expected numbers, got an array of {array.dtype}")
    shape = tuple(array.shape)
    model_shape = tuple(int(d) for d in input_shape)
    inner_shape = model_shape[1:] if len(model_shape) > 1 and model_shape[0] == 1 else None
    if shape == (input_size,):
        single, sample_shape = True, shape
    elif len(shape) >= 2 and (
        (len(shape) == 2 and shape[1] == input_size)
        or shape[1:] == model_shape
        or (inner_shape is not None and shape[1:] == inner_shape)
    ):
        single, sample_shape = False, shape[1:]
    elif shape == model_shape:
        single, sample_shape = True, shape
    else:
        raise ValueError(
            f"{name}: shape {shape} does not fit the model's input {list(model_shape)} ({input_size} values): "
            f"give ({input_size},) for one input or (n, {input_size}) / (n, *input_shape) for a batch"
        )
    rows = np.ascontiguousarray(array, dtype=dtype).reshape(-1, input_size)
    if not np.isfinite(rows).all():
        sample, element = np.argwhere(~np.isfinite(rows))[0]
        where = f"element {element}" if single else f"input {sample}, element {element}"
        raise ValueError(f"{name}: {where} is {rows[sample, element]}, not a finite number")
    return Rows(rows, single, sample_shape)


def check_eps(eps: Any, name: str = "eps") -> float:
    try:
        value = float(eps)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number, got {eps!r}") from None
    if not (math.isfinite(value) and value >= 0):
        raise ValueError(f"{name} must be a finite number >= 0, got {eps!r}")
    return value


def domain_pair(domain: Optional[Sequence[float]]) -> Optional[Tuple[float, float]]:
    """The input domain (lo, hi) or None, as the CLI's --domain LO,HI | none."""
    if domain is None:
        return None
    try:
        lo, hi = (float(v) for v in domain)
    except (TypeError, ValueError):
        raise ValueError(f"domain must be a pair (lo, hi) or None, got {domain!r}") from None
    if not (lo <= hi):
        raise ValueError(f"domain (lo, hi) needs lo <= hi, got {domain!r}")
    return lo, hi


def class_labels(labels: Any, count: int, classes: int, predict) -> np.ndarray:
    """One class per input: an int for all of them, one per input, or "pred" (the model's own
    float64 prediction), as the CLI's --label."""
    if isinstance(labels, str):
        if labels != "pred":
            raise ValueError(f"labels: give a class, one class per input, or 'pred'; got {labels!r}")
        return np.asarray(predict(), dtype=np.int64)
    array = as_array(labels, "labels")
    if array.ndim == 0:
        array = np.full(count, array.item())
    if array.ndim != 1 or array.shape[0] != count:
        raise ValueError(f"labels: expected one class per input ({count}), got shape {array.shape}")
    if array.size and not np.issubdtype(array.dtype, np.integer):
        if not np.all(np.equal(np.mod(array, 1), 0)):
            raise ValueError("labels: classes must be whole numbers")
    array = np.ascontiguousarray(array.astype(np.int64))
    _certnn.check_class_labels(array, classes)
    return array


def existing_file(path: Any, what: str) -> str:
    """The path as a string; FileNotFoundError when nothing is there (a folder is left to the
    library, whose message says what it expected)."""
    text = os.fspath(path)
    if not os.path.exists(text):
        raise FileNotFoundError(errno.ENOENT, f"{what} not found: {text}", text)
    return text
