"""Whisper's temperature fallback (Radford et al., 2023), for any causal language model.

Decode greedily (T = 0); if the text fails one of two cheap tests, decode again
at the next temperature of a rising schedule, and stop at the first text that
passes. The tests are a zlib compression ratio of at most ``max_ratio``
(repeated text compresses well; zlib, not gzip, as in Whisper's
``whisper/utils.py``) and a mean token log-probability of at least
``min_logprob`` (text the model itself finds improbable fails).
:func:`decode_once` makes one attempt, :func:`temperature_fallback` runs the
schedule.
"""

from __future__ import annotations

from typing import NamedTuple

from .._optional import require
from .._validate import check_count
from .._validate import check_temperature
from .generation import mean_token_loglik
from .generation import sample_manual
from .generation import zlib_compression_ratio

torch = require("torch", "lm", "tempered.lm.fallback")

__all__ = ["Attempt", "decode_once", "temperature_fallback", "WHISPER_TEMPERATURES"]

# Whisper's schedule: greedy first, then 0.2, 0.4, ..., 1.0.
WHISPER_TEMPERATURES = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)


class Attempt(NamedTuple):
    T: float  # the temperature of this attempt
    text: str  # the decoded continuation, end token removed
    ratio: float  # its zlib compression ratio, as in Whisper
    logprob: float  # the mean log-probability of its tokens at T = 1
    ok: bool  # whether it passed both tests


def decode_once(model, tokenizer, prompt_ids, T, seed, max_new_tokens=40):
    """One attempt: greedy at T = 0, else sampled at T; (text, zlib ratio, log-prob).

    ``prompt_ids`` is a (1, n) tensor of ids. Sampling uses
    ``torch.Generator().manual_seed(seed)``, so an attempt repeats itself. An
    empty text (the end token at once) has ratio 0.
    """
    T = check_temperature(T, "decode_once")
    eos = tokenizer.eos_token_id
    if T == 0:
        out = model.generate(
            prompt_ids,
            attention_mask=torch.ones_like(prompt_ids),
            do_sample=False,
            max_new_tokens=max_new_tokens,
            pad_token_id=eos,
        )
    else:
        generator = torch.Generator().manual_seed(seed)
        out = sample_manual(
            model, prompt_ids, T, max_new_tokens, generator, eos_token_id=eos
        )
    n = prompt_ids.shape[1]
    text = tokenizer.decode(out[0, n:]).replace(tokenizer.eos_token or "", "").strip()
    ratio = zlib_compression_ratio(text) if text else 0.0  # nothing to repeat
    return text, ratio, mean_token_loglik(model, out, n)


def temperature_fallback(
    model,
    tokenizer,
    prompt_ids,
    seed=0,
    temperatures=WHISPER_TEMPERATURES,
    max_ratio=2.4,
    min_logprob=-1.0,
    max_new_tokens=40,
):
    """Whisper's rule: the attempts, in order, up to the first that passes both tests.

    Each attempt is an :class:`Attempt` ``(T, text, ratio, logprob, ok)``; if no
    temperature passes, all of them are returned, none with ``ok`` True.
    The defaults are Whisper's thresholds: zlib ratio <= 2.4, mean log-prob >= -1.
    """
    max_new_tokens = check_count(
        max_new_tokens, "temperature_fallback", "max_new_tokens"
    )
    attempts = []
    for T in temperatures:
        text, ratio, logprob = decode_once(
            model, tokenizer, prompt_ids, T, seed, max_new_tokens
        )
        ok = ratio <= max_ratio and logprob >= min_logprob
        attempts.append(Attempt(T, text, ratio, logprob, ok))
        if ok:
            break
    return attempts
