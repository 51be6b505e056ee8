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
    return 1.0 - (1.0 - s) ** k


def _tempered_emission(grammar, T: float) -> np.ndarray:
    """Every row of the grammar's emission table raised to 1/T and renormalised."""
    E = grammar.emission
    W = np.zeros_like(E)
    np.power(E, 1.0 / T, out=W, where=E > 0)
    return W / W.sum(axis=1, keepdims=True)


def grammar_success_probability(grammar, words, T: float, max_tokens: int):
    """P(a sentence sampled at T contains the word and has at most ``max_tokens``).

    Exact: a forward recursion over (state, word seen yet) of the automaton that
    per-token tempering at ``T`` samples, one for each word of ``words`` (a word
    or a list of words; the result is a float or an array). Tokens count the
    words, the full stop and the end token, as ``expected_tokens`` does.
    """
    T = check_positive_temperature(T, "grammar_success_probability")
    L = check_count(max_tokens, "grammar_success_probability", "max_tokens")
    single = isinstance(words, str)
    ids = np.array(
        grammar.word_indices(
            [words] if single else list(words), "grammar_success_probability"
        )
    )
    E = _tempered_emission(grammar, T)
    NS = grammar.next_state
    n = grammar.n_states
    rows, cols = np.nonzero(NS >= 0)
    dest, prob = NS[rows, cols], E[rows, cols]
    step = np.zeros((n, n))  # state to state, summed over every word but the end
    np.add.at(step, (rows, dest), prob)
    end_p = np.where(NS < 0, E, 0.0).sum(axis=1)  # the end token (no next state)
    by_word = [np.flatnonzero(cols == w) for w in ids]
    unseen = np.zeros((len(ids), n))
    seen = np.zeros((len(ids), n))
    unseen[:, 0] = 1.0
    success = np.zeros(len(ids))
    for _ in range(L):
        success += seen @ end_p  # the end token is the token of this step
        hit = np.zeros_like(seen)
        for j, idx in enumerate(by_word):
            np.add.at(hit[j], dest[idx], unseen[j, rows[idx]] * prob[idx])
        seen = seen @ step + hit
        unseen = unseen @ step - hit
        # Flush what underflows towards subnormals: they make the products crawl,
        # and a probability below 1e-250 changes no result.
        seen[seen < 1e-250] = 0.0
        unseen[unseen < 1e-250] = 0.0
    return float(success[0]) if single else success
