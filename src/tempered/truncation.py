"""Truncation samplers on logits (top-k, top-p, min-p, typical) and their order with
temperature.

Temperature *reshapes* a distribution: every unmasked token keeps a positive
probability at every finite T > 0. Truncation *removes* tokens: it sets their
logits to -inf, so that they have probability exactly 0. This module writes
each truncation rule from scratch in NumPy, on logits along the last axis,
with the same conventions as the logits warpers of Hugging Face
``transformers`` (checked in ``tests/unit/test_truncation.py``):

- **top-k** keeps every token whose logit is >= the k-th largest logit, so
  tokens tied with the k-th are all kept (more than k can survive);
- **top-p** (nucleus) sorts the tokens by logit, ascending, and removes the
  longest run of least likely tokens whose total probability is <= 1 - p;
  equivalently it keeps the shortest run of most likely tokens whose
  probability adds up to >= p. Equal logits are ranked by index: a later
  index counts as more likely (see :func:`top_p_mask` for why);
- **min-p** keeps the tokens with probability >= min_p times the largest
  probability;
- **typical** keeps the tokens whose surprisal -log p_i is closest to the
  entropy, until their mass reaches ``mass``.

Each has ``min_tokens_to_keep`` (default 1), as in ``transformers``.

:func:`warp` chains temperature with the truncations in either of two
orders: ``"transformers"`` divides by T first and truncates the tempered
logits (the order in which ``GenerationMixin._get_logits_processor`` of
transformers 5.23 appends its warpers: temperature, top-k, top-p, min-p,
typical); ``"llama.cpp"`` truncates the untempered logits and divides by T
last (the order of llama.cpp's default sampler chain in
``common/common.h``: top-k, typical, top-p, min-p, ..., temperature). Only
the order is llama.cpp's: the rules themselves are this module's.

Masked tokens (logit -inf) are never kept. NaN or +inf logits, a row with
every token masked, and parameters out of range raise an error that names
the argument. Results are float64.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from ._validate import as_float_array
from ._validate import check_int
from ._validate import check_positive_temperature
from ._validate import checked_max
from ._validate import is_int
from .softmax import tempered_exponents

__all__ = [
    "ORDERS",
    "top_k_mask",
    "top_p_mask",
    "min_p_mask",
    "typical_mask",
    "warp",
    "warp_probs",
]

#: The two orders in which :func:`warp` combines temperature and truncation.
ORDERS = ("transformers", "llama.cpp")


# ----------------------------------------------------------------------------- checks
def _logits(logits, func: str) -> np.ndarray:
    """Logits as float64, with an unmasked token in every row; NaN and +inf raise."""
    u = as_float_array(logits, func).astype(np.float64, copy=False)
    checked_max(u, u.ndim - 1, func)
    return u


def _is_real(x) -> bool:
    if isinstance(x, np.ndarray) and x.ndim == 0:
        x = x.item()
    return isinstance(x, numbers.Real) and not isinstance(x, (bool, np.bool_))


def _check_k(k, func: str, name: str = "k") -> int:
    # transformers' generate() switches top-k off with top_k=0; here that is None
    hint = (
        " (transformers' generate() uses top_k=0 to switch top-k off; here pass None)"
    )
    return check_int(
        k, func, name, minimum=1, hint=hint if is_int(k) and k == 0 else ""
    )


def _check_fraction(
    x, func: str, name: str, low: float, high: float, low_open: bool, high_open: bool
) -> float:
    interval = f"{'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"
    if not _is_real(x):
        raise TypeError(
            f"{func}: {name} must be a real number in {interval}, got "
            f"{type(x).__name__} {x!r}"
        )
    x = float(x)
    below = x <= low if low_open else x < low
    above = x >= high if high_open else x > high
    if math.isnan(x) or below or above:
        raise ValueError(f"{func}: {name} must be in {interval}, got {x!r}")
    return x


def _check_T(T, func: str) -> float:
    return check_positive_temperature(
        T,
        func,
        zero_hint="; T = 0 is greedy decoding (take the argmax), not a temperature "
        "to divide by",
    )


# ----------------------------------------------------------------------------- helpers
def _softmax(z: np.ndarray) -> np.ndarray:
    """softmax along the last axis; every row has a finite maximum (callers check)."""
    w = np.exp(z - z.max(axis=-1, keepdims=True))
    return w / w.sum(axis=-1, keepdims=True)


def _ascending(u: np.ndarray) -> np.ndarray:
    """Indices that sort each row ascending; ties keep their index order (stable)."""
    return np.argsort(u, axis=-1, kind="stable")


def _unsort(values_sorted: np.ndarray, order: np.ndarray) -> np.ndarray:
    out = np.empty_like(values_sorted)
    np.put_along_axis(out, order, values_sorted, axis=-1)
    return out


def _keep_best(keep: np.ndarray, u: np.ndarray, m: int) -> np.ndarray:
    """Also keep the m most likely tokens of each row (last m in ascending order)."""
    if m <= 1:
        return keep  # every rule here already keeps the most likely token
    order = _ascending(u)
    forced = np.zeros(u.shape, dtype=bool)
    forced[..., max(u.shape[-1] - m, 0) :] = True
    return keep | _unsort(forced, order)


# --------------------------------------------------------------------------- the rules
def top_k_mask(logits, k: int, min_tokens_to_keep: int = 1) -> np.ndarray:
    """Boolean mask (True = kept) of top-k truncation along the last axis.

    Keeps every unmasked token whose logit is >= the k-th largest logit
    (counted with repeats), with k raised to ``min_tokens_to_keep`` if that is
    larger and capped at the vocabulary size. Tokens tied with the k-th
    largest are all kept, so more than k tokens survive when there is a tie
    at the boundary; this is what ``transformers.TopKLogitsWarper`` does.
    The mask depends only on the order of the logits, so it is the same for
    ``logits / T`` at every T > 0.
    """
    func = "top_k_mask"
    u = _logits(logits, func)
    k = _check_k(k, func)
    m = _check_k(min_tokens_to_keep, func, "min_tokens_to_keep")
    n = u.shape[-1]
    k = min(max(k, m), n)
    kth_largest = np.partition(u, n - k, axis=-1)[..., n - k : n - k + 1]
    return (u >= kth_largest) & np.isfinite(u)


def top_p_mask(logits, p: float, min_tokens_to_keep: int = 1) -> np.ndarray:
    """Boolean mask (True = kept) of top-p (nucleus) truncation along the last axis.

    With the tokens ranked by logit, keeps the shortest run of most likely
    tokens whose probabilities (``softmax(logits)``) add up to at least ``p``,
    and at least ``min_tokens_to_keep`` of them. It is computed from the other
    end, as ``transformers.TopPLogitsWarper`` does: sort ascending, take
    running sums of the probabilities and remove a token when the running sum
    up to and including it is <= 1 - p. ``p = 1`` keeps every unmasked token.

    Ties. Equal logits have equal probabilities; when they straddle the
    boundary only some of them are kept, so the rank order among them decides
    which. Here the ascending sort is stable, so among equal logits a *later*
    index ranks as more likely and survives first. transformers uses
    ``torch.sort``, which is not stable in general; on CPU it behaves as a
    stable sort for rows of up to 16 tokens, where the two agree exactly. For
    longer rows the number of kept tokens and every token outside the tied
    group still agree, but which of the tied tokens transformers keeps
    depends on torch's sorting internals.
    """
    func = "top_p_mask"
    u = _logits(logits, func)
    p = _check_fraction(p, func, "p", 0.0, 1.0, low_open=True, high_open=False)
    m = _check_k(min_tokens_to_keep, func, "min_tokens_to_keep")
    if p == 1.0:
        return np.isfinite(u)
    order = _ascending(u)
    probs_sorted = _softmax(np.take_along_axis(u, order, axis=-1))
    tail = np.cumsum(
        probs_sorted, axis=-1
    )  # tail[j] = mass of the j+1 least likely tokens
    drop_sorted = tail <= 1.0 - p
    drop_sorted[..., max(u.shape[-1] - m, 0) :] = False
    return ~_unsort(drop_sorted, order) & np.isfinite(u)


def min_p_mask(logits, min_p: float, min_tokens_to_keep: int = 1) -> np.ndarray:
    """Boolean mask (True = kept) of min-p truncation along the last axis.

    Keeps the tokens with ``p_i >= min_p * max_j p_j`` where ``p = softmax(logits)``,
    the rule of ``transformers.MinPLogitsWarper`` (which removes
    ``p_i < min_p * p_max``). In logits this is ``u_i >= max_j u_j + log(min_p)``, so
    every token tied with a kept one is kept. ``min_p = 0`` keeps every unmasked token
    and ``min_p = 1`` only the tokens tied for the largest logit. If
    ``min_tokens_to_keep`` is more than the number kept, the most likely tokens are
    added, ranked as in :func:`top_p_mask` (transformers ranks them with ``torch.topk``,
    whose choice among equal logits is unspecified).
    """
    func = "min_p_mask"
    u = _logits(logits, func)
    min_p = _check_fraction(
        min_p, func, "min_p", 0.0, 1.0, low_open=False, high_open=False
    )
    m = _check_k(min_tokens_to_keep, func, "min_tokens_to_keep")
    probs = _softmax(u)
    keep = ~(probs < min_p * probs.max(axis=-1, keepdims=True))
    return _keep_best(keep, u, m) & np.isfinite(u)


def typical_mask(logits, mass: float, min_tokens_to_keep: int = 1) -> np.ndarray:
    """Boolean mask (True = kept) of locally typical truncation along the last axis.

    Ranks the tokens by how far their surprisal ``-log p_i`` is from the
    entropy ``H = -sum p log p`` (closest first) and keeps them in that order
    until their probability adds up to at least ``mass``; tokens exactly as far
    from H as the last one kept are kept too. This is the rule of
    ``transformers.TypicalLogitsWarper``, after Meister et al. (2023). Unlike
    the other rules it can remove the most likely token.
    """
    func = "typical_mask"
    u = _logits(logits, func)
    mass = _check_fraction(mass, func, "mass", 0.0, 1.0, low_open=True, high_open=True)
    m = _check_k(min_tokens_to_keep, func, "min_tokens_to_keep")
    z = u - u.max(axis=-1, keepdims=True)
    log_p = z - np.log(np.exp(z).sum(axis=-1, keepdims=True))
    p = np.exp(log_p)
    with np.errstate(invalid="ignore"):
        H = -np.nansum(
            log_p * p, axis=-1, keepdims=True
        )  # masked tokens: -inf * 0 = nan, skipped
    distance = np.abs(-log_p - H)  # +inf for masked tokens
    order = np.argsort(distance, axis=-1, kind="stable")
    distance_sorted = np.take_along_axis(distance, order, axis=-1)
    running = np.cumsum(_softmax(np.take_along_axis(u, order, axis=-1)), axis=-1)
    last = np.minimum((running < mass).sum(axis=-1, keepdims=True), u.shape[-1] - 1)
    drop_sorted = distance_sorted > np.take_along_axis(distance_sorted, last, axis=-1)
    drop_sorted[..., :m] = False
    return ~_unsort(drop_sorted, order) & np.isfinite(u)


# ---------------------------------------------------------- temperature and truncation
def _truncation_steps(top_k, top_p, min_p, typical_p, m, order):
    steps = {
        "top_k": None if top_k is None else (lambda z: top_k_mask(z, top_k, m)),
        "top_p": None if top_p is None else (lambda z: top_p_mask(z, top_p, m)),
        "min_p": None if min_p is None else (lambda z: min_p_mask(z, min_p, m)),
        "typical_p": None
        if typical_p is None
        else (lambda z: typical_mask(z, typical_p, m)),
    }
    names = (
        ("top_k", "top_p", "min_p", "typical_p")
        if order == "transformers"
        else ("top_k", "typical_p", "top_p", "min_p")
    )
    return [steps[name] for name in names if steps[name] is not None]


def warp(
    logits,
    T: float = 1.0,
    top_k=None,
    top_p=None,
    min_p=None,
    typical_p=None,
    order: str = "transformers",
    min_tokens_to_keep: int = 1,
) -> np.ndarray:
    """Apply temperature and truncation to logits; return the final logits (-inf =
    removed).

    Parameters
    ----------
    logits : array_like, shape (..., V)
        Real scores; -inf marks a masked token. Each row needs one unmasked token.
    T : float
        Temperature, finite and > 0 (greedy decoding is an argmax, not T = 0).
    top_k, top_p, min_p, typical_p : optional
        Truncation parameters (None = off): an int k >= 1, p in (0, 1],
        min_p in [0, 1], typical mass in (0, 1). See the ``*_mask`` functions.
    order : {"transformers", "llama.cpp"}
        ``"transformers"``: divide by T, then top-k, top-p, min-p, typical,
        each on the result of the previous step (the order of transformers'
        ``generate``). ``"llama.cpp"``: top-k, typical, top-p, min-p on the
        untempered logits, then divide the survivors by T (the order of
        llama.cpp's default sampler chain, which puts temperature last).
    min_tokens_to_keep : int
        Passed to every truncation step.

    Returns float64 logits of the same shape: ``logits / T`` on the kept
    tokens and -inf on the others. ``softmax`` of the result is the
    distribution that is sampled (see :func:`warp_probs`).
    """
    return _checked_warp(
        logits, T, top_k, top_p, min_p, typical_p, order, min_tokens_to_keep
    )


def _checked_warp(
    logits,
    T: float = 1.0,
    top_k=None,
    top_p=None,
    min_p=None,
    typical_p=None,
    order: str = "transformers",
    min_tokens_to_keep: int = 1,
    shifted: bool = False,
) -> np.ndarray:
    """:func:`warp` after checking every argument; ``shifted`` as in :func:`_divide`."""
    func = "warp"
    u = _logits(logits, func)
    T = _check_T(T, func)
    if order not in ORDERS:
        raise ValueError(f"{func}: order must be one of {ORDERS}, got {order!r}")
    # Check every parameter up front, so that a bad one fails before any work.
    if top_k is not None:
        _check_k(top_k, func, "top_k")
    if top_p is not None:
        _check_fraction(top_p, func, "top_p", 0.0, 1.0, low_open=True, high_open=False)
    if min_p is not None:
        _check_fraction(min_p, func, "min_p", 0.0, 1.0, low_open=False, high_open=False)
    if typical_p is not None:
        _check_fraction(
            typical_p, func, "typical_p", 0.0, 1.0, low_open=True, high_open=True
        )
    m = _check_k(min_tokens_to_keep, func, "min_tokens_to_keep")

    steps = _truncation_steps(top_k, top_p, min_p, typical_p, m, order)
    return _warp(u, T, steps, order, shifted)


class _Overflow(ValueError):
    """``logits / T`` has no float64 value; :func:`warp_probs` then shifts."""


def _divide(u: np.ndarray, T: float, shifted: bool) -> np.ndarray:
    """``u / T``, or ``(u - row max) / T`` if ``shifted``; -inf stays -inf.

    Unshifted, a quotient beyond float64 (|u| / T > 1.8e308) raises: it has no
    float value. Shifted, it cannot happen (the largest entry becomes 0, the
    others at worst -inf, probability 0), which is why :func:`warp_probs` shifts.
    """
    if shifted:
        return tempered_exponents(u, u.max(axis=-1, keepdims=True), T)
    with np.errstate(over="ignore"):
        z = u / T
    if (np.isinf(z) & np.isfinite(u)).any():
        raise _Overflow(
            f"warp: logits / T overflows float64 (a |logit| / T above 1.8e308 at T = "
            f"{T:g}); warp_probs gives the distribution, since it subtracts the row "
            "maximum first"
        )
    return z


def _warp(u, T, steps, order, shifted):
    """Temperature and the truncation ``steps`` in ``order`` (arguments checked)."""
    z = _divide(u, T, shifted) if order == "transformers" else u.copy()
    for keep in steps:
        z = np.where(keep(z), z, -np.inf)
    if order == "llama.cpp":
        z = _divide(z, T, shifted)
    return z


def warp_probs(logits, T: float = 1.0, **truncation) -> np.ndarray:
    """The distribution that is sampled: ``softmax(warp(logits, T, **truncation))``.

    Removed and masked tokens have probability exactly 0; the kept tokens keep
    the ratios ``exp((u_i - u_j) / T)`` of the tempered distribution. Where
    ``logits / T`` overflows, each row is shifted by its maximum before the
    division (which changes neither the truncation nor the softmax), so every
    T > 0 gives a distribution.
    """
    try:
        return _softmax(warp(logits, T, **truncation))
    except _Overflow:
        return _softmax(_checked_warp(logits, T, shifted=True, **truncation))
