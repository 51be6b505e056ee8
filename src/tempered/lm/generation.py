"""Autoregressive sampling at temperature T, written out, and the metrics of chapter 6.

``sample_manual`` is the whole of temperature sampling in a dozen lines: run the
model, divide the last logits by T, take a softmax and draw with
``torch.multinomial``. It follows the order of operations of ``transformers``'
``generate(do_sample=True, temperature=T, top_k=0)`` (float32 logits, the same
key-value cache, one ``torch.multinomial`` call per step on the global or the
given generator), so under the same seed both produce the same tokens.

``generate_at_temperature`` is the one call to ``generate()`` the course makes
for "continue this prompt at temperature T": greedy decoding at T = 0 (which
``generate`` only accepts as ``do_sample=False``), otherwise sampling from the
whole tempered distribution (``top_k=0``, ``top_p=1.0``), seeded.

The metrics take generations as lists of token ids (or any hashable items):
``distinct_n`` (share of distinct n-grams over a set of generations),
``repetition_rate`` (share of n-grams that repeat an earlier one in the same
generation), ``compression_ratio`` (raw bytes / gzip bytes of a text; Whisper's own test
uses ``zlib_compression_ratio``, raw bytes / zlib bytes) and
``mean_token_loglik`` (mean log-probability of the generated tokens under the
untempered model, T = 1). ``generation_metrics`` computes all four for a
batch of continuations, and ``metrics_by_temperature`` for batches generated at
several temperatures and seeds.
"""

from __future__ import annotations

import gzip
import numbers
import zlib
from collections.abc import Sequence

import numpy as np

from .._optional import require
from .._validate import check_count

__all__ = [
    "sample_manual",
    "generate_at_temperature",
    "generation_metrics",
    "metrics_by_temperature",
    "METRICS",
    "next_token_logits",
    "distinct_n",
    "repetition_rate",
    "compression_ratio",
    "zlib_compression_ratio",
    "mean_token_loglik",
    "token_label",
]


def _check_T(T, func: str, *, allow_zero: bool = False) -> float:
    # every bad T, a bool or a string included, is a ValueError (one type to catch)
    ok = isinstance(T, numbers.Real) and not isinstance(T, (bool, np.bool_))
    ok = ok and np.isfinite(float(T))
    ok = ok and (float(T) >= 0 if allow_zero else float(T) > 0)
    if not ok:
        if allow_zero:
            raise ValueError(
                f"{func}: the temperature T must be a finite number >= 0 (0 is greedy "
                f"decoding), got {T!r}"
            )
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


def generate_at_temperature(
    model,
    input_ids,
    T: float,
    *,
    max_new_tokens: int,
    n: int = 1,
    seed: int | None = None,
    min_new_tokens: int | None = None,
    pad_token_id: int | None = None,
):
    """Continue ``input_ids`` with ``model.generate()`` at temperature ``T``.

    - ``T = 0`` is greedy decoding, ``do_sample=False``: the argmax at every step.
      ``generate`` itself rejects ``temperature=0`` (it would divide by zero), and
      ignores ``temperature`` without ``do_sample=True``.
    - ``T > 0`` samples every token from the whole tempered distribution
      ``softmax(logits / T)``: ``do_sample=True, temperature=T, top_k=0,
      top_p=1.0``. Without ``top_k=0``, ``generate`` would keep only the 50 most
      likely tokens (its default), and a checkpoint's generation config could
      add a top-p cut; these two arguments switch both off.

    ``input_ids`` is one prompt, a (1, m) or (m,) tensor or list of ids, continued
    ``n`` times in one batch, or a (b, m) batch of prompts of one length (then
    ``n`` must be 1). With ``seed``, torch's global generator is seeded first, so
    the draws repeat (on one machine, with the same thread count); under the
    same seed :func:`sample_manual` draws the same tokens. ``min_new_tokens``
    (e.g. equal to ``max_new_tokens``) keeps ``generate`` from stopping at the end
    token. ``pad_token_id`` defaults to the model's generation config's, else its
    end token. Returns ``generate``'s (rows, m + new tokens) tensor, prompt
    included.
    """
    torch = require("torch", "lm", "tempered.lm.generation")

    func = "generate_at_temperature"
    T = _check_T(T, func, allow_zero=True)
    max_new_tokens = check_count(max_new_tokens, func, "max_new_tokens", minimum=1)
    n = check_count(n, func, "n")
    ids = torch.as_tensor(input_ids, dtype=torch.long)
    if ids.ndim == 1:
        ids = ids[None]
    if ids.ndim != 2 or ids.shape[1] == 0:
        raise ValueError(
            f"{func}: input_ids must be a non-empty sequence or a batch of them, got "
            f"shape {tuple(ids.shape)}"
        )
    if n > 1:
        if ids.shape[0] != 1:
            raise ValueError(
                f"{func}: n = {n} continuations need one prompt, got {ids.shape[0]}"
            )
        ids = ids.expand(n, -1)
    kwargs = {"max_new_tokens": max_new_tokens}
    if min_new_tokens is not None:
        kwargs["min_new_tokens"] = check_count(
            min_new_tokens, func, "min_new_tokens", minimum=0, maximum=max_new_tokens
        )
    if pad_token_id is None:
        config = model.generation_config
        pad_token_id = config.pad_token_id
        if pad_token_id is None:
            pad_token_id = config.eos_token_id
        if isinstance(pad_token_id, (list, tuple)):
            pad_token_id = pad_token_id[0]
    if T == 0:
        kwargs["do_sample"] = False
    else:
        kwargs.update(do_sample=True, temperature=T, top_k=0, top_p=1.0)
    if seed is not None:
        torch.manual_seed(check_count(seed, func, "seed", minimum=0))
    with torch.no_grad():
        return model.generate(
            ids,
            attention_mask=torch.ones_like(ids),
            pad_token_id=pad_token_id,
            **kwargs,
        )


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


