"""Temperature scaling for calibration (Guo et al., 2017).

A classifier's logits ``z`` (shape ``(n, k)``) become probabilities
``softmax(z / T)``. Temperature scaling fits the single number ``T > 0`` by
minimising the negative log-likelihood on held-out data; it never changes the
predicted class. :func:`expected_calibration_error` and
:func:`reliability_bins` measure what it changes: how well the confidence
(the top probability) matches the accuracy.
"""

from __future__ import annotations

import numpy as np

from ._optional import require
from ._validate import as_real_array
from ._validate import check_count
from ._validate import check_positive_temperature
from ._validate import check_temperature
from .softmax import log_softmax
from .softmax import tempered_softmax

optimize = require("scipy.optimize", "calibration", "tempered.calibration")


def _check_table(x, labels, func, name):
    """``x`` as an (n, k) float64 array (n >= 1, k >= 2) and ``labels`` as n ints
    in 0..k-1."""
    z = as_real_array(x, func, name, np.float64)
    y = as_real_array(labels, func, "labels")
    if z.ndim != 2 or z.shape[0] == 0 or z.shape[1] < 2:
        raise ValueError(
            f"{func}: {name} must have shape (n, k) with n >= 1, k >= 2, got {z.shape}"
        )
    if y.shape != (z.shape[0],) or not np.issubdtype(y.dtype, np.integer):
        raise ValueError(f"{func}: labels must be {z.shape[0]} integers")
    if y.min() < 0 or y.max() >= z.shape[1]:
        raise ValueError(f"{func}: labels must lie in 0..{z.shape[1] - 1}")
    return z, y


def _check_logits_labels(logits, labels, func):
    z, y = _check_table(logits, labels, func, "logits")
    if not np.all(np.isfinite(z)):
        raise ValueError(f"{func}: logits must be finite")
    return z, y


def _check_probs_labels(probs, labels, func):
    """Probabilities: finite, in [0, 1], each row summing to 1 (to 1e-6)."""
    p, y = _check_table(probs, labels, func, "probs")
    if not np.all(np.isfinite(p)):
        raise ValueError(f"{func}: probs contain NaN or inf")
    if p.min() < 0 or p.max() > 1:
        raise ValueError(
            f"{func}: probs must lie in [0, 1]; pass probabilities, not logits "
            "(tempered_softmax(logits, T, axis=1))"
        )
    worst = np.abs(p.sum(axis=1) - 1).max()
    if worst > 1e-6:
        raise ValueError(
            f"{func}: each row of probs must sum to 1, one is off by {worst:.3g}; "
            "pass probabilities, not logits"
        )
    return p, y


def nll(logits, labels, T=1.0) -> float:
    """Mean negative log-likelihood (nats) of ``labels`` under softmax(logits / T)."""
    z, y = _check_logits_labels(logits, labels, "nll")
    T = check_temperature(T, "nll")
    lp = log_softmax(z, T, axis=1)
    return float(-lp[np.arange(len(y)), y].mean())


def nll_beta_derivatives(logits, labels, beta: float):
    """First and second derivative of the mean NLL in the inverse temperature ``beta``.

    ``d/dβ = mean(E_p[z] - z_y)`` and ``d²/dβ² = mean(Var_p[z]) >= 0``, with
    ``p = softmax(β z)``: the NLL is convex in β.
    """
    z, y = _check_logits_labels(logits, labels, "nll_beta_derivatives")
    p = tempered_softmax(z * beta, 1.0, axis=1)
    mean_z = (p * z).sum(axis=1)
    var_z = (p * z**2).sum(axis=1) - mean_z**2
    return float((mean_z - z[np.arange(len(y)), y]).mean()), float(var_z.mean())


def fit_temperature(logits, labels, bounds=(1e-2, 1e2)) -> float:
    """The temperature minimising the held-out NLL (a bounded 1-D search in log T)."""
    func = "fit_temperature"
    z, y = _check_logits_labels(logits, labels, func)
    if not isinstance(bounds, (tuple, list)) or len(bounds) != 2:
        raise TypeError(f"{func}: bounds must be a pair (low, high), got {bounds!r}")
    low = check_positive_temperature(bounds[0], func, "bounds[0]")
    high = check_positive_temperature(bounds[1], func, "bounds[1]")
    if not low < high:
        raise ValueError(f"{func}: bounds must have low < high, got {bounds!r}")
    lo, hi = np.log(low), np.log(high)
    res = optimize.minimize_scalar(
        lambda s: nll(z, y, float(np.exp(s))),
        bounds=(lo, hi),
        method="bounded",
        options={"xatol": 1e-8},
    )
    return float(np.exp(res.x))


def reliability_bins(probs, labels, n_bins: int = 10):
    """Bin the top-class confidence into ``n_bins`` equal-width bins on (0, 1].

    Returns ``(edges, confidence, accuracy, counts)``: per bin, the mean
    confidence, the accuracy and the number of examples (NaN where empty).
    """
    p, y = _check_probs_labels(probs, labels, "reliability_bins")
    n_bins = check_count(n_bins, "reliability_bins", "n_bins")
    conf = p.max(axis=1)
    correct = (p.argmax(axis=1) == y).astype(float)
    edges = np.linspace(0.0, 1.0, int(n_bins) + 1)
    idx = np.clip(np.searchsorted(edges, conf, side="left") - 1, 0, int(n_bins) - 1)
    counts = np.bincount(idx, minlength=int(n_bins))
    with np.errstate(invalid="ignore"):
        mean_conf = np.bincount(idx, conf, int(n_bins)) / counts
        acc = np.bincount(idx, correct, int(n_bins)) / counts
    return edges, mean_conf, acc, counts


def expected_calibration_error(probs, labels, n_bins: int = 10) -> float:
    """ECE: the count-weighted mean of |accuracy - confidence| over equal-width bins.

    ``probs`` (n, k) holds probabilities (rows summing to 1), ``labels`` n ints
    in 0..k-1, n >= 1; anything else raises, naming the argument.
    """
    p, y = _check_probs_labels(probs, labels, "expected_calibration_error")
    n_bins = check_count(n_bins, "expected_calibration_error", "n_bins")
    _, conf, acc, counts = reliability_bins(p, y, n_bins)
    keep = counts > 0
    return float((counts[keep] * np.abs(acc[keep] - conf[keep])).sum() / counts.sum())
