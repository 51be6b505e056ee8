"""The grammar as right-linear rules in continuation-passing style.

A nonterminal is a tuple; each rule emits at most one word and names the one
nonterminal that follows, so the rules describe a finite-state process (see
:mod:`tempered.lm.grammar` for why it stays finite). :func:`closure` sums
away the empty rules; :class:`tempered.lm.grammar.Grammar` compiles the result
into an automaton.
"""

from __future__ import annotations

import functools
from collections import defaultdict

from .lexicon import ADVERBS
from .lexicon import ANIMATE
from .lexicon import CLASS_WEIGHTS
from .lexicon import CONJUNCTIONS
from .lexicon import DETERMINERS
from .lexicon import EOS
from .lexicon import FRAMES
from .lexicon import LOCATIVE_PREPOSITIONS
from .lexicon import NAMES
from .lexicon import NOUNS
from .lexicon import PERIOD
from .lexicon import QUALITY_ADJECTIVES
from .lexicon import SIZE_ADJECTIVES
from .lexicon import VERBS
from .lexicon import P
from .lexicon import starts_with_vowel
from .lexicon import zipf_weights


class GrammarError(RuntimeError):
    """The grammar's rules do not compile to a proper deterministic automaton."""


# Nonterminals are tuples. A rule is (probability, {word: probability} or None for an
# empty rule, next).
CLAUSE, CE, END, COMP = ("CLAUSE",), ("CE",), ("END",), ("COMP",)


def _adv(cont):
    """The optional adverb slot before ``cont`` (idempotent: never two in a row)."""
    return cont if cont[0] == "ADV" else ("ADV", cont)


def _sentence_final(cont) -> bool:
    return cont in (CE, ("ADV", CE))


def _frame_classes(frame):
    return FRAMES[frame][1]


