"""Epsilon and eta sampling (Hewitt, Manning and Liang 2022), on logits.

- **epsilon**: remove the tokens with ``p_i < epsilon``;
- **eta**: remove the tokens with ``p_i < eta`` where
  ``eta = min(epsilon, sqrt(epsilon) * exp(-H))`` and ``H`` is the entropy of
  ``p = softmax(logits)``.

Both keep the ``min_tokens_to_keep`` most likely tokens (and every token tied
with them) whatever their probability, which is what transformers'
``EpsilonLogitsWarper`` and ``EtaLogitsWarper`` do (checked in
``tests/unit/test_samplers_truncation.py``).
"""

from __future__ import annotations

import numpy as np

from .._validate import check_int
from ._common import entropy_rows
from ._common import keep_top
from ._common import logits_2d
from ._common import real
from ._common import softmax_rows


def _threshold_mask(u, shape, threshold, m):
    keep = softmax_rows(u) >= threshold
    return (keep_top(keep, u, m) & np.isfinite(u)).reshape(shape)


def epsilon_mask(logits, epsilon: float, min_tokens_to_keep: int = 1) -> np.ndarray:
    """Boolean mask (True = kept) of epsilon sampling along the last axis."""
    func = "epsilon_mask"
    u, shape = logits_2d(logits, func)
    epsilon = real(epsilon, func, "epsilon", 0.0, 1.0, low_open=True)
    m = check_int(min_tokens_to_keep, func, "min_tokens_to_keep", minimum=1)
    return _threshold_mask(u, shape, epsilon, m)


def eta_mask(logits, epsilon: float, min_tokens_to_keep: int = 1) -> np.ndarray:
    """Boolean mask (True = kept) of eta sampling along the last axis.

    The threshold adapts to the row: ``min(epsilon, sqrt(epsilon) exp(-H))``,
    lower when the distribution is spread out (high entropy H).
    """
    func = "eta_mask"
    u, shape = logits_2d(logits, func)
    epsilon = real(epsilon, func, "epsilon", 0.0, 1.0, low_open=True)
    m = check_int(min_tokens_to_keep, func, "min_tokens_to_keep", minimum=1)
    eta = np.minimum(epsilon, np.sqrt(epsilon) * np.exp(-entropy_rows(u)))
    return _threshold_mask(u, shape, eta[:, None], m)
