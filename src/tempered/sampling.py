"""Drawing tokens at temperature T: inverse-CDF sampling and the Gumbel-max trick.

Both draw index i with probability softmax(logits / T)_i along the last axis,
so they agree in distribution (chapter 7 proves it). Masked (-inf) tokens are
never drawn. T = 0 draws uniformly among tied maxima: greedy with fair ties.
"""

from __future__ import annotations

import math

import numpy as np

from ._inverse_cdf import draw
from ._validate import is_int
from ._validate import prepare_logits
from .softmax import tempered_exponents

__all__ = ["sample", "gumbel_max_sample", "as_generator"]


def as_generator(rng, func: str = "as_generator") -> np.random.Generator:
    """A ``numpy.random.Generator`` from a Generator, a BitGenerator or an int seed
    >= 0; ``None``: unseeded. ``func`` names the caller in errors about ``rng``."""
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, np.random.BitGenerator):
        return np.random.Generator(rng)
    if is_int(rng) and rng < 0:
        raise ValueError(f"{func}: rng must be an int seed >= 0, got {int(rng)}")
    if rng is None or is_int(rng):
        return np.random.default_rng(rng)
    raise TypeError(
        f"{func}: rng must be a numpy.random.Generator, a BitGenerator, an int seed "
        f">= 0 or None, got {type(rng).__name__}"
    )


#: Most random numbers one call may draw (16 GiB of float64): a larger ``size`` is
#: almost surely a mistake, and NumPy would fail on it with a less clear error.
MAX_DRAWS = 2**31


def _size_tuple(size, n_rows: int, func: str) -> tuple:
    """``size`` as a tuple of ints >= 0; ``n_rows`` rows each draw that many."""
    if size is None:
        return ()
    if is_int(size):
        size = (size,)
    elif isinstance(size, np.ndarray) and size.ndim == 1:
        size = tuple(size.tolist())
    if not isinstance(size, (tuple, list)) or not all(
        is_int(s) and s >= 0 for s in size
    ):
        raise ValueError(
            f"{func}: size must be a non-negative int or a tuple of them, got {size!r}"
        )
    size = tuple(int(s) for s in size)
    total = n_rows * math.prod(size)  # Python ints: cannot wrap
    if total > MAX_DRAWS:
        raise ValueError(
            f"{func}: size {size} asks for {total} draws in all, more than "
            f"{MAX_DRAWS}; draw in smaller batches"
        )
    return size


def sample(logits, T=1.0, size=None, rng=None):
    """Draw token indices from softmax(logits / T) over the last axis.

    Parameters
    ----------
    logits : array_like, shape (..., V)
        Leading axes are a batch; each row is one distribution over V tokens.
    T : float
        Temperature >= 0 (0 = greedy with uniform tie-breaking, inf = uniform).
    size : int or tuple, optional
        Draws per row. The result has shape ``batch + size`` (just ``batch`` if None).
    rng : numpy.random.Generator or int, optional
        Source of randomness; pass one (or a seed) for reproducible draws.

    Uses the inverse CDF: unnormalised weights exp((u - max)/T), float64
    running sums, and one uniform draw per sample located by binary search.
    """
    u, T, _, m = prepare_logits(logits, T, -1, "sample")
    size = _size_tuple(size, u.size // u.shape[-1], "sample")
    gen = as_generator(rng, "sample")
    weights = np.exp(tempered_exponents(u, m, T)).reshape(-1, u.shape[-1])
    n_draws = int(np.prod(size, dtype=np.int64))
    out = draw(weights, gen.random((weights.shape[0], n_draws)))
    return out.reshape(u.shape[:-1] + size)


def gumbel_max_sample(logits, T=1.0, size=None, rng=None):
    """Draw token indices as argmax(logits / T + Gumbel noise) over the last axis.

    Same arguments and output shape as :func:`sample`. Needs V Gumbel draws
    per sample, so it is slower, but it is the form that Gumbel-softmax relaxes.
    """
    u, T, _, m = prepare_logits(logits, T, -1, "gumbel_max_sample")
    size = _size_tuple(size, u.size, "gumbel_max_sample")
    gen = as_generator(rng, "gumbel_max_sample")
    z = tempered_exponents(u, m, T)
    z = z.reshape(u.shape[:-1] + (1,) * len(size) + (u.shape[-1],))
    noise = gen.gumbel(size=u.shape[:-1] + size + (u.shape[-1],))
    if T == 0 or np.isinf(T):
        # z is 0 on the allowed set and -inf elsewhere: the noise alone breaks ties.
        keys = np.where(z == 0, noise, -np.inf)
    else:
        keys = z + noise
    return np.argmax(keys, axis=-1)