def rules_for(nt):
    """The rules of nonterminal ``nt``: a list of ``(probability, words, next)``.

    ``words`` is ``{word: probability}``, or None for an empty rule; ``next`` is
    the nonterminal that follows (None after ``EOS``: the sentence is over).
    """
    kind = nt[0]
    if (
        kind == "CLAUSE"
    ):  # a clause: subject NP, then its VP; whatever follows is the end of the sentence
        return [
            (P["name_subject"], zipf_weights(NAMES), ("VP", "sg", "person", CE)),
            (1 - P["name_subject"], None, ("NP", "subj", ANIMATE, None)),
        ]
    if (
        kind == "NP"
    ):  # start of a noun phrase: a determiner (or a name for animate objects)
        _, role, classes, cont = nt
        rules = []
        p_name = P["name_object"] if role == "obj" and "person" in classes else 0.0
        if p_name:
            rules.append((p_name, zipf_weights(NAMES), cont))
        total = sum(w for _, _, w in DETERMINERS)
        for det, number, weight in DETERMINERS:
            p = (1 - p_name) * weight / total
            if (
                det == "a"
            ):  # split between "a" and "an" by the first letter of what follows
                base = closure(("NPD", role, classes, "sg", 0, cont))
                vowel = sum(q for (w, _), q in base.items() if starts_with_vowel(w))
                rules.append(
                    (p * (1 - vowel), {"a": 1.0}, ("NPD", role, classes, "a", 0, cont))
                )
                rules.append(
                    (p * vowel, {"an": 1.0}, ("NPD", role, classes, "an", 0, cont))
                )
            else:
                rules.append((p, {det: 1.0}, ("NPD", role, classes, number, 0, cont)))
        return rules
    if (
        kind == "NPD"
    ):  # inside a noun phrase after the determiner: [size adj] [quality adj] noun
        _, role, classes, number, stage, cont = nt
        after_a = "sg" if number in ("a", "an") else number
        options = []  # (weight, words, next)
        if stage == 0:
            options.append(
                (
                    P["size_adj"],
                    zipf_weights(SIZE_ADJECTIVES),
                    ("NPD", role, classes, after_a, 1, cont),
                )
            )
        if stage <= 1:
            p_quality = P["quality_adj"] if stage == 0 else P["second_adj"]
            weights = {}
            for group, adjectives in QUALITY_ADJECTIVES.items():
                kept = tuple(c for c in classes if c in group)
                if kept:
                    weights[kept] = (sum(CLASS_WEIGHTS[c] for c in kept), adjectives)
            total = sum(w for w, _ in weights.values())
            for kept, (w, adjectives) in weights.items():
                options.append(
                    (
                        p_quality * w / total,
                        zipf_weights(adjectives),
                        ("NPD", role, kept, after_a, 2, cont),
                    )
                )
        p_noun = 1 - sum(w for w, _, _ in options)
        total = sum(CLASS_WEIGHTS[c] for c in classes)
        numbers_ = {
            "sg": {"sg": 1.0},
            "pl": {"pl": 1.0},
            "any": {"sg": 1 - P["plural_any"], "pl": P["plural_any"]},
            "a": {"sg": 1.0},
            "an": {"sg": 1.0},
        }[number]
        for c in classes:
            forms = NOUNS[c]
            weights = zipf_weights([s for s, _ in forms])
            for num, p_num in numbers_.items():
                words = {(s if num == "sg" else pl): weights[s] for s, pl in forms}
                post = ("SN", num, c) if role == "subj" else ("ON", num, c, cont)
                options.append((p_noun * CLASS_WEIGHTS[c] / total * p_num, words, post))
        if number in (
            "a",
            "an",
        ):  # keep only the words that fit the article, renormalised
            keep = (
                (lambda w: starts_with_vowel(w))
                if number == "an"
                else (lambda w: not starts_with_vowel(w))
            )
            filtered = []
            for weight, words, nxt in options:
                sub = {w: q for w, q in words.items() if keep(w)}
                if sub:
                    filtered.append((weight, sub, nxt))
            total = sum(weight * sum(sub.values()) for weight, sub, _ in filtered)
            return [(weight / total, sub, nxt) for weight, sub, nxt in filtered]
        return options
    if kind == "SN":  # after the subject noun: relative clause, a PP, or the verb
        _, num, c = nt
        vp = ("VP", num, c, CE)
        return [
            (P["subject_relative"], {"that": 1.0}, ("VP", num, c, vp)),
            (
                P["subject_with"],
                {"with": 1.0},
                ("NP", "obj", ("person", "animal", "thing"), vp),
            ),
            (P["subject_from"], {"from": 1.0}, ("NP", "obj", ("place",), vp)),
            (
                1 - P["subject_relative"] - P["subject_with"] - P["subject_from"],
                None,
                vp,
            ),
        ]
    if (
        kind == "ON"
    ):  # after an object noun: people and animals may take a relative clause
        _, num, c, cont = nt
        if c in ANIMATE:
            return [
                (P["object_relative"], {"that": 1.0}, ("VP", num, c, cont)),
                (1 - P["object_relative"], None, cont),
            ]
        return [(1.0, None, cont)]
    if kind == "VP":  # the verb agrees with (num, c); the VP then hands over to cont
        _, num, c, cont = nt
        final = _sentence_final(cont)
        frames = {}
        for frame, (weight, _) in FRAMES.items():
            if frame in ("ditransitive", "clausal") and not final:
                continue
            verbs = [v for v in VERBS[frame] if v[3] == "A" or c == "person"]
            if verbs:
                frames[frame] = (weight, verbs)
        total = sum(w for w, _ in frames.values())
        rules = []
        for frame, (weight, verbs) in frames.items():
            if frame == "intransitive":
                nxt = _adv(cont)
            elif frame == "clausal":
                nxt = COMP
            elif frame == "ditransitive":
                nxt = (
                    "NP",
                    "obj",
                    ANIMATE,
                    ("NP", "obj", ("food", "thing"), _adv(cont)),
                )
            else:
                nxt = ("NP", "obj", _frame_classes(frame), _adv(cont))
            weights = zipf_weights([v[0] for v in verbs])
            present = {(v[1] if num == "sg" else v[0]): weights[v[0]] for v in verbs}
            past = {v[2]: weights[v[0]] for v in verbs}
            rules.append((weight / total * (1 - P["past"]), present, nxt))
            rules.append((weight / total * P["past"], past, nxt))
        return rules
    if kind == "ADV":
        return [
            (P["adverb"], zipf_weights(ADVERBS), nt[1]),
            (1 - P["adverb"], None, nt[1]),
        ]
    if kind == "COMP":
        return [(1.0, {"that": 1.0}, CLAUSE)]
    if (
        kind == "CE"
    ):  # end of a clause: the period, a PP, or a conjunction and another clause
        p_loc, p_with, p_conj = P["locative"], P["with_pp"], P["conjunction"]
        return [
            (P["stop"], {PERIOD: 1.0}, END),
            (p_loc, zipf_weights(LOCATIVE_PREPOSITIONS), ("NP", "obj", ("place",), CE)),
            (p_with, {"with": 1.0}, ("NP", "obj", ("person", "animal", "thing"), CE)),
            (p_conj, zipf_weights(CONJUNCTIONS), CLAUSE),
        ]
    if kind == "END":
        return [(1.0, {EOS: 1.0}, None)]
    raise GrammarError(f"unknown nonterminal {nt!r}")


@functools.cache
def closure(nt) -> dict:
    """{(word, next nonterminal): probability} for ``nt``, empty rules summed away."""
    out = defaultdict(float)
    for p, words, nxt in rules_for(nt):
        if p == 0:
            continue
        if words is None:
            if nxt is None:
                raise GrammarError(f"{nt!r} has an empty rule that ends the sentence")
            for key, q in closure(nxt).items():
                out[key] += p * q
        else:
            for w, q in words.items():
                out[(w, nxt)] += p * q
    return dict(out)
