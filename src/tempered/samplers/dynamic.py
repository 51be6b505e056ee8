"""Temperatures that change from step to step: dynatemp, EDT and AdapT.

Each function returns one temperature per row of logits; :func:`temper_rows`
divides each row by its own temperature. Sources:

- **dynatemp** (llama.cpp, ``llama_sampler_temp_ext_apply`` in
  ``src/llama-sampling.cpp``): with ``T_min = max(0, T - delta)``,
  ``T_max = T + delta``, ``H`` the entropy of ``softmax(u)`` and ``n`` the
  number of candidate tokens, ``T_dyn = T_min + (T_max - T_min) (H / log n) **
  exponent``. llama.cpp counts the candidates still in its list (after earlier
  truncation); here they are the unmasked tokens.
- **EDT** (Zhang, Bao and Huang 2024): ``T = T0 * N ** (theta / H)`` with
  ``0 < N < 1`` (the paper uses ``N = 0.8``), so T rises with the entropy
  towards ``T0``.
- **AdapT** (Zhu et al. 2024): ``T = a`` at a "challenging" step (for code, the
  first token of a code block) and ``T = b`` elsewhere, with ``a > b``.
"""

from __future__ import annotations

import numpy as np

from .._validate import as_real_array
from ._common import entropy_rows
from ._common import logits_2d
from ._common import real


def dynatemp_temperature(logits, T: float, delta: float, exponent: float = 1.0):
    """llama.cpp's dynamic temperature for each row (see the module docstring).

    ``delta = 0`` gives ``T`` everywhere, as in llama.cpp. A row with a single
    unmasked token also gets ``T`` (llama.cpp leaves such a row alone).
    Returns an array of the logits' batch shape.
    """
    func = "dynatemp_temperature"
    u, shape = logits_2d(logits, func)
    T = real(T, func, "T", 0.0)
    delta = real(delta, func, "delta", 0.0)
    exponent = real(exponent, func, "exponent", 0.0)
    n = np.isfinite(u).sum(axis=-1)
    if delta == 0:
        return np.full(shape[:-1], T)
    t_min, t_max = max(0.0, T - delta), T + delta
    with np.errstate(divide="ignore", invalid="ignore"):
        h_norm = np.where(n > 1, entropy_rows(u) / np.log(np.maximum(n, 2)), 0.0)
    h_norm = np.clip(h_norm, 0.0, 1.0)  # rounding can push H / log n past 1
    out = t_min + (t_max - t_min) * h_norm**exponent
    return np.where(n > 1, out, T).reshape(shape[:-1])


def edt_temperature(logits, T0: float, theta: float, N: float = 0.8):
    """EDT's temperature ``T0 * N ** (theta / H)`` for each row (Zhang et al. 2024).

    ``H`` is the entropy (nats) of ``softmax(logits)``. A row with ``H = 0``
    (one token left) gets the limit ``0`` (any temperature gives the same
    distribution there).
    """
    func = "edt_temperature"
    u, shape = logits_2d(logits, func)
    T0 = real(T0, func, "T0", 0.0, low_open=True)
    theta = real(theta, func, "theta", 0.0)
    N = real(N, func, "N", 0.0, 1.0, low_open=True)
    H = entropy_rows(u)
    with np.errstate(divide="ignore", over="ignore"):
        expo = np.where(H > 0, theta / np.where(H > 0, H, 1.0), np.inf)
        out = T0 * N**expo
    if theta == 0:
        out = np.full_like(H, T0)
    return out.reshape(shape[:-1])


def adapt_temperature(challenging, a: float, b: float):
    """AdapT's temperature: ``a`` where ``challenging`` is True, ``b`` elsewhere.

    Zhu et al. (2024) call a token challenging when it starts a code block and
    use ``a > b``; this function only needs ``a, b >= 0``.
    """
    func = "adapt_temperature"
    a = real(a, func, "a", 0.0)
    b = real(b, func, "b", 0.0)
    c = np.asarray(challenging)
    if c.dtype != bool:
        raise TypeError(
            f"adapt_temperature: challenging must be booleans, got {c.dtype}"
        )
    return np.where(c, a, b)


def temper_rows(logits, T):
    """``(logits - row max) / T`` with one temperature per row.

    Subtracting the row maximum changes no softmax and keeps the division from
    overflowing. ``T`` has the logits' batch shape (or is a scalar); ``T = 0``
    keeps only the tokens tied at the top (the greedy limit). Masked tokens
    stay -inf.
    """
    func = "temper_rows"
    u, shape = logits_2d(logits, func)
    t = as_real_array(T, func, "T", dtype=np.float64)
    t = np.broadcast_to(t, shape[:-1]).reshape(-1, 1)
    if np.isnan(t).any() or (t < 0).any() or np.isinf(t).any():
        raise ValueError("temper_rows: T must be finite and >= 0 in every row")
    m = u.max(axis=-1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        greedy = np.where(u == m, 0.0, -np.inf)
        z = np.where(t > 0, (u - m) / np.where(t > 0, t, 1.0), greedy)
    return z.reshape(shape)
