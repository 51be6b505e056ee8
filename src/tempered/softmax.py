"""Tempered softmax and its companions, computed stably in NumPy (or torch).

The one idea behind every function here: subtract the row maximum before
exponentiating. Shifting logits by a constant does not change the softmax
(chapter 2), and after the shift every exponent is <= 0, so ``exp`` can
underflow harmlessly to 0 but never overflow.

Temperature limits are handled as limits:
``T = 0``  -> uniform over the maximal logits (ties share the mass),
``T = inf`` -> uniform over the finite logits.
A ``-inf`` logit is a masked token and has probability 0 at every T.
"""

from __future__ import annotations

import numpy as np

from ._validate import as_float_array
from ._validate import check_axis
from ._validate import checked_max
from ._validate import prepare_logits

__all__ = ["tempered_softmax", "log_softmax", "logsumexp", "entropy"]


def _is_torch(x) -> bool:
    return type(x).__module__.startswith("torch") and hasattr(x, "dim")


def tempered_exponents(u: np.ndarray, m: np.ndarray, T: float) -> np.ndarray:
    """Return z = (u - max)/T with its limits, so that softmax(u/T) =
    exp(z)/sum(exp(z)).

    ``m`` is the (finite) maximum of ``u`` along the reduced axis, with kept
    dimensions. Every entry of z is <= 0 and the maximal entries are exactly 0.
    """
    if T == 0:
        return np.where(u == m, u.dtype.type(0), u.dtype.type(-np.inf))
    if np.isinf(T):
        return np.where(np.isfinite(u), u.dtype.type(0), u.dtype.type(-np.inf))
    with np.errstate(over="ignore", under="ignore"):
        if u.dtype == np.float32 and not 1e-30 <= T <= 1e30:
            # T itself (or u/T) leaves float32's range: divide in float64.
            return ((u.astype(np.float64) - m) / T).astype(np.float32)
        if T <= 1:
            # u - m may overflow to -inf, but then (u - m)/T is below -1.8e308 too.
            return (u - m) / T
    with np.errstate(over="raise", under="ignore"):
        try:
            return (u - m) / T
        except FloatingPointError:
            pass
    # u - m left the float range (|u - m| > 1.8e308) but (u - m)/T may not: divide
    # first. The maxima still give exactly 0, and a masked -inf stays -inf.
    with np.errstate(over="ignore", under="ignore"):
        return u / T - m / T


def tempered_softmax(logits, T=1.0, axis=-1):
    """Probabilities softmax(logits / T) along ``axis``.

    Parameters
    ----------
    logits : array_like or torch.Tensor
        Real scores; ``-inf`` marks a masked token. NaN and ``+inf`` are errors.
    T : float
        Temperature >= 0. ``T = 0`` returns the T -> 0+ limit (uniform over the
        argmax set) and ``T = inf`` the T -> inf limit (uniform over finite logits).
    axis : int
        The axis holding the classes; all other axes are batch axes.

    Returns an array of the same shape, float32 or float64 like the input
    (integers give float64), summing to 1 along ``axis``.
    """
    if _is_torch(logits):
        from . import torch_ops

        return torch_ops.tempered_softmax(logits, T, dim=axis)
    u, T, axis, m = prepare_logits(logits, T, axis, "tempered_softmax")
    w = np.exp(tempered_exponents(u, m, T))
    return w / w.sum(axis=axis, keepdims=True)


def log_softmax(logits, T=1.0, axis=-1):
    """Log-probabilities log softmax(logits / T) along ``axis``, computed stably.

    Same arguments and limits as :func:`tempered_softmax`; masked tokens get
    ``-inf``. Accurate where ``log(tempered_softmax(...))`` would underflow.
    """
    if _is_torch(logits):
        from . import torch_ops

        return torch_ops.log_softmax(logits, T, dim=axis)
    u, T, axis, m = prepare_logits(logits, T, axis, "log_softmax")
    z = tempered_exponents(u, m, T)
    return z - np.log(np.exp(z).sum(axis=axis, keepdims=True))


def logsumexp(x, axis=-1, keepdims=False):
    """log(sum(exp(x))) along ``axis`` without overflow.

    Bounded by ``max(x) <= logsumexp(x) <= max(x) + log(n)``. A row of only
    ``-inf`` gives ``-inf`` (the log of an empty sum), not an error.
    """
    u = as_float_array(x, "logsumexp", name="x")
    axis = check_axis(axis, u.ndim, "logsumexp")
    m = checked_max(u, axis, "logsumexp", allow_all_masked=True, name="x")
    shift = np.where(np.isfinite(m), m, 0)
    with np.errstate(divide="ignore"):
        out = shift + np.log(np.exp(u - shift).sum(axis=axis, keepdims=True))
    return out if keepdims else np.squeeze(out, axis=axis)


def entropy(p, axis=-1):
    """Shannon entropy -sum p log p in nats along ``axis`` (with 0 log 0 = 0).

    ``p`` must be a probability vector (or a batch of them): finite,
    non-negative and summing to 1 along ``axis`` (to rounding).
    """
    q = as_float_array(p, "entropy", name="p")
    axis = check_axis(axis, q.ndim, "entropy")
    if not np.isfinite(q).all():
        raise ValueError(
            "entropy: p contains NaN or inf; pass probabilities, not logits"
        )
    if (q < 0).any():
        raise ValueError(
            "entropy: p has negative entries; pass probabilities, not logits"
        )
    total = q.sum(axis=axis)
    # float32 sums of a softmax over 10^5 tokens stay within ~1e-5 of 1; 1e-4
    # leaves room but still refuses a vector that was never normalised.
    tol = 1e-6 if q.dtype == np.float64 else 1e-4
    if np.abs(total - 1).max() > tol:
        worst = total.flat[np.abs(total - 1).argmax()]
        raise ValueError(
            f"entropy: p must sum to 1 along axis {axis}, found a sum of {worst:.6g}"
        )
    logs = np.log(np.where(q > 0, q, 1))
    return 0.0 - (q * logs).sum(axis=axis)  # 0.0 - x turns -0.0 into +0.0
