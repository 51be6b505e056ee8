"""A sampler chain: steps applied one after the other, with the distribution
after each.

A chain is a list of ``(name, parameter)`` pairs; :data:`STEPS` lists the
names. Each step maps logits to logits (-inf = removed), so the order is
explicit: ``[("temperature", 1.5), ("min-p", 0.1)]`` is temperature first (as
transformers does), ``[("min-p", 0.1), ("temperature", 1.5)]`` temperature
last (llama.cpp's default order). Steps that read the context (the penalties)
take the ``history`` of token ids.
"""

from __future__ import annotations

import numpy as np

from ..truncation import min_p_mask
from ..truncation import top_k_mask
from ..truncation import top_p_mask
from ..truncation import typical_mask
from ._common import logits_2d
from ._common import softmax_rows
from .dynamic import dynatemp_temperature
from .dynamic import temper_rows
from .entropy_truncation import epsilon_mask
from .entropy_truncation import eta_mask
from .penalties import presence_frequency_penalty
from .penalties import repetition_penalty
from .top_n_sigma import top_n_sigma_mask
from .xtc import xtc_mask


def _mask(rule):
    return lambda u, x, h: np.where(rule(u, x), u, -np.inf)


#: name -> function(logits, parameter, history) -> logits
STEPS = {
    "temperature": lambda u, x, h: temper_rows(u, x),
    "dynatemp": lambda u, x, h: temper_rows(u, dynatemp_temperature(u, 1.0, x)),
    "top-k": _mask(lambda u, x: top_k_mask(u, int(x))),
    "top-p": _mask(top_p_mask),
    "min-p": _mask(min_p_mask),
    "typical": _mask(typical_mask),
    "epsilon": _mask(epsilon_mask),
    "eta": _mask(eta_mask),
    "top-n-sigma": _mask(top_n_sigma_mask),
    "xtc": _mask(xtc_mask),
    "repetition": lambda u, x, h: repetition_penalty(u, h, x),
    "presence": lambda u, x, h: presence_frequency_penalty(u, h, presence=x),
    "frequency": lambda u, x, h: presence_frequency_penalty(u, h, frequency=x),
}


def apply_chain(logits, steps, history=()) -> list[np.ndarray]:
    """Distributions (float64, shape of ``logits``) before and after each step.

    Returns ``len(steps) + 1`` arrays: ``softmax(logits)`` then the
    distribution after each step. ``dynatemp`` uses base temperature 1 and the
    parameter as ``delta``; ``xtc`` acts at every step (probability 1).
    """
    func = "apply_chain"
    u, shape = logits_2d(logits, func)
    h = np.asarray(history, dtype=np.int64).reshape(-1)
    out = [softmax_rows(u).reshape(shape)]
    for i, step in enumerate(steps):
        if not (isinstance(step, (tuple, list)) and len(step) == 2):
            raise TypeError(
                f"{func}: steps[{i}] must be a (name, parameter) pair, got {step!r}"
            )
        name, x = step
        if name not in STEPS:
            raise ValueError(
                f"{func}: steps[{i}] names an unknown step {name!r}; "
                f"known: {sorted(STEPS)}"
            )
        u = logits_2d(STEPS[name](u, x, h), func)[0]
        out.append(softmax_rows(u).reshape(shape))
    return out
