"""Checks and row operations shared by the samplers (not public)."""

from __future__ import annotations

import math

import numpy as np

from .._validate import as_float_array
from .._validate import as_real_array
from .._validate import checked_max
from .._validate import is_real


def logits_2d(logits, func: str) -> tuple[np.ndarray, tuple]:
    """Logits as float64 of shape (rows, V) and the original shape.

    NaN, +inf and rows with every token masked raise, naming ``func``.
    """
    u = as_float_array(logits, func).astype(np.float64, copy=False)
    checked_max(u, u.ndim - 1, func)
    return u.reshape(-1, u.shape[-1]), u.shape


def real(x, func: str, name: str, low=-math.inf, high=math.inf, low_open=False):
    """``x`` as a float in [low, high] (or (low, high] with ``low_open``)."""
    if not is_real(x):
        raise TypeError(
            f"{func}: {name} must be a real number, got {type(x).__name__} {x!r}"
        )
    x = float(x)
    below = x <= low if low_open else x < low
    if math.isnan(x) or below or x > high:
        bracket = "(" if low_open else "["
        raise ValueError(
            f"{func}: {name} must be in {bracket}{low:g}, {high:g}], got {x!r}"
        )
    return x


def history_2d(history, rows: int, func: str, vocab: int) -> np.ndarray:
    """Token ids of the context as an int array (rows, n); each id in [0, vocab)."""
    h = as_real_array(history, func, "history")
    if h.size == 0:  # an empty list is float64 to NumPy; no token has been seen
        h = h.astype(np.int64)
    if h.ndim == 1:
        h = np.broadcast_to(h, (rows, h.shape[0]))
    if h.ndim != 2 or h.shape[0] != rows:
        raise ValueError(
            f"{func}: history must have shape ({rows}, n) to match the logits, got "
            f"{h.shape}"
        )
    if h.dtype.kind not in "iu":
        raise TypeError(f"{func}: history must hold integer token ids, got {h.dtype}")
    if h.size and (h.min() < 0 or h.max() >= vocab):
        raise ValueError(
            f"{func}: history holds token ids outside [0, {vocab}), e.g. "
            f"{int(h.min()) if h.min() < 0 else int(h.max())}"
        )
    return h.astype(np.int64, copy=False)


def softmax_rows(u: np.ndarray) -> np.ndarray:
    """softmax along the last axis (rows have a finite maximum)."""
    w = np.exp(u - u.max(axis=-1, keepdims=True))
    return w / w.sum(axis=-1, keepdims=True)


def entropy_rows(u: np.ndarray) -> np.ndarray:
    """Entropy in nats of softmax(u) for each row (masked tokens contribute 0)."""
    z = u - u.max(axis=-1, keepdims=True)
    log_z = np.log(np.exp(z).sum(axis=-1, keepdims=True))
    log_p = z - log_z
    p = np.exp(log_p)
    return -np.where(p > 0, p * np.where(p > 0, log_p, 0.0), 0.0).sum(axis=-1)


def keep_top(keep: np.ndarray, u: np.ndarray, m: int = 1) -> np.ndarray:
    """``keep`` or'ed with every token scoring at least the m-th largest logit."""
    n = u.shape[-1]
    m = min(m, n)
    kth = np.partition(u, n - m, axis=-1)[..., n - m : n - m + 1]
    return keep | (u >= kth)
