"""Speculative sampling (Leviathan et al. 2023; Chen et al. 2023) at any temperature.

A cheap draft model proposes a token ``x ~ q``; the target, whose tempered
distribution is ``p``, accepts it with probability ``min(1, p[x] / q[x])``;
after a rejection a token is drawn from the residual
``max(p - q, 0) / sum(max(p - q, 0))``. The token that comes out is distributed
exactly as ``p``, and the proposal is accepted with probability
``sum_i min(p_i, q_i) = 1 - TV(p, q)``. Here ``p`` and ``q`` are the target's and
the draft's distributions *at the temperature of the request*: both models are
tempered before the test.

The NumPy functions work on distributions; :func:`speculative_decode` runs the
loop on two ``transformers`` causal language models that share a tokenizer.
"""

from __future__ import annotations

import numpy as np

from .._optional import require
from .._validate import check_count
from .._validate import check_positive_temperature

__all__ = [
    "acceptance_rate",
    "total_variation",
    "residual_distribution",
    "speculative_step",
    "speculative_output_distribution",
    "speculative_decode",
]


def _check_pair(p, q, func: str):
    p = np.asarray(p, dtype=float)
    q = np.asarray(q, dtype=float)
    for name, x in (("p", p), ("q", q)):
        if x.ndim < 1 or x.shape[-1] == 0:
            raise ValueError(f"{func}: {name} must be a non-empty distribution")
        if not np.all(np.isfinite(x)) or np.any(x < 0):
            raise ValueError(f"{func}: {name} must be finite and >= 0")
        if np.any(np.abs(x.sum(axis=-1) - 1) > 1e-6):
            raise ValueError(f"{func}: {name} must sum to 1 along its last axis")
    if p.shape[-1] != q.shape[-1]:
        raise ValueError(
            f"{func}: p and q must share their vocabulary (last axis), got "
            f"{p.shape[-1]} and {q.shape[-1]}"
        )
    return p, q


def acceptance_rate(p, q) -> np.ndarray:
    """Probability that a draft token ``x ~ q`` is accepted: ``sum_i min(p_i, q_i)``.

    Works along the last axis, so a batch of contexts gives one rate each.
    """
    p, q = _check_pair(p, q, "acceptance_rate")
    return np.minimum(p, q).sum(axis=-1)


def total_variation(p, q) -> np.ndarray:
    """Total variation distance ``sum_i |p_i - q_i| / 2`` along the last axis."""
    p, q = _check_pair(p, q, "total_variation")
    return 0.5 * np.abs(p - q).sum(axis=-1)


def residual_distribution(p, q) -> np.ndarray:
    """The distribution drawn from after a rejection: ``max(p - q, 0)``, normalised.

    Where ``p == q`` nothing is ever rejected; the residual is then undefined
    and this returns ``p`` (any choice is correct, since it is never used).
    """
    p, q = _check_pair(p, q, "residual_distribution")
    r = np.maximum(p - q, 0.0)
    mass = r.sum(axis=-1, keepdims=True)
    return np.where(mass > 0, r / np.where(mass > 0, mass, 1.0), p)


def speculative_output_distribution(p, q) -> np.ndarray:
    """The exact distribution of the token one speculative step returns.

    ``q_i min(1, p_i / q_i) + (1 - sum_j min(p_j, q_j)) * residual_i``, which the
    theorem of chapter 9 shows is ``p``; computed term by term so that a test can
    check it.
    """
    p, q = _check_pair(p, q, "speculative_output_distribution")
    accepted = np.minimum(p, q)  # q_i * min(1, p_i / q_i), without dividing by 0
    rejected = 1.0 - accepted.sum(axis=-1, keepdims=True)
    return accepted + rejected * residual_distribution(p, q)


