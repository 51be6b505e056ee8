"""A language model against the exact grammar: tokens, logits, KL and impossible mass.

The bundled tokenizer has one token for every word (:func:`word_token_ids`
checks it). :func:`model_next_word_logits` returns a model's logits for the
vocabulary's words after a batch of prefixes, and
:func:`kl_and_impossible_mass` compares the model tempered at T with the
exact distribution of :data:`tempered.lm.grammar.GRAMMAR`;
:func:`kl_minimising_temperature` finds the T where the mean KL is smallest.
:func:`grammatical_share` checks whole sentences that the model samples at T.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..._optional import require
from ...softmax import log_softmax
from ...softmax import tempered_softmax
from .automaton import GRAMMAR
from .automaton import as_words
from .lexicon import EOS


def _prefix_batch(prefixes, func: str):
    """(list of prefixes, whether one prefix was given). One prefix is a string or a
    list of words, the empty list included (the sentence start); anything else is a list
    of prefixes."""
    if isinstance(prefixes, str):
        return [prefixes], True
    try:
        items = list(prefixes)
    except TypeError:
        raise TypeError(
            f"{func}: prefixes must be a prefix (list of words or string) or a list of "
            f"them, got {type(prefixes).__name__}"
        ) from None
    if all(isinstance(w, str) for w in items):
        return [items], True
    return items, False


class TemperatureComparison(NamedTuple):
    """The true next-word distribution p against the model tempered at T, exactly."""

    kl: np.ndarray  #: KL(p || q_T) in nats
    impossible_mass: np.ndarray  #: q_T's total probability on tokens with p = 0


def word_token_ids(tokenizer) -> np.ndarray:
    """Token id of every vocabulary word (aligned with :func:`vocabulary`), checking
    each is ONE token.

    A word is tokenized as it appears inside a sentence (after a space); ``EOS`` is
    the tokenizer's end token. Raises ``ValueError`` if some word needs several tokens.
    """
    cached = getattr(tokenizer, "_grammar_word_ids", None)
    if cached is not None:
        return cached
    ids = []
    for w in GRAMMAR.vocabulary():
        if w == EOS:
            if tokenizer.eos_token != EOS:
                raise ValueError(
                    "word_token_ids: the tokenizer's end token is "
                    f"{tokenizer.eos_token!r}, not {EOS!r}"
                )
            ids.append(tokenizer.eos_token_id)
            continue
        pieces = tokenizer(w, add_special_tokens=False)["input_ids"]
        if len(pieces) != 1:
            raise ValueError(
                f"word_token_ids: {w!r} is {len(pieces)} tokens "
                f"{tokenizer.convert_ids_to_tokens(pieces)}, not one; use the grammar "
                "model's tokenizer"
            )
        ids.append(pieces[0])
    ids = np.asarray(ids, dtype=np.int64)
    if len(set(ids.tolist())) != len(ids):
        raise ValueError("word_token_ids: two words share a token")
    ids.flags.writeable = False
    try:
        tokenizer._grammar_word_ids = ids
    except AttributeError:
        pass
    return ids


def words_to_token_ids(words, tokenizer, *, start: bool = True) -> list[int]:
    """Token ids of ``words`` (one per word), preceded by ``EOS`` when ``start`` (the
    model's sentence start)."""
    words = as_words(words, "words_to_token_ids", "words")
    ids = word_token_ids(tokenizer)
    out = [tokenizer.eos_token_id] if start else []
    return out + [
        int(ids[i]) for i in GRAMMAR.word_indices(words, "words_to_token_ids")
    ]


def token_ids_to_words(ids, tokenizer, *, strict: bool = True) -> list[str]:
    """The words of token ids (e.g. a generation). A token that is not a word raises
    ``ValueError``, or with ``strict=False`` is kept as its token string in angle
    brackets, which no sentence contains.
    """
    table = {int(t): w for t, w in zip(word_token_ids(tokenizer), GRAMMAR.vocabulary())}
    out = []
    for t in np.asarray(ids).ravel().tolist():
        w = table.get(int(t))
        if w is None:
            if strict:
                raise ValueError(
                    f"token_ids_to_words: token {t} "
                    f"({tokenizer.convert_ids_to_tokens(int(t))!r}) is not a word of "
                    "the grammar"
                )
            w = f"<{tokenizer.convert_ids_to_tokens(int(t))}>"
        out.append(w)
    return out


def model_next_token_logits(
    model, tokenizer, prefixes, *, batch_size: int = 256
) -> np.ndarray:
    """The model's next-token logits (float64, shape (n, model vocabulary)) after each
    prefix.

    Each prefix (list of words or string) is fed as ``[EOS] + words``, as in training.
    A single prefix may be passed instead of a list of them (result shape (1, V)); the
    empty list is the empty prefix (sentence start).
    """
    torch = require("torch", "lm", "tempered.lm.grammar")

    prefixes, _ = _prefix_batch(prefixes, "model_next_token_logits")
    encoded = [words_to_token_ids(p, tokenizer) for p in prefixes]
    out = []
    with torch.no_grad():
        for start in range(0, len(encoded), batch_size):
            chunk = encoded[start : start + batch_size]
            width = max(map(len, chunk))
            ids = torch.full(
                (len(chunk), width), tokenizer.eos_token_id, dtype=torch.long
            )
            mask = torch.zeros((len(chunk), width), dtype=torch.long)
            for r, seq in enumerate(chunk):
                ids[r, : len(seq)] = torch.as_tensor(seq)
                mask[r, : len(seq)] = 1
            logits = model(input_ids=ids, attention_mask=mask).logits
            last = torch.as_tensor([len(seq) - 1 for seq in chunk])
            out.append(logits[torch.arange(len(chunk)), last].double().numpy())
    return np.concatenate(out) if out else np.zeros((0, model.config.vocab_size))


def model_next_word_logits(
    model, tokenizer, prefixes, *, batch_size: int = 256
) -> np.ndarray:
    """The model's logits for the vocabulary's words (shape (n, V), aligned with
    :func:`vocabulary`).

    The tokenizer has other tokens too (bytes and pieces of words); a softmax over
    these logits is the model's distribution *given that it emits a word*.
    """
    return model_next_token_logits(model, tokenizer, prefixes, batch_size=batch_size)[
        :, word_token_ids(tokenizer)
    ]


def _targets(prefixes, logits, token_ids, func: str):
    """``(p, u, single)``: the true next-word distributions and the logits as (n, V)
    arrays over the same columns, and whether one prefix was given."""
    plist, single = _prefix_batch(prefixes, func)
    p = GRAMMAR.next_word_distributions(plist)
    u = np.asarray(logits, dtype=np.float64)
    if u.ndim == 1:
        u = u[None]
    if u.ndim != 2 or u.shape[0] != p.shape[0]:
        raise ValueError(
            f"{func}: logits must have shape (V,) or (n, V) for "
            f"{p.shape[0]} prefix(es), got {np.shape(logits)}"
        )
    if token_ids is not None:
        token_ids = np.asarray(token_ids)
        if token_ids.shape != (p.shape[1],):
            raise ValueError(
                f"{func}: token_ids must have one id per word ({p.shape[1]})"
            )
        full = np.zeros((p.shape[0], u.shape[1]))
        full[:, token_ids] = p
        p = full
    if u.shape[1] != p.shape[1]:
        raise ValueError(
            f"{func}: logits have {u.shape[1]} columns but the "
            f"vocabulary has {p.shape[1]} words; pass token_ids for logits over the "
            "whole model vocabulary"
        )
    return p, u, single


def kl_and_impossible_mass(
    prefixes, logits, T, *, token_ids=None
) -> TemperatureComparison:
    """Exact KL(p || q_T) and impossible mass of q_T = softmax(logits / T).

    p is the true next-word distribution after each prefix.

    Parameters
    ----------
    prefixes : a prefix or a list of n prefixes
        A prefix is a list of words or a string; ``[]`` is the sentence start.
    logits : array, shape (V,) or (n, V)
        Model logits over the vocabulary's words (``model_next_word_logits``), or,
        with ``token_ids``, over the model's whole vocabulary
        (``model_next_token_logits``).
    T : float or 1-D array of temperatures >= 0 (0 and inf are the limits)
    token_ids : array of the words' token ids (``word_token_ids(tokenizer)``), optional
        Given, q_T is over every token, and tokens that are not words count as
        impossible.

    Returns ``TemperatureComparison(kl, impossible_mass)``, each of shape
    (n, len(T)), with the n axis dropped for a single prefix and the T axis for a
    scalar T. ``impossible_mass`` is the probability q_T gives to continuations
    with p = 0; ``kl`` is ``inf`` where q_T is 0 on a possible word (e.g. at T = 0).
    """
    p, u, single = _targets(prefixes, logits, token_ids, "kl_and_impossible_mass")
    temps = np.atleast_1d(np.asarray(T, dtype=np.float64))
    if temps.ndim != 1:
        raise ValueError(
            "kl_and_impossible_mass: T must be a number or a 1-D array of numbers"
        )
    possible = p > 0
    logp = np.log(np.where(possible, p, 1.0))
    kl = np.empty((p.shape[0], temps.size))
    mass = np.empty_like(kl)
    for j, t in enumerate(temps):
        logq = log_softmax(u, float(t), axis=-1)
        with np.errstate(invalid="ignore"):
            kl[:, j] = np.where(possible, p * (logp - logq), 0.0).sum(axis=1)
        mass[:, j] = np.where(possible, 0.0, np.exp(logq)).sum(axis=1)
    if np.ndim(T) == 0:
        kl, mass = kl[:, 0], mass[:, 0]
    if single:
        kl, mass = kl[0], mass[0]
    return TemperatureComparison(kl, mass)


def kl_minimising_temperature(
    prefixes, logits, *, token_ids=None, bracket=(0.01, 100.0)
) -> float:
    """The T that minimises the mean over ``prefixes`` of KL(p || softmax(logits / T)).

    ``prefixes``, ``logits`` and ``token_ids`` are as in
    :func:`kl_and_impossible_mass`. Written with β = 1/T, each KL is
    ``log Z(β) - β E_p[u] - H(p)``, convex in β, with derivative
    ``E_q[u] - E_p[u]`` (q the tempered model): the mean of these derivatives
    increases with β, and bisection finds its zero to float64 precision. Fitting
    T this way is temperature scaling (chapter 11) against exact targets.

    Raises ``ValueError`` if the minimum lies outside ``bracket`` (in T), or if
    the model gives a possible word the logit -inf (the KL is then infinite at
    every T).
    """
    func = "kl_minimising_temperature"
    p, u, _ = _targets(prefixes, logits, token_ids, func)
    if np.any((p > 0) & ~np.isfinite(u)):
        raise ValueError(
            f"{func}: a possible word has a logit of -inf, so KL is infinite at every T"
        )
    lo_T, hi_T = (float(b) for b in bracket)
    if not 0 < lo_T < hi_T < np.inf:
        raise ValueError(
            f"{func}: bracket must be (T_low, T_high) with 0 < T_low < "
            f"T_high < inf, got {bracket!r}"
        )
    finite = np.where(np.isfinite(u), u, 0.0)  # -inf only where p = 0 and q = 0
    target = (p * finite).sum(axis=1).mean()  # the mean of E_p[u]

    def slope(beta):  # d(mean KL)/d(beta)
        q = tempered_softmax(u, 1 / beta, axis=-1)
        return (q * finite).sum(axis=1).mean() - target

    lo, hi = 1 / hi_T, 1 / lo_T  # in beta
    if slope(lo) > 0 or slope(hi) < 0:
        raise ValueError(
            f"{func}: the mean KL has no minimum for T in [{lo_T:g}, {hi_T:g}]; widen "
            "the bracket"
        )
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if mid in (lo, hi):
            break
        lo, hi = (mid, hi) if slope(mid) < 0 else (lo, mid)
    return float(2 / (lo + hi))


def grammatical_share(
    model, tokenizer, T, *, n: int = 200, seed: int = 0, max_new_tokens: int = 40
) -> float:
    """Share of ``n`` sentences sampled from ``model`` at ``T`` that are grammatical.

    The sentences are drawn in one seeded batch by
    :func:`tempered.lm.generation.generate_at_temperature` from the sentence
    start ``[EOS]`` (``T = 0`` is greedy decoding, every row the same), and
    each is checked with :meth:`Grammar.is_grammatical`. A row that has not
    reached ``EOS`` after ``max_new_tokens`` tokens is unfinished and counts as
    not grammatical, as does any token that is not a word.
    """
    torch = require("torch", "lm", "tempered.lm.grammar")
    from ..generation import generate_at_temperature

    eos = tokenizer.eos_token_id
    out = generate_at_temperature(
        model,
        torch.tensor([[eos]]),
        T,
        n=n,
        seed=seed,
        max_new_tokens=max_new_tokens,
        pad_token_id=eos,
    )
    ok = 0
    for row in out[:, 1:].tolist():
        if eos in row:
            words = token_ids_to_words(row[: row.index(eos)], tokenizer, strict=False)
            ok += GRAMMAR.is_grammatical(words)
    return ok / out.shape[0]
