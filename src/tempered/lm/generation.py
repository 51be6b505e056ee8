"""Autoregressive sampling at temperature T, written out, and the metrics of chapter 6.

``sample_manual`` is the whole of temperature sampling in a dozen lines: run the
model, divide the last logits by T, take a softmax and draw with
``torch.multinomial``. It follows the order of operations of ``transformers``'
``generate(do_sample=True, temperature=T, top_k=0)`` (float32 logits, the same
key-value cache, one ``torch.multinomial`` call per step on the global or the
given generator), so under the same seed both produce the same tokens.

The metrics take generations as lists of token ids (or any hashable items):
``distinct_n`` (share of distinct n-grams over a set of generations),
``repetition_rate`` (share of n-grams that repeat an earlier one in the same
generation), ``compression_ratio`` (raw bytes / gzip bytes of a text) and
``mean_token_loglik`` (mean log-probability of the generated tokens under the
untempered model, T = 1).
"""

from __future__ import annotations

import gzip
import numbers
from collections.abc import Sequence

import numpy as np

from .._optional import require
from .._validate import check_count

__all__ = [
    "sample_manual",
    "next_token_logits",
    "distinct_n",
    "repetition_rate",
    "compression_ratio",
    "mean_token_loglik",
    "token_label",
]


def _check_T(T, func: str) -> float:
    # every bad T, a bool or a string included, is a ValueError (one type to catch)
    if (
        isinstance(T, bool)
        or not isinstance(T, numbers.Real)
        or not (float(T) > 0)
        or not np.isfinite(float(T))
    ):
        raise ValueError(
            f"{func}: the temperature T must be a finite number > 0, got {T!r}; for T "
            "= 0 use greedy decoding"
        )
    return float(T)


def sample_manual(
    model,
    input_ids,
    T: float,
    max_new_tokens: int,
    generator=None,
    *,
    eos_token_id=None,
):
    """Sample ``max_new_tokens`` tokens from ``model`` at temperature ``T``, by hand.

    Each step computes ``probs = softmax(logits / T)`` over the last position (in
    float32, as ``generate`` does) and draws one token with
    ``torch.multinomial(probs, 1, generator=generator)``. ``input_ids`` is a
    (1, n) or (n,) tensor or list of ids. Sampling stops after ``eos_token_id``
    if one is given (``generate`` stops there too). Returns the full sequence,
    prompt included, as a (1, m) ``torch.long`` tensor.
    """
    torch = require("torch", "lm", "tempered.lm.generation")

    T = _check_T(T, "sample_manual")
    max_new_tokens = check_count(
        max_new_tokens, "sample_manual", "max_new_tokens", minimum=0
    )
    ids = torch.as_tensor(input_ids, dtype=torch.long)
    if ids.ndim == 1:
        ids = ids[None]
    if ids.ndim != 2 or ids.shape[0] != 1 or ids.shape[1] == 0:
        raise ValueError(
            f"input_ids must be one non-empty sequence, got shape {tuple(ids.shape)}"
        )
    past, step_input = None, ids
    with torch.no_grad():
        for _ in range(int(max_new_tokens)):
            out = model(input_ids=step_input, past_key_values=past, use_cache=True)
            past = out.past_key_values
            logits = out.logits[:, -1].to(dtype=torch.float32)
            probs = torch.softmax(logits / T, dim=-1)
            nxt = torch.multinomial(probs, num_samples=1, generator=generator)
            ids = torch.cat([ids, nxt], dim=-1)
            step_input = nxt
            if eos_token_id is not None and int(nxt) == int(eos_token_id):
                break
    return ids


def next_token_logits(
    model, tokenizer, prompt, *, add_eos_start: bool = False
) -> np.ndarray:
    """The model's next-token logits after ``prompt`` (a string or a list of ids),
    float64, shape (V,).

    With ``add_eos_start`` the end token is put in front, the way the grammar and
    Austen models see the start of a text.
    """
    torch = require("torch", "lm", "tempered.lm.generation")

    if isinstance(prompt, str):
        ids = tokenizer(prompt, add_special_tokens=False)["input_ids"]
    else:
        ids = [int(i) for i in prompt]
    if add_eos_start:
        ids = [tokenizer.eos_token_id] + list(ids)
    if not ids:
        raise ValueError(
            "next_token_logits: the prompt is empty; pass add_eos_start=True for a "
            "text start"
        )
    with torch.no_grad():
        ids = torch.tensor([ids], dtype=torch.long)
        out = model(input_ids=ids, attention_mask=torch.ones_like(ids))
    return out.logits[0, -1].double().numpy()


def token_label(tokenizer, token_id: int) -> str:
    """A short printable label for one token: its text, stripped, with ⏎ for newlines
    and ␣ for a bare space."""
    text = tokenizer.decode([int(token_id)])
    label = text.strip().replace("\n", "⏎")
    if not label:
        label = text.replace("\n", "⏎").replace(" ", "␣") or repr(text)
    return label


def _ngrams(seq, n):
    seq = list(seq)
    return [tuple(seq[i : i + n]) for i in range(len(seq) - n + 1)]


def distinct_n(sequences: Sequence[Sequence], n: int = 2) -> float:
    """Distinct-n: the number of distinct n-grams over all ``sequences`` divided by the
    number of n-grams.

    1 means no n-gram occurs twice anywhere in the set; values near 0 mean the
    generations keep repeating the same n-grams. NaN if there is no n-gram.
    """
    n = check_count(n, "distinct_n", "n")
    grams = [g for s in sequences for g in _ngrams(s, n)]
    return len(set(grams)) / len(grams) if grams else float("nan")


def repetition_rate(sequence: Sequence, n: int = 3) -> float:
    """Share of the n-grams of one ``sequence`` that already occurred earlier in it (0 =
    none repeats).

    NaN for a sequence shorter than n.
    """
    n = check_count(n, "repetition_rate", "n")
    grams = _ngrams(sequence, n)
    if not grams:
        return float("nan")
    seen, repeats = set(), 0
    for g in grams:
        repeats += g in seen
        seen.add(g)
    return repeats / len(grams)


def compression_ratio(text: str) -> float:
    """UTF-8 bytes of ``text`` divided by the bytes of its gzip compression (level 9,
    fixed mtime).

    Repetitive text compresses well and has a high ratio; gzip's header makes
    short texts score low, so compare texts of similar length.
    """
    raw = text.encode("utf-8")
    if not raw:
        raise ValueError("compression_ratio: empty text")
    return len(raw) / len(gzip.compress(raw, compresslevel=9, mtime=0))


def mean_token_loglik(model, sequence, prompt_len: int) -> float:
    """Mean natural log-probability, under the untempered model (T = 1), of the tokens
    after ``prompt_len``.

    ``sequence`` is the full (1, m) or (m,) sequence of ids, prompt included
    (as returned by ``generate`` or :func:`sample_manual`).
    """
    torch = require("torch", "lm", "tempered.lm.generation")

    ids = torch.as_tensor(sequence, dtype=torch.long)
    if ids.ndim == 2:
        if ids.shape[0] != 1:
            raise ValueError("mean_token_loglik: pass one sequence at a time")
        ids = ids[0]
    if not 1 <= prompt_len < ids.numel():
        raise ValueError(
            f"mean_token_loglik: need 1 <= prompt_len < {ids.numel()}, got {prompt_len}"
        )
    with torch.no_grad():
        logits = model(input_ids=ids[None]).logits[0].double()
    logp = torch.log_softmax(logits[prompt_len - 1 : -1], dim=-1)
    targets = ids[prompt_len:]
    return float(logp[torch.arange(targets.numel()), targets].mean())
