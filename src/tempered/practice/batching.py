"""Greedy decoding alone, in a batch, left-padded, on other thread counts.

In exact arithmetic the greedy continuation of a prompt does not depend on
what else is in the batch. In floating point the kernels may add the same
numbers in another order when the batch's shape changes, so the logits differ
in their last bits, and where the two best tokens almost tie the argmax can
flip; after that the continuations part. These helpers run one model each way
and report where the continuations first differ.
"""

from __future__ import annotations

import numpy as np

from .._optional import require
from .._run_cache import code_key
from .._run_cache import fingerprint
from .._run_cache import shared_result
from .._validate import check_count

__all__ = ["greedy_continuations", "first_divergence", "top2_margins"]


def _check_prompts(prompts, func):
    if not isinstance(prompts, (list, tuple)) or not prompts:
        raise ValueError(f"{func}: prompts must be a non-empty list of token-id lists")
    out = [list(map(int, p)) for p in prompts]
    if any(len(p) == 0 for p in out):
        raise ValueError(f"{func}: every prompt must hold at least one token")
    return out


def greedy_continuations(
    model, prompts, max_new_tokens: int, *, batch_size: int | None = None, pad_id=0
):
    """Greedy continuations (``do_sample=False``) of each prompt, as token-id arrays.

    ``batch_size=None`` runs every prompt alone (a batch of one); otherwise the
    prompts go through ``generate`` in batches of that size, left-padded with
    ``pad_id`` and masked, as a server groups requests. Also returns the raw
    logits of every step, shape ``(n_prompts, max_new_tokens, vocabulary)``.
    """
    torch = require("torch", "lm", "tempered.practice.batching")
    prompts = _check_prompts(prompts, "greedy_continuations")
    n_new = check_count(max_new_tokens, "greedy_continuations", "max_new_tokens")
    size = (
        1
        if batch_size is None
        else check_count(batch_size, "greedy_continuations", "batch_size")
    )
    # Under `make test` the chapter page, its notebook and JupyterLab run the same
    # groupings: the first computes, the others load (tempered._run_cache). The key
    # holds the thread count, which is what some of these runs vary.
    key = {
        "weights": fingerprint(model),
        "prompts": prompts,
        "args": [n_new, size, int(pad_id)],
        **code_key(__file__),
    }
    tensors, _ = shared_result(
        "greedy_continuations",
        key,
        lambda: _run_greedy(torch, model, prompts, n_new, size, pad_id),
    )
    return tensors["tokens"].numpy(), tensors["logits"].numpy()


def _run_greedy(torch, model, prompts, n_new, size, pad_id):
    tokens, logits = [], []
    for b in range(0, len(prompts), size):
        chunk = prompts[b : b + size]
        width = max(map(len, chunk))
        ids = torch.tensor([[pad_id] * (width - len(p)) + p for p in chunk])
        mask = torch.tensor([[0] * (width - len(p)) + [1] * len(p) for p in chunk])
        with torch.no_grad():
            out = model.generate(
                ids,
                attention_mask=mask,
                do_sample=False,
                max_new_tokens=n_new,
                min_new_tokens=n_new,
                output_logits=True,
                return_dict_in_generate=True,
                pad_token_id=pad_id,
            )
        tokens.extend(out.sequences[:, width:].numpy())
        logits.extend(torch.stack(out.logits, dim=1).float().numpy())
    arrays = {"tokens": np.array(tokens), "logits": np.array(logits)}
    return {k: torch.from_numpy(v) for k, v in arrays.items()}, {}


def first_divergence(a, b) -> np.ndarray:
    """Per row, the first position where two token arrays differ (-1: never)."""
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape or a.ndim != 2:
        raise ValueError(
            f"first_divergence: a and b must be 2-D arrays of one shape, got "
            f"{a.shape} and {b.shape}"
        )
    differ = a != b
    return np.where(differ.any(axis=1), differ.argmax(axis=1), -1)


def top2_margins(logits) -> np.ndarray:
    """The gap between the largest and second-largest logit, along the last axis."""
    x = np.asarray(logits, dtype=float)
    if x.ndim < 1 or x.shape[-1] < 2:
        raise ValueError(
            "top2_margins: logits need at least 2 entries on the last axis"
        )
    top = np.partition(x, -2, axis=-1)
    return top[..., -1] - top[..., -2]
