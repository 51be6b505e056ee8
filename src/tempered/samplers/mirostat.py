"""Mirostat v1 and v2 (Basu et al. 2021): feedback control of the surprise.

Both keep a state ``mu`` per row (initially ``2 tau``), truncate the
distribution with it, sample a token, measure its surprise
``S = -log2 q(x)`` in bits under the truncated distribution ``q`` (as
llama.cpp does; the authors' reference code uses the untruncated model
probability ``p(x)``, a surprise never smaller), and update

    mu <- mu - eta * (S - tau),

a proportional (integral, in ``mu``) controller that pushes the average
surprise towards the target ``tau``. The details follow llama.cpp's
``llama_sampler_mirostat_apply`` and ``llama_sampler_mirostat_v2_apply``
(``src/llama-sampling.cpp``):

- **v1** (the paper's Algorithm 1) estimates a Zipf exponent from the ``m``
  most likely tokens, ``s = sum_i t_i b_i / sum_i t_i^2`` with
  ``t_i = log((i + 2) / (i + 1))`` and ``b_i = log(p_i / p_{i+1})``, then keeps
  the top ``k = (eps 2^mu / (1 - N^-eps)) ** (1 / s)`` tokens, ``eps = s - 1``,
  N the vocabulary size (at least one token);
- **v2** (not in the paper: llama.cpp's "mirostat 2.0") keeps the tokens whose
  surprise ``-log2 p_i`` is at most ``mu`` (at least the most likely one).

Each step handles a whole batch of rows at once.
"""

from __future__ import annotations

import numpy as np

from .._validate import check_int
from ..sampling import as_generator
from ._common import logits_2d
from ._common import real


def _log_softmax(u):
    z = u - u.max(axis=-1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))


def _draw(log_q, gen):
    """One token per row from exp(log_q), by inverse CDF."""
    cdf = np.cumsum(np.exp(log_q), axis=-1)
    x = gen.random((len(log_q), 1)) * cdf[:, -1:]
    return np.minimum((cdf <= x).sum(axis=-1), log_q.shape[-1] - 1)


class _Controller:
    """What v1 and v2 share: the state, the draw and the update. A subclass
    defines ``_keep(log_p)``, the boolean mask of the tokens it keeps."""

    name = "mirostat"

    def __init__(self, tau: float, eta: float, rows: int = 1, rng=None):
        func = type(self).__name__
        self.tau = real(tau, func, "tau", 0.0)
        self.eta = real(eta, func, "eta", 0.0)
        self.rows = check_int(rows, func, "rows", minimum=1)
        self.mu = np.full(self.rows, 2.0 * self.tau)
        self._gen = as_generator(rng, func)

    def distribution(self, logits) -> np.ndarray:
        """Log-probabilities (rows, V) of the truncated distribution at the current
        ``mu``; -inf on the removed tokens. The state does not change."""
        func = f"{type(self).__name__}.distribution"
        u, _ = logits_2d(logits, func)
        if len(u) != self.rows:
            raise ValueError(f"{func}: logits must have {self.rows} rows, got {len(u)}")
        keep = self._keep(_log_softmax(u)) & np.isfinite(u)
        return _log_softmax(np.where(keep, u, -np.inf))

    def update(self, surprise_bits) -> None:
        """The feedback: ``mu <- mu - eta (S - tau)`` for each row."""
        self.mu = self.mu - self.eta * (np.asarray(surprise_bits) - self.tau)

    def step(self, logits):
        """Sample one token per row; return ``(tokens, surprise_bits, n_kept)``.

        ``logits`` has shape (rows, V). The state ``mu`` is updated in place.
        """
        log_q = self.distribution(logits)
        tokens = _draw(log_q, self._gen)
        surprise = -log_q[np.arange(len(log_q)), tokens] / np.log(2.0)
        self.update(surprise)
        return tokens, surprise, np.isfinite(log_q).sum(axis=-1)


class Mirostat(_Controller):
    """Mirostat v1: top-k with k from a Zipf fit and the state ``mu``.

    ``m`` is how many of the most likely tokens the Zipf fit reads (llama.cpp
    uses 100); ``rng`` seeds the draws.
    """

    def __init__(self, tau: float, eta: float, m: int = 100, rows: int = 1, rng=None):
        super().__init__(tau, eta, rows, rng)
        self.m = check_int(m, "Mirostat", "m", minimum=2)

    def _keep(self, log_p):
        V = log_p.shape[-1]
        order = np.argsort(-log_p, axis=-1, kind="stable")
        ls = np.take_along_axis(log_p, order, axis=-1)
        n_finite = np.isfinite(ls).sum(axis=-1)
        j = np.arange(min(self.m, V) - 1)
        t = np.log((j + 2) / (j + 1))
        b = ls[:, j] - ls[:, j + 1]
        use = j[None, :] < (n_finite - 1)[:, None]  # both tokens unmasked
        b = np.where(use, b, 0.0)
        s = (t * b).sum(axis=-1) / np.maximum((t**2 * use).sum(axis=-1), 1e-300)
        eps = s - 1.0
        with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
            k = (eps * 2.0**self.mu / (1.0 - float(V) ** (-eps))) ** (1.0 / s)
        k = np.where(np.isfinite(k), k, V)
        k = np.clip(np.floor(k), 1, V).astype(np.int64)
        self.last_k = k
        ranks = np.empty_like(order)
        np.put_along_axis(
            ranks, order, np.arange(V)[None, :].repeat(len(ls), 0), axis=-1
        )
        return ranks < k[:, None]


class MirostatV2(_Controller):
    """Mirostat v2: keep the tokens with surprise ``-log2 p_i <= mu``."""

    def _keep(self, log_p):
        keep = -log_p / np.log(2.0) <= self.mu[:, None]
        top = log_p == log_p.max(axis=-1, keepdims=True)
        return keep | (top & ~keep.any(axis=-1, keepdims=True))
