"""pass@k: the chance that at least one of k samples solves a task.

:func:`pass_at_k` is the unbiased estimator of Chen et al. (2021) from ``n``
samples of which ``c`` are correct; :func:`pass_at_k_from_probability` is the
exact value ``1 - (1 - s)^k`` for a success probability ``s``.
:func:`grammar_success_probability` computes ``s`` exactly on the grammar of
:mod:`tempered.lm.grammar` for the tasks of chapter 9: "write a sentence that
contains the word w in at most L tokens", sampled by per-token tempering at T.
"""

from __future__ import annotations

import numpy as np

from .._validate import check_count
from .._validate import check_positive_temperature

__all__ = ["pass_at_k", "pass_at_k_from_probability", "grammar_success_probability"]


def pass_at_k(n: int, c: int, k: int) -> float:
    """Unbiased estimate of pass@k from ``n`` samples with ``c`` correct (k <= n).

    ``1 - C(n - c, k) / C(n, k)``, computed as a product so that large ``n``
    neither overflows nor loses precision.
    """
    n = check_count(n, "pass_at_k", "n")
    c = check_count(c, "pass_at_k", "c", minimum=0, maximum=n)
    k = check_count(k, "pass_at_k", "k", maximum=n)
    if n - c < k:
        return 1.0
    i = np.arange(n - c + 1, n + 1)
    return float(1.0 - np.prod(1.0 - k / i))


def pass_at_k_from_probability(s, k) -> np.ndarray:
    """Exact pass@k, ``1 - (1 - s)^k``, for success probabilities ``s`` in [0, 1]."""
    s = np.asarray(s, dtype=float)
    if np.any(~np.isfinite(s)) or np.any((s < 0) | (s > 1)):
        raise ValueError("pass_at_k_from_probability: s must lie in [0, 1]")
    k = check_count(k, "pass_at_k_from_probability", "k")
    return -np.expm1(k * np.log1p(-np.minimum(s, 1.0 - 1e-300)))


def grammar_success_probability(grammar, word: str, T: float, max_tokens: int):
    """P(a sentence sampled at T contains ``word`` and has at most ``max_tokens``).

    Exact: a forward recursion over (state, word seen yet) of the automaton that
    per-token tempering at ``T`` samples (``grammar.tempered(T)``); tokens count
    the words, the full stop and the end token, as ``expected_tokens`` does.
    """
    T = check_positive_temperature(T, "grammar_success_probability")
    L = check_count(max_tokens, "grammar_success_probability", "max_tokens")
    w = grammar.word_index(word)  # raises for an unknown word
    G = grammar if T == 1.0 else grammar.tempered(T)
    E, NS = G.emission, G.next_state
    n = G.n_states
    rows, cols = np.nonzero(NS >= 0)
    dest = NS[rows, cols]
    prob = E[rows, cols]
    is_w = cols == w
    ends = NS < 0  # the end token (the only emission with no next state)
    end_p = np.where(ends, E, 0.0).sum(axis=1)
    unseen = np.zeros(n)
    seen = np.zeros(n)
    unseen[0] = 1.0
    success = 0.0
    for _ in range(L):
        success += seen @ end_p  # the end token is emitted at this step
        new_unseen = np.zeros(n)
        new_seen = np.zeros(n)
        np.add.at(new_unseen, dest[~is_w], unseen[rows[~is_w]] * prob[~is_w])
        np.add.at(new_seen, dest[is_w], unseen[rows[is_w]] * prob[is_w])
        np.add.at(new_seen, dest, seen[rows] * prob)
        unseen, seen = new_unseen, new_seen
    return float(success)