def zlib_compression_ratio(text: str) -> float:
    """UTF-8 bytes of ``text`` divided by the bytes of its zlib compression at
    zlib's default level: the ratio of Whisper's repetition test.

    Whisper compares this ratio (``whisper/utils.py``) with its threshold 2.4.
    zlib's framing is 6 bytes against gzip's 18, so the same text scores higher
    here than in :func:`compression_ratio`, most of all when it is short.
    """
    raw = text.encode("utf-8")
    if not raw:
        raise ValueError("zlib_compression_ratio: empty text")
    return len(raw) / len(zlib.compress(raw))


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


#: The names of :func:`generation_metrics`, in the order it returns them.
METRICS = ("distinct-2", "repetition", "gzip", "loglik")


def generation_metrics(model, tokenizer, output_ids, prompt_len: int) -> dict:
    """The four measures of chapter 6 for a batch of continuations of one prompt.

    ``output_ids`` is what ``generate`` returns, a (n, m) tensor of the prompt
    (its first ``prompt_len`` tokens) followed by n continuations. Returns a
    dict, keys in the order of :data:`METRICS`:

    - ``"distinct-2"``: :func:`distinct_n` of the n continuations, n = 2;
    - ``"repetition"``: the mean :func:`repetition_rate` of trigrams;
    - ``"gzip"``: the mean :func:`compression_ratio` of the decoded texts;
    - ``"loglik"``: the mean :func:`mean_token_loglik` under the model at T = 1.
    """
    torch = require("torch", "lm", "tempered.lm.generation")

    out = torch.as_tensor(output_ids, dtype=torch.long)
    if out.ndim != 2 or not 1 <= prompt_len < out.shape[1]:
        raise ValueError(
            "generation_metrics: output_ids must be (n, m) with m > prompt_len >= 1, "
            f"got shape {tuple(out.shape)} and prompt_len {prompt_len!r}"
        )
    gen = [row[prompt_len:] for row in out.tolist()]
    values = (
        distinct_n(gen, 2),
        np.mean([repetition_rate(s, 3) for s in gen]),
        np.mean([compression_ratio(tokenizer.decode(s)) for s in gen]),
        np.mean([mean_token_loglik(model, row, prompt_len) for row in out]),
    )
    return {name: float(v) for name, v in zip(METRICS, values)}


def metrics_by_temperature(
    model,
    tokenizer,
    input_ids,
    temperatures,
    *,
    seeds=(0, 1, 2),
    n: int = 8,
    max_new_tokens: int = 40,
) -> dict:
    """:func:`generation_metrics` of continuations at every temperature and seed.

    For each T in ``temperatures`` (0 is greedy decoding) and each seed, ``n``
    continuations of the one prompt ``input_ids``, each exactly
    ``max_new_tokens`` tokens long (so that their measures are comparable), come
    from :func:`generate_at_temperature`. Returns a dict keyed as
    :data:`METRICS` of arrays of shape (len(temperatures), len(seeds)).
    """
    temperatures, seeds = list(temperatures), list(seeds)
    prompt_len = len(np.asarray(input_ids).reshape(-1))
    table = {name: np.zeros((len(temperatures), len(seeds))) for name in METRICS}
    for i, T in enumerate(temperatures):
        for j, seed in enumerate(seeds):
            out = generate_at_temperature(
                model,
                input_ids,
                T,
                n=n,
                seed=seed,
                max_new_tokens=max_new_tokens,
                min_new_tokens=max_new_tokens,
            )
            for name, value in generation_metrics(
                model, tokenizer, out, prompt_len
            ).items():
                table[name][i, j] = value
    return table
