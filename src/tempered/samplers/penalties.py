"""Penalties on tokens already in the context: repetition, presence, frequency.

- **Repetition penalty** (Keskar et al. 2019, CTRL), as transformers'
  ``RepetitionPenaltyLogitsProcessor`` and llama.cpp apply it: every token that
  occurs in the context has its logit divided by ``penalty`` if it is positive
  and multiplied by ``penalty`` if it is negative. CTRL's paper only divides;
  dividing a negative logit would *raise* it, hence the sign rule. The effect
  depends on the sign of the logit, not only on its size: a logit of 0.1 and
  one of -0.1 move in opposite directions relative to their magnitudes.
- **Presence and frequency penalties** (the OpenAI API's definition, and
  llama.cpp's ``llama_sampler_penalties_apply``): subtract
  ``count * frequency + (count > 0) * presence``, additive in logit space.

Histories are int arrays of token ids, shape (rows, n) or (n,) for every row.
"""

from __future__ import annotations

import numpy as np

from ._common import history_2d
from ._common import logits_2d
from ._common import real


def token_counts(history, vocab_size: int, last_n=None) -> np.ndarray:
    """How many times each token id occurs in each row's history: (rows, V).

    ``last_n`` (optional) counts only the last ``last_n`` tokens, as llama.cpp's
    ``penalty_last_n`` window does.
    """
    func = "token_counts"
    h = np.asarray(history)
    rows = h.shape[0] if h.ndim == 2 else 1
    h = history_2d(history, rows, func, vocab_size)
    if last_n is not None:
        if not isinstance(last_n, (int, np.integer)) or last_n < 0:
            raise ValueError(f"{func}: last_n must be an int >= 0, got {last_n!r}")
        h = h[:, h.shape[1] - min(int(last_n), h.shape[1]) :]
    counts = np.zeros((h.shape[0], vocab_size), dtype=np.int64)
    np.add.at(counts, (np.repeat(np.arange(h.shape[0]), h.shape[1]), h.ravel()), 1)
    return counts


def repetition_penalty(logits, history, penalty: float) -> np.ndarray:
    """Logits with the repetition penalty applied to every token in ``history``.

    ``penalty > 0``; 1 changes nothing, above 1 discourages repeats. Positive
    logits are divided by ``penalty`` and negative ones multiplied by it.
    """
    func = "repetition_penalty"
    u, shape = logits_2d(logits, func)
    penalty = real(penalty, func, "penalty", 0.0, low_open=True)
    seen = token_counts(history_2d(history, len(u), func, u.shape[-1]), u.shape[-1]) > 0
    with np.errstate(invalid="ignore"):
        penalised = np.where(u < 0, u * penalty, u / penalty)
    return np.where(seen, penalised, u).reshape(shape)


def presence_frequency_penalty(
    logits, history, presence: float = 0.0, frequency: float = 0.0, last_n=None
) -> np.ndarray:
    """Logits minus ``count * frequency + (count > 0) * presence`` for each token.

    ``count`` is the number of times the token occurs in ``history`` (in its
    last ``last_n`` tokens if given). Negative penalties encourage repeats.
    """
    func = "presence_frequency_penalty"
    u, shape = logits_2d(logits, func)
    presence = real(presence, func, "presence")
    frequency = real(frequency, func, "frequency")
    h = history_2d(history, len(u), func, u.shape[-1])
    c = token_counts(h, u.shape[-1], last_n)
    return (u - (c * frequency + (c > 0) * presence)).reshape(shape)