def speculative_step(p, q, rng=None, size: int | None = None):
    """One speculative step by hand: propose from ``q``, test, repair from the residual.

    Returns ``(tokens, accepted)``: the tokens returned and whether each draft
    token was accepted (arrays of ``size``, or scalars when ``size`` is None).
    """
    p, q = _check_pair(p, q, "speculative_step")
    if p.ndim != 1 or q.ndim != 1:
        raise ValueError("speculative_step: p and q must be 1-D distributions")
    n = 1 if size is None else check_count(size, "speculative_step", "size")
    rng = np.random.default_rng(rng)
    draft = rng.choice(len(q), size=n, p=q)
    ratio = np.minimum(1.0, p[draft] / q[draft])  # q[draft] > 0: it was drawn
    accepted = rng.random(n) < ratio
    repair = rng.choice(len(p), size=n, p=residual_distribution(p, q))
    tokens = np.where(accepted, draft, repair)
    if size is None:
        return int(tokens[0]), bool(accepted[0])
    return tokens, accepted


def _tempered_probs(model, ids, T, torch):
    logits = model(input_ids=ids, attention_mask=torch.ones_like(ids)).logits[0]
    logits = logits.double()
    return torch.softmax(logits / T, dim=-1)


def speculative_decode(
    target, draft, input_ids, T: float, *, gamma: int, max_new_tokens: int, seed=0
):
    """Speculative sampling with two causal LMs sharing a vocabulary, at temperature T.

    Each round the draft proposes ``gamma`` tokens at temperature ``T``, the
    target scores them in one forward pass, and each is accepted with
    probability ``min(1, p / q)`` in turn; the first rejection is repaired from
    the residual, and if all are accepted the target adds one more token. The
    models are re-run on the whole sequence each round (they are tiny; no
    cache), in float64 after the logits so that the test is exact.

    Returns ``(ids, accepted, alphas)``: the 1-D tensor of prompt and new
    tokens, and for every proposal the target saw, whether it was accepted and
    its acceptance probability ``sum_i min(p_i, q_i)`` in that context.
    """
    torch = require("torch", "lm", "tempered.practice.speculative_decode")
    T = check_positive_temperature(T, "speculative_decode")
    gamma = check_count(gamma, "speculative_decode", "gamma")
    n_new = check_count(max_new_tokens, "speculative_decode", "max_new_tokens")
    ids = torch.as_tensor(input_ids).reshape(1, -1)
    if ids.shape[1] == 0:
        raise ValueError("speculative_decode: input_ids must hold at least one token")
    gen = torch.Generator().manual_seed(int(seed))
    start = ids.shape[1]
    accepted, alphas = [], []
    with torch.no_grad():
        while ids.shape[1] - start < n_new:
            k = min(gamma, n_new - (ids.shape[1] - start))
            proposal, qs = ids, []
            for _ in range(k):
                q = _tempered_probs(draft, proposal, T, torch)[-1]
                x = torch.multinomial(q, 1, generator=gen)
                qs.append(q)
                proposal = torch.cat([proposal, x[None]], dim=1)
            ps = _tempered_probs(target, proposal, T, torch)[ids.shape[1] - 1 :]
            n_ok = 0
            for i in range(k):
                x = proposal[0, ids.shape[1] + i]
                p, q = ps[i], qs[i]
                alphas.append(float(torch.minimum(p, q).sum()))
                ok = bool(
                    torch.rand(1, generator=gen) < torch.clamp(p[x] / q[x], max=1)
                )
                accepted.append(ok)
                if not ok:
                    residual = torch.clamp(p - q, min=0)
                    fix = torch.multinomial(residual / residual.sum(), 1, generator=gen)
                    break
                n_ok += 1
            keep = proposal[:, : ids.shape[1] + n_ok]
            if n_ok < k:
                ids = torch.cat([keep, fix[None]], dim=1)
            else:  # every proposal accepted: the target's next token comes free
                bonus = torch.multinomial(ps[k], 1, generator=gen)
                ids = torch.cat([keep, bonus[None]], dim=1)
    return ids[0, : start + n_new], np.array(accepted), np.array(alphas)
