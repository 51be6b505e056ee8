"""Tempering each token against tempering the whole text, exactly (chapter 6).

A decoder at temperature T tempers every conditional of the chain rule,
``q_T(x_t | x_<t) = p(x_t | x_<t)^(1/T) / Z_T(x_<t)``, so a complete text gets

    q_T^tok(x) = p(x)^(1/T) / C_T(x),    C_T(x) = prod_t Z_T(x_<t),

while tempering the text as a whole would give ``q_T^seq(x) = p(x)^(1/T) / Z_T``
with one normaliser ``Z_T = sum_y p(y)^(1/T)`` over all complete texts, defined
only when that sum is finite. The two agree only if ``C_T(x)`` is the same for
every text.

Two kinds of language are computed here exactly:

- a **finite language**, given as a mapping from each complete text (a tuple of
  tokens) to its probability: :func:`per_token_tempering` and
  :func:`sequence_tempering` enumerate it;
- the **grammar** of :mod:`tempered.lm.grammar`, which has infinitely many
  sentences. Per-token tempering of it is again an automaton,
  :meth:`Grammar.tempered <tempered.lm.grammar.Grammar.tempered>`. Sequence
  tempering sums ``p(x)^(1/T)`` over all paths of the automaton:
  with ``M_T[s, s']`` the sum of ``P(w | s)^(1/T)`` over the words leading from
  ``s`` to ``s'`` and ``e_T[s] = P(EOS | s)^(1/T)`` (:func:`sequence_matrix`),
  ``Z_T = [(I - M_T)^-1 e_T]_start`` when the spectral radius of ``M_T`` is
  below 1 (:func:`log_sequence_normaliser`), and the series diverges otherwise.
  The radius grows with T; :func:`sequence_threshold` is the T* where it
  reaches 1, above which sequence tempering of the grammar does not exist.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from .._validate import check_count
from .._validate import check_positive_temperature
from .._validate import check_temperature
from ..softmax import tempered_softmax

__all__ = [
    "per_token_tempering",
    "sequence_tempering",
    "sequence_matrix",
    "spectral_radius",
    "log_sequence_normaliser",
    "sequence_threshold",
    "partial_normalisers",
]

_END = object()  # marks the end of a text, so that no text is a prefix of another


def _finite_language(texts, func: str) -> tuple[list[tuple], np.ndarray]:
    """(texts as tuples, their probabilities) after checking the mapping."""
    if not isinstance(texts, Mapping) or not texts:
        raise TypeError(
            f"{func}: texts must be a non-empty mapping from each complete text (a "
            f"tuple of tokens) to its probability, got {type(texts).__name__}"
        )
    keys = [tuple(t.split()) if isinstance(t, str) else tuple(t) for t in texts]
    if len(set(keys)) != len(keys):
        raise ValueError(f"{func}: two texts are the same sequence of tokens")
    p = np.array([float(v) for v in texts.values()])
    if not np.all(np.isfinite(p)) or np.any(p < 0) or abs(p.sum() - 1) > 1e-9:
        raise ValueError(
            f"{func}: the probabilities must be finite, >= 0 and sum to 1, got sum "
            f"{p.sum():g}"
        )
    return keys, p


def per_token_tempering(texts, T) -> np.ndarray:
    """Probability of each complete text under per-token tempering at ``T``.

    ``texts`` maps each complete text (a tuple of tokens, or a string of tokens
    separated by spaces) to its probability p(x); the probabilities sum to 1.
    The conditionals ``p(x_t | x_<t)`` are read off the prefix masses, the end of
    a text being one more choice, and each is tempered:
    ``softmax(log p(. | x_<t) / T)``. ``T = 0`` is greedy decoding (uniform over
    the most likely continuations), ``T = inf`` uniform over the possible ones.
    Returns an array aligned with the order of ``texts``.
    """
    func = "per_token_tempering"
    keys, p = _finite_language(texts, func)
    T = check_temperature(T, func)
    paths = [k + (_END,) for k in keys]
    # The mass of every prefix, and the children of every prefix in a fixed order.
    mass, children = {}, {}
    for path, pk in zip(paths, p):
        for t in range(len(path) + 1):
            mass[path[:t]] = mass.get(path[:t], 0.0) + pk
            if t < len(path):
                kids = children.setdefault(path[:t], [])
                if path[t] not in kids:
                    kids.append(path[t])
    step = {}  # prefix -> {child: tempered conditional}
    for prefix, kids in children.items():
        if mass[prefix] == 0:
            step[prefix] = dict.fromkeys(kids, 0.0)
            continue
        child_mass = np.array([mass[prefix + (c,)] for c in kids])
        with np.errstate(divide="ignore"):
            q = tempered_softmax(np.log(child_mass / mass[prefix]), T)
        step[prefix] = dict(zip(kids, q))
    return np.array(
        [math.prod(step[path[:t]][path[t]] for t in range(len(path))) for path in paths]
    )


def sequence_tempering(texts, T) -> np.ndarray:
    """Probability of each complete text under sequence tempering at ``T``:
    ``p(x)^(1/T) / sum_y p(y)^(1/T)``, aligned with the order of ``texts``.

    ``texts`` is as in :func:`per_token_tempering`. ``T = 0`` is uniform over the
    most likely texts, ``T = inf`` uniform over the possible ones.
    """
    func = "sequence_tempering"
    _, p = _finite_language(texts, func)
    T = check_temperature(T, func)
    with np.errstate(divide="ignore"):
        return tempered_softmax(np.log(p), T)


def _grammar(grammar):
    if grammar is None:
        from .grammar import GRAMMAR

        return GRAMMAR
    return grammar


def sequence_matrix(T, grammar=None) -> tuple[np.ndarray, np.ndarray]:
    """``(M_T, e_T)`` of the grammar: the weights ``p^(1/T)`` of one more step.

    ``M_T[s, s']`` is the sum of ``P(w | s)^(1/T)`` over the words w that lead
    from state s to state s' (dense, shape (n_states, n_states)); ``e_T[s]`` is
    ``P(EOS | s)^(1/T)``, the weight of ending the sentence there. Then the sum
    of ``p(x)^(1/T)`` over the sentences of exactly k + 1 tokens is
    ``(M_T^k e_T)[0]``. ``grammar`` defaults to :data:`tempered.lm.grammar.GRAMMAR`.
    """
    T = check_positive_temperature(T, "sequence_matrix")
    grammar = _grammar(grammar)
    E, NS, n = grammar.emission, grammar.next_state, grammar.n_states
    rows, cols = np.nonzero(NS >= 0)
    M = np.zeros((n, n))
    np.add.at(M, (rows, NS[rows, cols]), E[rows, cols] ** (1 / T))
    e = np.where(NS < 0, E, 0.0).sum(axis=1) ** (1 / T)  # only EOS ends a sentence
    return M, e


def spectral_radius(T, grammar=None) -> float:
    """The spectral radius of ``M_T`` (:func:`sequence_matrix`): below 1 exactly
    when sequence tempering of the grammar exists. Dense eigenvalues (about half a
    second for the course's grammar)."""
    M, _ = sequence_matrix(T, grammar)
    return float(np.abs(np.linalg.eigvals(M)).max())


def _solve(T, grammar):
    """``(Z_T, converges)``: the start entry of ``(I - M_T)^-1 e_T``, and whether the
    series of ``M_T^k`` converges (spectral radius < 1)."""
    M, e = sequence_matrix(T, grammar)
    A = np.eye(len(e)) - M
    try:
        x = np.linalg.solve(A, np.column_stack([e, np.ones_like(e)]))
    except np.linalg.LinAlgError:  # singular: the radius is exactly 1
        return math.inf, False
    # For M >= 0, the radius is below 1 if and only if (I - M) y = 1 has a solution
    # y >= 0 (then y = sum_k M^k 1 >= 1): the M-matrix criterion, one solve, no
    # eigenvalues.
    converges = bool(np.all(np.isfinite(x)) and x[:, 1].min() > 0)
    return (float(x[0, 0]) if converges else math.inf), converges


def log_sequence_normaliser(T, grammar=None) -> float:
    """``log Z_T``, ``Z_T`` the sum of ``p(x)^(1/T)`` over all sentences of the grammar.

    ``Z_T = [(I - M_T)^-1 e_T]_start`` when the spectral radius of ``M_T`` is below
    1 (``Z_1 = 1``: the sentences' probabilities sum to one); ``inf`` when the
    series diverges (T above :func:`sequence_threshold`), where sequence
    tempering is not defined.
    """
    T = check_positive_temperature(T, "log_sequence_normaliser")
    Z, _ = _solve(T, grammar)
    return math.log(Z) if math.isfinite(Z) else math.inf


def sequence_threshold(grammar=None, *, rtol: float = 1e-10) -> float:
    """The temperature T* above which sequence tempering of the grammar diverges.

    The spectral radius of ``M_T`` increases with T (every weight ``P^(1/T)`` does)
    and is below 1 at T = 1, where every sentence ends; T* is where it reaches 1,
    found by bisection to relative tolerance ``rtol``. ``inf`` if it stays below
    1 up to T = 1e6 (a language whose sentences have a bounded length, say).
    """
    grammar = _grammar(grammar)
    lo, hi = 1.0, 2.0
    while _solve(hi, grammar)[1]:
        lo, hi = hi, 2 * hi
        if hi > 1e6:
            return math.inf
    while hi - lo > rtol * lo:
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if _solve(mid, grammar)[1] else (lo, mid)
    return 0.5 * (lo + hi)


def partial_normalisers(T, max_tokens, grammar=None) -> np.ndarray:
    """Sum of ``p(x)^(1/T)`` over the sentences of at most k tokens (EOS counted),
    for each k in ``max_tokens``.

    The partial sums of the series of :func:`log_sequence_normaliser`: they
    converge to ``Z_T`` below :func:`sequence_threshold` and grow without bound
    above it.
    """
    T = check_positive_temperature(T, "partial_normalisers")
    ks = [check_count(k, "partial_normalisers", "max_tokens") for k in max_tokens]
    M, v = sequence_matrix(T, grammar)
    sums, total = {}, 0.0
    for k in range(1, max(ks, default=0) + 1):
        total += v[0]  # the sentences of exactly k tokens
        v = M @ v
        sums[k] = total
    return np.array([sums[k] for k in ks])
