"""A toy English whose exact next-word distribution is known: the ground truth for chapter 6.

The bundled model ``load_model("grammar")`` is a tiny GPT-2 trained on sentences
drawn from this grammar. Because the grammar is a finite-state process, every
quantity a language model only estimates can here be computed exactly: the
true next-word distribution after any prefix, the probability of a sentence,
and the entropy rate of the language. Comparing the model tempered at T with
the truth gives the exact KL divergence and the exact mass the model puts on
impossible continuations.

The language
------------
About 430 words: determiners (with *a*/*an* chosen by the next word's first
letter), nouns of five classes (people, animals, food, things, places) in the
singular and plural, ten names, adjectives in two ordered slots (size/age, then
a quality adjective that fits the noun's class), verbs in eight frames
(intransitive, transitive with animate / any / food / food-or-thing / thing
objects, ditransitive, and verbs of thinking and saying that take a
*that*-clause) in the present (agreeing with the subject's number) and the
past, adverbs, prepositions and conjunctions. A few sentences::

    the dog sleeps .
    an old farmer gives the hungry cats a cake .
    the girls that chase the dog laugh quietly in the garden .
    Anna thinks that the children with the red ball saw an eagle .

Every sentence ends with ``"."`` followed by the end token ``EOS`` (the
tokenizer's ``<|endoftext|>``), and a model sees ``EOS`` before the first word
too, so "sentence start" is the context ``[EOS]``.

What keeps it finite-state
--------------------------
The grammar is written as a *right-linear* grammar in continuation-passing
style: each nonterminal emits at most one word and names the one nonterminal
that follows (or none, ``EOS`` having been emitted). A noun phrase receives the
nonterminal that must follow it (its continuation), so *the dog that chases the
cat* can be followed by the verb agreeing with *dog*: the subject's number and
class travel inside the continuation. Recursion only ever happens at the right
edge (relative clauses on objects, prepositional phrases, coordination,
*that*-clauses), where the continuation is passed on unchanged, so no stack is
needed. The two constructions that would nest continuations without bound (a
*that*-clause or a ditransitive verb inside a relative clause on a subject or
on a first object) are only allowed where the continuation is the end of the
sentence. Breadth-first expansion from the start symbol therefore reaches a
finite set of nonterminals: these are the states of the automaton.

Compilation and exactness
-------------------------
Rules that emit nothing (optional adverbs, the end of a noun phrase handing
over to its continuation) are eliminated by summing over the (acyclic) paths
of empty rules. For every state s this gives the probability P(w, s' | s) of
emitting word w and moving to state s'. The construction *checks* that the
result is **deterministic**: for each state and word there is at most one next
state (otherwise it raises ``GrammarError``). Consequences, all exact up to
float64 rounding:

* A word sequence has at most one path through the automaton, so the forward
  algorithm, whose forward vector is a point mass on that path's state,
  gives P(w_1..w_n) = prod_t P(w_t | s_{t-1}) and the next-word
  distribution after any prefix is the emission row of the state it reaches.
  The probability of a sentence sums over *all* derivations of it, because
  derivations that emit the same words from the same state were merged when
  their probabilities were added.
* Every row sums to 1 (checked) and every state can reach the end
  (checked), so the automaton is an absorbing Markov chain: sentences end
  with probability 1 and I - Q below is invertible.
* With N = (I - Q)^-1 the expected numbers of visits to each state (Q is the
  state-to-state transition matrix), the sentence entropy is
  H = sum_s N[start, s] * H(P(. | s)) and the expected number of tokens per
  sentence (words, ".", EOS) is L = sum_s N[start, s]: one token per visit.
  The **entropy rate** H / L (nats per token) is the lowest cross-entropy
  per token any model can reach on text of concatenated sentences in which
  each sentence is predicted after an ``EOS``.

Sizes: 432 vocabulary entries (430 words, "." and ``EOS``), 636 states, 9.64
tokens per sentence on average, sentence entropy 26.54 nats, entropy rate
2.7542 nats per token. Greedy decoding of the *true* distribution never ends:
after a noun, "that" (probability 0.12 or 0.15) beats every single verb, so the
argmax path is "the dog that chases the dog that chases ...".

Tokens and models
-----------------
The bundled tokenizer has one token for every word (``word_token_ids`` checks
it). ``model_next_word_logits`` returns a model's logits for the vocabulary's
words after a batch of prefixes, and ``kl_and_impossible_mass`` compares the
model tempered at T with the exact distribution::

    from tempered.lm import load_model
    from tempered.lm import grammar as g

    model, tok = load_model("grammar")
    prefixes = g.sample_prefixes(200, rng=0)
    logits = g.model_next_word_logits(model, tok, prefixes)        # (200, 432)
    res = g.kl_and_impossible_mass(prefixes, logits, [0.5, 1, 2])  # each (200, 3)
    res.kl.mean(axis=0), res.impossible_mass.mean(axis=0)
"""
from __future__ import annotations

import difflib
import functools
import math
import numbers
from collections import defaultdict
from typing import NamedTuple

import numpy as np

from .._optional import require

__all__ = [
    "EOS", "PERIOD", "Grammar", "GrammarError", "GRAMMAR", "vocabulary", "sample_sentences",
    "next_word_distribution", "sentence_logprob", "is_grammatical", "is_valid_prefix", "entropy_rate",
    "sample_prefixes", "word_token_ids", "words_to_token_ids", "token_ids_to_words",
    "model_next_token_logits", "model_next_word_logits", "kl_and_impossible_mass", "TemperatureComparison",
]

EOS = "<|endoftext|>"
PERIOD = "."


class GrammarError(RuntimeError):
    """The grammar's rules do not compile to a proper deterministic automaton."""


# --------------------------------------------------------------------------- lexicon
# (singular, plural). Order matters: earlier words are more frequent (Zipf weights).
NOUNS = {
    "person": [("girl", "girls"), ("boy", "boys"), ("woman", "women"), ("man", "men"), ("child", "children"),
               ("teacher", "teachers"), ("farmer", "farmers"), ("doctor", "doctors"), ("friend", "friends"),
               ("baker", "bakers"), ("artist", "artists"), ("sailor", "sailors"), ("student", "students"),
               ("uncle", "uncles"), ("king", "kings"), ("queen", "queens"), ("neighbour", "neighbours"),
               ("aunt", "aunts"), ("engineer", "engineers"), ("officer", "officers"), ("actor", "actors"),
               ("author", "authors")],
    "animal": [("dog", "dogs"), ("cat", "cats"), ("bird", "birds"), ("horse", "horses"), ("fox", "foxes"),
               ("mouse", "mice"), ("owl", "owls"), ("rabbit", "rabbits"), ("cow", "cows"), ("eagle", "eagles"),
               ("goat", "goats"), ("elephant", "elephants"), ("wolf", "wolves"), ("bear", "bears"),
               ("ant", "ants"), ("duck", "ducks"), ("frog", "frogs"), ("lion", "lions")],
    "food": [("apple", "apples"), ("cake", "cakes"), ("egg", "eggs"), ("pear", "pears"), ("orange", "oranges"),
             ("loaf", "loaves"), ("pie", "pies"), ("carrot", "carrots"), ("onion", "onions"), ("plum", "plums"),
             ("biscuit", "biscuits"), ("sandwich", "sandwiches")],
    "thing": [("book", "books"), ("letter", "letters"), ("ball", "balls"), ("box", "boxes"), ("key", "keys"),
              ("hat", "hats"), ("umbrella", "umbrellas"), ("map", "maps"), ("cup", "cups"), ("lamp", "lamps"),
              ("coin", "coins"), ("picture", "pictures"), ("kite", "kites"), ("envelope", "envelopes"),
              ("stone", "stones"), ("basket", "baskets"), ("ring", "rings"), ("bottle", "bottles"),
              ("bell", "bells"), ("drum", "drums")],
    "place": [("garden", "gardens"), ("house", "houses"), ("river", "rivers"), ("park", "parks"),
              ("forest", "forests"), ("kitchen", "kitchens"), ("market", "markets"), ("office", "offices"),
              ("village", "villages"), ("bridge", "bridges"), ("island", "islands"), ("hill", "hills"),
              ("orchard", "orchards"), ("library", "libraries"), ("station", "stations")],
}
ANIMATE = ("person", "animal")
NAMES = ["Anna", "Ben", "Clara", "David", "Emma", "Felix", "Grace", "Hugo", "Iris", "Jack"]

SIZE_ADJECTIVES = ["big", "small", "old", "little", "tiny", "huge", "large"]
QUALITY_ADJECTIVES = {  # each group fits the noun classes in its key
    ANIMATE: ["happy", "clever", "hungry", "tired", "brave", "angry", "kind", "lazy", "sleepy", "friendly",
              "curious", "quiet", "eager", "proud", "gentle"],
    ("food",): ["fresh", "sweet", "ripe", "warm", "delicious", "sour"],
    ("thing",): ["red", "heavy", "blue", "green", "empty", "broken", "shiny", "wooden", "yellow", "ancient"],
    ("place",): ["dark", "sunny", "busy", "peaceful", "distant", "crowded", "open"],
}

# determiner -> number it imposes ("sg", "pl" or "any"); "a" stands for a/an, chosen by the next word.
DETERMINERS = [("the", "any", 30), ("a", "sg", 15), ("my", "any", 3), ("this", "sg", 3), ("some", "pl", 3),
               ("his", "any", 2), ("her", "any", 2), ("our", "any", 2), ("their", "any", 2), ("your", "any", 2),
               ("these", "pl", 2), ("those", "pl", 2), ("many", "pl", 2), ("two", "pl", 2), ("every", "sg", 2),
               ("three", "pl", 1)]

# (plural present = base, singular present, past, subjects allowed: "A" any animate, "P" people only)
VERBS = {
    "intransitive": [("sleep", "sleeps", "slept", "A"), ("run", "runs", "ran", "A"), ("wait", "waits", "waited", "A"),
                     ("laugh", "laughs", "laughed", "P"), ("play", "plays", "played", "A"),
                     ("sing", "sings", "sang", "A"), ("jump", "jumps", "jumped", "A"),
                     ("smile", "smiles", "smiled", "P"), ("rest", "rests", "rested", "A"),
                     ("dance", "dances", "danced", "P"), ("swim", "swims", "swam", "A"),
                     ("work", "works", "worked", "P"), ("hide", "hides", "hid", "A"),
                     ("wander", "wanders", "wandered", "A"), ("cry", "cries", "cried", "P"),
                     ("arrive", "arrives", "arrived", "A")],
    "animate": [("chase", "chases", "chased", "A"), ("follow", "follows", "followed", "A"),
                ("meet", "meets", "met", "P"), ("help", "helps", "helped", "P"), ("watch", "watches", "watched", "A"),
                ("call", "calls", "called", "P"), ("visit", "visits", "visited", "P"),
                ("greet", "greets", "greeted", "P"), ("feed", "feeds", "fed", "P")],
    "any": [("see", "sees", "saw", "A"), ("find", "finds", "found", "A"), ("like", "likes", "liked", "A"),
            ("want", "wants", "wanted", "A")],
    "food": [("eat", "eats", "ate", "A"), ("cook", "cooks", "cooked", "P"), ("taste", "tastes", "tasted", "A")],
    "object": [("carry", "carries", "carried", "A"), ("hold", "holds", "held", "P"), ("buy", "buys", "bought", "P"),
               ("drop", "drops", "dropped", "A"), ("bring", "brings", "brought", "P"),
               ("sell", "sells", "sold", "P"), ("keep", "keeps", "kept", "P"), ("lose", "loses", "lost", "P")],
    "thing": [("open", "opens", "opened", "P"), ("paint", "paints", "painted", "P"), ("fix", "fixes", "fixed", "P")],
    "ditransitive": [("give", "gives", "gave", "P"), ("show", "shows", "showed", "P"),
                     ("send", "sends", "sent", "P"), ("offer", "offers", "offered", "P")],
    "clausal": [("think", "thinks", "thought", "P"), ("say", "says", "said", "P"), ("know", "knows", "knew", "P"),
                ("hope", "hopes", "hoped", "P"), ("believe", "believes", "believed", "P"),
                ("dream", "dreams", "dreamed", "P")],
}
# frame -> (weight, classes of the object NP or None)
FRAMES = {
    "intransitive": (0.32, None), "animate": (0.18, ANIMATE), "any": (0.12, ("person", "animal", "food", "thing")),
    "food": (0.06, ("food",)), "object": (0.12, ("food", "thing")), "thing": (0.05, ("thing",)),
    "ditransitive": (0.06, None), "clausal": (0.09, None),
}
ADVERBS = ["quickly", "slowly", "quietly", "happily", "again", "often", "loudly", "carefully", "today",
           "early", "late", "together"]
LOCATIVE_PREPOSITIONS = ["in", "near", "behind", "under", "beside", "across"]
CONJUNCTIONS = ["and", "but", "so", "while", "because"]

CLASS_WEIGHTS = {"person": 0.5, "animal": 0.5, "food": 0.4, "thing": 0.6, "place": 1.0}
P = dict(  # structural probabilities
    name_subject=0.12, name_object=0.10, size_adj=0.15, quality_adj=0.20, second_adj=0.25, plural_any=0.3,
    subject_relative=0.12, subject_with=0.05, subject_from=0.04, object_relative=0.15, past=0.4, adverb=0.12,
    stop=0.74, locative=0.12, with_pp=0.04, conjunction=0.10,
)


def _zipf(words, s=1.0, offset=2.0) -> dict:
    """Weights proportional to 1 / (rank + offset)^s, normalised."""
    w = np.array([1.0 / (i + offset) ** s for i in range(len(words))])
    return dict(zip(words, w / w.sum()))


def _starts_with_vowel(word: str) -> bool:
    return word[0] in "aeiou"  # every vowel-initial word here takes "an" (no "unicorn", no "hour")


# --------------------------------------------------------------------------- right-linear rules
# Nonterminals are tuples. A rule is (probability, {word: probability} or None for an empty rule, next).
CLAUSE, CE, END, COMP = ("CLAUSE",), ("CE",), ("END",), ("COMP",)


def _adv(cont):
    """The optional adverb slot before ``cont`` (idempotent: one slot, never two in a row)."""
    return cont if cont[0] == "ADV" else ("ADV", cont)


def _sentence_final(cont) -> bool:
    return cont in (CE, ("ADV", CE))


def _frame_classes(frame):
    return FRAMES[frame][1]


def _rules(nt):
    kind = nt[0]
    if kind == "CLAUSE":  # a clause: subject NP, then its VP; whatever follows is the end of the sentence
        return [(P["name_subject"], _zipf(NAMES), ("VP", "sg", "person", CE)),
                (1 - P["name_subject"], None, ("NP", "subj", ANIMATE, None))]
    if kind == "NP":  # start of a noun phrase: a determiner (or a name for animate objects)
        _, role, classes, cont = nt
        rules = []
        p_name = P["name_object"] if role == "obj" and "person" in classes else 0.0
        if p_name:
            rules.append((p_name, _zipf(NAMES), cont))
        total = sum(w for _, _, w in DETERMINERS)
        for det, number, weight in DETERMINERS:
            p = (1 - p_name) * weight / total
            if det == "a":  # split between "a" and "an" by the first letter of what follows
                base = _closure(("NPD", role, classes, "sg", 0, cont))
                vowel = sum(q for (w, _), q in base.items() if _starts_with_vowel(w))
                rules.append((p * (1 - vowel), {"a": 1.0}, ("NPD", role, classes, "a", 0, cont)))
                rules.append((p * vowel, {"an": 1.0}, ("NPD", role, classes, "an", 0, cont)))
            else:
                rules.append((p, {det: 1.0}, ("NPD", role, classes, number, 0, cont)))
        return rules
    if kind == "NPD":  # inside a noun phrase after the determiner: [size adj] [quality adj] noun
        _, role, classes, number, stage, cont = nt
        after_a = "sg" if number in ("a", "an") else number
        options = []  # (weight, words, next)
        if stage == 0:
            options.append((P["size_adj"], _zipf(SIZE_ADJECTIVES), ("NPD", role, classes, after_a, 1, cont)))
        if stage <= 1:
            p_quality = P["quality_adj"] if stage == 0 else P["second_adj"]
            weights = {}
            for group, adjectives in QUALITY_ADJECTIVES.items():
                kept = tuple(c for c in classes if c in group)
                if kept:
                    weights[kept] = (sum(CLASS_WEIGHTS[c] for c in kept), adjectives)
            total = sum(w for w, _ in weights.values())
            for kept, (w, adjectives) in weights.items():
                options.append((p_quality * w / total, _zipf(adjectives), ("NPD", role, kept, after_a, 2, cont)))
        p_noun = 1 - sum(w for w, _, _ in options)
        total = sum(CLASS_WEIGHTS[c] for c in classes)
        numbers_ = {"sg": {"sg": 1.0}, "pl": {"pl": 1.0}, "any": {"sg": 1 - P["plural_any"], "pl": P["plural_any"]},
                    "a": {"sg": 1.0}, "an": {"sg": 1.0}}[number]
        for c in classes:
            forms = NOUNS[c]
            weights = _zipf([s for s, _ in forms])
            for num, p_num in numbers_.items():
                words = {(s if num == "sg" else pl): weights[s] for s, pl in forms}
                post = ("SN", num, c) if role == "subj" else ("ON", num, c, cont)
                options.append((p_noun * CLASS_WEIGHTS[c] / total * p_num, words, post))
        if number in ("a", "an"):  # keep only the words that fit the article, renormalised
            keep = (lambda w: _starts_with_vowel(w)) if number == "an" else (lambda w: not _starts_with_vowel(w))
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
        return [(P["subject_relative"], {"that": 1.0}, ("VP", num, c, vp)),
                (P["subject_with"], {"with": 1.0}, ("NP", "obj", ("person", "animal", "thing"), vp)),
                (P["subject_from"], {"from": 1.0}, ("NP", "obj", ("place",), vp)),
                (1 - P["subject_relative"] - P["subject_with"] - P["subject_from"], None, vp)]
    if kind == "ON":  # after an object noun: people and animals may take a relative clause
        _, num, c, cont = nt
        if c in ANIMATE:
            return [(P["object_relative"], {"that": 1.0}, ("VP", num, c, cont)), (1 - P["object_relative"], None, cont)]
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
                nxt = ("NP", "obj", ANIMATE, ("NP", "obj", ("food", "thing"), _adv(cont)))
            else:
                nxt = ("NP", "obj", _frame_classes(frame), _adv(cont))
            weights = _zipf([v[0] for v in verbs])
            present = {(v[1] if num == "sg" else v[0]): weights[v[0]] for v in verbs}
            past = {v[2]: weights[v[0]] for v in verbs}
            rules.append((weight / total * (1 - P["past"]), present, nxt))
            rules.append((weight / total * P["past"], past, nxt))
        return rules
    if kind == "ADV":
        return [(P["adverb"], _zipf(ADVERBS), nt[1]), (1 - P["adverb"], None, nt[1])]
    if kind == "COMP":
        return [(1.0, {"that": 1.0}, CLAUSE)]
    if kind == "CE":  # end of a clause: the period, a PP, or a conjunction and another clause
        p_loc, p_with, p_conj = P["locative"], P["with_pp"], P["conjunction"]
        return [(P["stop"], {PERIOD: 1.0}, END),
                (p_loc, _zipf(LOCATIVE_PREPOSITIONS), ("NP", "obj", ("place",), CE)),
                (p_with, {"with": 1.0}, ("NP", "obj", ("person", "animal", "thing"), CE)),
                (p_conj, _zipf(CONJUNCTIONS), CLAUSE)]
    if kind == "END":
        return [(1.0, {EOS: 1.0}, None)]
    raise GrammarError(f"unknown nonterminal {nt!r}")



@functools.cache
def _closure(nt) -> dict:
    """{(word, next nonterminal): probability} for ``nt`` with empty rules summed away."""
    out = defaultdict(float)
    for p, words, nxt in _rules(nt):
        if p == 0:
            continue
        if words is None:
            if nxt is None:
                raise GrammarError(f"{nt!r} has an empty rule that ends the sentence")
            for key, q in _closure(nxt).items():
                out[key] += p * q
        else:
            for w, q in words.items():
                out[(w, nxt)] += p * q
    return dict(out)


def _lexicon_order() -> list[str]:
    """Every word in a readable order: function words, names, nouns, adjectives, verbs, adverbs."""
    words = ["the", "a", "an"] + [d for d, _, _ in DETERMINERS if d not in ("the", "a")]
    words += ["that", "with", "from"] + LOCATIVE_PREPOSITIONS + CONJUNCTIONS + NAMES
    for forms in NOUNS.values():
        words += [s for s, _ in forms] + [pl for _, pl in forms]
    words += SIZE_ADJECTIVES + [a for group in QUALITY_ADJECTIVES.values() for a in group]
    for verbs in VERBS.values():
        for base, sg, past, _ in verbs:
            words += [sg, base, past]
    words += ADVERBS + [PERIOD, EOS]
    seen = set()
    return [w for w in words if not (w in seen or seen.add(w))]


# --------------------------------------------------------------------------- input checks
def _as_words(words, func: str, name: str = "prefix") -> list[str]:
    if isinstance(words, str):
        return words.split()
    if isinstance(words, np.ndarray) and words.dtype.kind in "US":
        return [str(w) for w in words.tolist()]
    try:
        out = list(words)
    except TypeError:
        raise TypeError(f"{func}: {name} must be a list of words or a string, got {type(words).__name__}") from None
    bad = [w for w in out if not isinstance(w, str)]
    if bad:
        raise TypeError(f"{func}: {name} must contain words (str), found {bad[0]!r} of type {type(bad[0]).__name__}")
    return out


def _prefix_batch(prefixes, func: str):
    """(list of prefixes, whether one prefix was given). One prefix is a string or a list of
    words, the empty list included (the sentence start); anything else is a list of prefixes."""
    if isinstance(prefixes, str):
        return [prefixes], True
    try:
        items = list(prefixes)
    except TypeError:
        raise TypeError(f"{func}: prefixes must be a prefix (list of words or string) or a list of them, "
                        f"got {type(prefixes).__name__}") from None
    if all(isinstance(w, str) for w in items):
        return [items], True
    return items, False


class TemperatureComparison(NamedTuple):
    """Exact comparison of the true next-word distribution p with the model tempered at T."""

    kl: np.ndarray               #: KL(p || q_T) in nats
    impossible_mass: np.ndarray  #: q_T's total probability on tokens with p = 0


# --------------------------------------------------------------------------- the automaton
class Grammar:
    """The compiled grammar: a deterministic probabilistic automaton over words.

    Attributes
    ----------
    n_states : int
        Number of automaton states (the start state is 0).
    emission : ndarray, shape (n_states, V)
        ``emission[s, i]`` = P(next word = vocabulary()[i] | state s); rows sum to 1.
    next_state : ndarray of int, shape (n_states, V)
        The state reached by emitting word i from state s; -1 where the word is
        impossible and after ``EOS`` (the sentence is over).
    """

    def __init__(self):
        states = {CLAUSE: 0}
        order = [CLAUSE]
        table = []
        for nt in order:  # breadth-first: order grows while we iterate
            row = {}
            for (w, nxt), p in _closure(nt).items():
                if w in row and row[w][1] != nxt:
                    raise GrammarError(f"not deterministic: from {nt!r} the word {w!r} leads to "
                                       f"{row[w][1]!r} and to {nxt!r}")
                row[w] = (row.get(w, (0.0, nxt))[0] + p, nxt)
                if nxt is not None and nxt not in states:
                    states[nxt] = len(order)
                    order.append(nxt)
                    if len(order) > 20_000:
                        raise GrammarError("more than 20,000 states: a rule nests continuations without bound")
            table.append(row)
        self._vocab = tuple(_lexicon_order())
        self._index = {w: i for i, w in enumerate(self._vocab)}
        emitted = {w for row in table for w in row}
        if emitted != set(self._vocab):
            raise GrammarError(f"lexicon and rules disagree: never emitted {sorted(set(self._vocab) - emitted)}, "
                               f"not in the lexicon {sorted(emitted - set(self._vocab))}")
        n, v = len(order), len(self._vocab)
        self.nonterminals = tuple(order)
        self.n_states = n
        self.emission = np.zeros((n, v))
        self.next_state = np.full((n, v), -1, dtype=np.int64)
        for s, row in enumerate(table):
            for w, (p, nxt) in row.items():
                self.emission[s, self._index[w]] = p
                self.next_state[s, self._index[w]] = -1 if nxt is None else states[nxt]
        sums = self.emission.sum(axis=1)
        if np.abs(sums - 1).max() > 1e-12:
            raise GrammarError(f"a state's probabilities sum to {sums[np.abs(sums - 1).argmax()]!r}, not 1")
        self.emission /= sums[:, None]
        self.emission.flags.writeable = False
        self.next_state.flags.writeable = False
        # Sampling tables: the possible words of each state with their cumulative probabilities.
        self._support = [np.flatnonzero(self.emission[s]) for s in range(n)]
        self._cdf = [np.cumsum(self.emission[s, idx]) for s, idx in enumerate(self._support)]
        self._eos = self._index[EOS]
        self._compute_expectations()

    # ---------------------------------------------------------------- exact expectations
    def _compute_expectations(self):
        n = self.n_states
        Q = np.zeros((n, n))  # Q[s, s'] = P(next state s' | state s), leaving out the end of the sentence
        rows, cols = np.nonzero(self.next_state >= 0)
        np.add.at(Q, (rows, self.next_state[rows, cols]), self.emission[rows, cols])
        # Sentences end with probability 1 iff every state can reach the end (absorbing Markov chain):
        # then I - Q is invertible and its inverse holds the expected numbers of visits.
        can_end = set(np.flatnonzero(((self.next_state < 0) & (self.emission > 0)).any(axis=1)).tolist())
        frontier = list(can_end)
        while frontier:
            target = frontier.pop()
            for s in np.flatnonzero(Q[:, target] > 0).tolist():
                if s not in can_end:
                    can_end.add(s)
                    frontier.append(s)
        if len(can_end) != n:
            raise GrammarError(f"{n - len(can_end)} state(s) can never reach the end of the sentence")
        start = np.zeros(n)
        start[0] = 1.0
        visits = np.linalg.solve((np.eye(n) - Q).T, start)  # expected visits to each state per sentence
        with np.errstate(divide="ignore", invalid="ignore"):
            logs = np.where(self.emission > 0, np.log(self.emission), 0.0)
        self._state_entropy = -(self.emission * logs).sum(axis=1)
        self._visits = visits
        self._sentence_entropy = float(visits @ self._state_entropy)
        self._tokens = float(visits.sum())

    def entropy_rate(self) -> float:
        """Exact entropy of the language in nats per token (words, "." and EOS all count).

        It is H / L with H the entropy of a whole sentence and L the expected number
        of tokens per sentence: the limit of the per-token cross-entropy of the best
        possible model on a long stream of sentences, each predicted after an EOS.
        """
        return self._sentence_entropy / self._tokens

    def sentence_entropy(self) -> float:
        """Exact entropy of a whole sentence in nats: E[-log P(sentence)]."""
        return self._sentence_entropy

    def expected_tokens(self) -> float:
        """Expected number of tokens per sentence, counting "." and EOS."""
        return self._tokens

    # ---------------------------------------------------------------- vocabulary
    def vocabulary(self) -> tuple[str, ...]:
        """All words, in a fixed order that every array here is aligned with; ends with "." and ``EOS``."""
        return self._vocab

    def word_index(self, word: str) -> int:
        """Position of ``word`` in :meth:`vocabulary`; ``ValueError`` (with suggestions) if it is unknown."""
        try:
            return self._index[word]
        except (KeyError, TypeError):
            raise ValueError(self._unknown_message("word_index", word, None)) from None

    def _unknown_message(self, func, word, position):
        close = difflib.get_close_matches(str(word), self._vocab, n=3)
        where = "" if position is None else f" (position {position})"
        hint = f"; did you mean {', '.join(map(repr, close))}?" if close else "; see vocabulary()"
        return f"{func}: {word!r}{where} is not a word of the grammar{hint}"

    # ---------------------------------------------------------------- the forward pass
    def _walk(self, words):
        """State after each word: (state or -1 after EOS, index of the first impossible word or None)."""
        s = 0
        for t, w in enumerate(words):
            i = self._index.get(w)
            if i is None or s < 0 or self.emission[s, i] == 0:
                return s, t
            s = int(self.next_state[s, i])
        return s, None

    def state_after(self, prefix) -> int:
        """The automaton state reached after ``prefix`` (a list of words or a string).

        Raises ``ValueError`` naming the first unknown or impossible word; a prefix that
        already ends with ``EOS`` has no state (the sentence is over) and raises too.
        """
        words = _as_words(prefix, "state_after")
        for t, w in enumerate(words):
            if w not in self._index:
                raise ValueError(self._unknown_message("state_after", w, t))
        s, bad = self._walk(words)
        if bad is not None:
            if s < 0:
                raise ValueError(f"state_after: the sentence ended with {EOS!r} before position {bad}; "
                                 "nothing can follow the end token")
            allowed = [self._vocab[i] for i in np.argsort(-self.emission[s])[:6] if self.emission[s, i] > 0]
            raise ValueError(f"state_after: {' '.join(words[:bad + 1])!r} is not a valid prefix: "
                             f"{words[bad]!r} (position {bad}) cannot follow {' '.join(words[:bad]) or 'the start'!r}"
                             f"; likely next words are {', '.join(map(repr, allowed))}")
        if s < 0:
            raise ValueError(f"state_after: the prefix ends with {EOS!r}; the sentence is over and has no "
                             "next-word distribution")
        return s

    def next_word_distribution(self, prefix=()) -> np.ndarray:
        """Exact P(next word | prefix) as an array aligned with :meth:`vocabulary` (sums to 1).

        ``prefix`` is a list of words or a string of words separated by spaces; the
        empty prefix is the start of a sentence (the model's context ``[EOS]``).
        An unknown word, an impossible continuation or a prefix ending with ``EOS``
        raises ``ValueError``. The returned array is read-only.
        """
        words = _as_words(prefix, "next_word_distribution")
        try:
            return self.emission[self.state_after(words)]
        except ValueError as err:
            raise ValueError(str(err).replace("state_after:", "next_word_distribution:", 1)) from None

    def next_word_distributions(self, prefixes) -> np.ndarray:
        """:meth:`next_word_distribution` for each prefix, stacked into shape (n, V)."""
        return np.stack([self.next_word_distribution(p) for p in prefixes]) if len(prefixes) else \
            np.zeros((0, len(self._vocab)))

    def _sentence_words(self, words, func):
        words = _as_words(words, func, "words")
        for t, w in enumerate(words):
            if w not in self._index:
                raise ValueError(self._unknown_message(func, w, t))
        if not words or words[-1] != EOS:
            words = words + [EOS]
        return words

    def sentence_logprob(self, words) -> float:
        """Exact natural log-probability of a whole sentence; ``-inf`` if it is not in the language.

        ``words`` ends with "." (the final ``EOS``, which follows "." with probability 1,
        may be included or left out). An unknown word raises ``ValueError``.
        """
        words = self._sentence_words(words, "sentence_logprob")
        s, total = 0, 0.0
        for w in words:
            i = self._index[w]
            if s < 0 or self.emission[s, i] == 0:
                return -math.inf
            total += math.log(self.emission[s, i])
            s = int(self.next_state[s, i])
        return total if s < 0 else -math.inf

    def is_grammatical(self, words) -> bool:
        """True if ``words`` is a complete sentence of the language (ending with ".", optionally ``EOS``).

        Unknown words simply make the answer False.
        """
        words = _as_words(words, "is_grammatical", "words")
        if not words or words[-1] != EOS:
            words = words + [EOS]
        s, bad = self._walk(words)
        return bad is None and s < 0

    def is_valid_prefix(self, words) -> bool:
        """True if some sentence of the language starts with ``words`` (a complete sentence counts).

        Unknown words simply make the answer False.
        """
        _, bad = self._walk(_as_words(words, "is_valid_prefix", "words"))
        return bad is None

    # ---------------------------------------------------------------- sampling
    def sample_sentences(self, n: int, rng=None) -> list[list[str]]:
        """Draw ``n`` independent sentences; each is a list of words ending with "." (``EOS`` left out).

        ``rng`` is a ``numpy.random.Generator``, an int seed or None.
        """
        from ..sampling import as_generator

        if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 0:
            raise ValueError(f"sample_sentences: n must be an int >= 0, got {n!r}")
        rng = as_generator(rng)
        out = []
        for _ in range(int(n)):
            s, words = 0, []
            while True:
                idx, cdf = self._support[s], self._cdf[s]
                i = idx[min(int(np.searchsorted(cdf, rng.random() * cdf[-1], side="right")), len(idx) - 1)]
                if i == self._eos:
                    break
                words.append(self._vocab[i])
                s = int(self.next_state[s, i])
            out.append(words)
        return out

    def sample_prefixes(self, n: int, rng=None) -> list[list[str]]:
        """``n`` contexts as a model meets them: a sampled sentence cut before a uniformly chosen token.

        The token after the cut may be any word, "." or ``EOS``, so a prefix may be
        empty (sentence start) or a whole sentence ending with "." (next token: ``EOS``).
        """
        from ..sampling import as_generator

        rng = as_generator(rng)
        sentences = self.sample_sentences(n, rng)
        return [s[:int(rng.integers(0, len(s) + 1))] for s in sentences]


GRAMMAR = Grammar()


# --------------------------------------------------------------------------- module-level shortcuts
def vocabulary() -> tuple[str, ...]:
    """The words of :data:`GRAMMAR`, ending with "." and ``EOS``; every array is aligned with it."""
    return GRAMMAR.vocabulary()


def sample_sentences(n: int, rng=None) -> list[list[str]]:
    """``n`` sentences of :data:`GRAMMAR` (lists of words ending with "."); see :meth:`Grammar.sample_sentences`."""
    return GRAMMAR.sample_sentences(n, rng)


def sample_prefixes(n: int, rng=None) -> list[list[str]]:
    """``n`` random contexts; see :meth:`Grammar.sample_prefixes`."""
    return GRAMMAR.sample_prefixes(n, rng)


def next_word_distribution(prefix=()) -> np.ndarray:
    """Exact next-word probabilities after ``prefix``; see :meth:`Grammar.next_word_distribution`."""
    return GRAMMAR.next_word_distribution(prefix)


def sentence_logprob(words) -> float:
    """Exact log-probability of a sentence (``-inf`` if ungrammatical); see :meth:`Grammar.sentence_logprob`."""
    return GRAMMAR.sentence_logprob(words)


def is_grammatical(words) -> bool:
    """Whether ``words`` is a complete sentence of the language."""
    return GRAMMAR.is_grammatical(words)


def is_valid_prefix(words) -> bool:
    """Whether some sentence of the language starts with ``words``."""
    return GRAMMAR.is_valid_prefix(words)


def entropy_rate() -> float:
    """Exact entropy rate of the language in nats per token; see :meth:`Grammar.entropy_rate`."""
    return GRAMMAR.entropy_rate()


# --------------------------------------------------------------------------- tokens
def word_token_ids(tokenizer) -> np.ndarray:
    """Token id of every vocabulary word (aligned with :func:`vocabulary`), checking each is ONE token.

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
                raise ValueError(f"word_token_ids: the tokenizer's end token is {tokenizer.eos_token!r}, not {EOS!r}")
            ids.append(tokenizer.eos_token_id)
            continue
        pieces = tokenizer(w, add_special_tokens=False)["input_ids"]
        if len(pieces) != 1:
            raise ValueError(f"word_token_ids: {w!r} is {len(pieces)} tokens "
                             f"{tokenizer.convert_ids_to_tokens(pieces)}, not one; use the grammar model's tokenizer")
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
    """Token ids of ``words`` (one per word), preceded by ``EOS`` when ``start`` (the model's sentence start)."""
    words = _as_words(words, "words_to_token_ids", "words")
    ids = word_token_ids(tokenizer)
    out = [tokenizer.eos_token_id] if start else []
    for t, w in enumerate(words):
        if w not in GRAMMAR._index:
            raise ValueError(GRAMMAR._unknown_message("words_to_token_ids", w, t))
        out.append(int(ids[GRAMMAR._index[w]]))
    return out


def token_ids_to_words(ids, tokenizer, *, strict: bool = True) -> list[str]:
    """The words of token ids (e.g. a generation). A token that is not a word raises ``ValueError``,
    or with ``strict=False`` is kept as its token string in angle brackets, which no sentence contains.
    """
    table = {int(t): w for t, w in zip(word_token_ids(tokenizer), GRAMMAR.vocabulary())}
    out = []
    for t in np.asarray(ids).ravel().tolist():
        w = table.get(int(t))
        if w is None:
            if strict:
                raise ValueError(f"token_ids_to_words: token {t} ({tokenizer.convert_ids_to_tokens(int(t))!r}) "
                                 "is not a word of the grammar")
            w = f"<{tokenizer.convert_ids_to_tokens(int(t))}>"
        out.append(w)
    return out


# --------------------------------------------------------------------------- models
def model_next_token_logits(model, tokenizer, prefixes, *, batch_size: int = 256) -> np.ndarray:
    """The model's next-token logits (float64, shape (n, model vocabulary)) after each prefix.

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
            chunk = encoded[start:start + batch_size]
            width = max(map(len, chunk))
            ids = torch.full((len(chunk), width), tokenizer.eos_token_id, dtype=torch.long)
            mask = torch.zeros((len(chunk), width), dtype=torch.long)
            for r, seq in enumerate(chunk):
                ids[r, :len(seq)] = torch.as_tensor(seq)
                mask[r, :len(seq)] = 1
            logits = model(input_ids=ids, attention_mask=mask).logits
            last = torch.as_tensor([len(seq) - 1 for seq in chunk])
            out.append(logits[torch.arange(len(chunk)), last].double().numpy())
    return np.concatenate(out) if out else np.zeros((0, model.config.vocab_size))


def model_next_word_logits(model, tokenizer, prefixes, *, batch_size: int = 256) -> np.ndarray:
    """The model's logits for the vocabulary's words (shape (n, V), aligned with :func:`vocabulary`).

    The tokenizer has other tokens too (bytes and pieces of words); a softmax over
    these logits is the model's distribution *given that it emits a word*.
    """
    return model_next_token_logits(model, tokenizer, prefixes, batch_size=batch_size)[:, word_token_ids(tokenizer)]


def kl_and_impossible_mass(prefixes, logits, T, *, token_ids=None) -> TemperatureComparison:
    """Exact KL(p || q_T) and impossible mass, p the true next-word distribution, q_T = softmax(logits / T).

    Parameters
    ----------
    prefixes : a prefix (list of words or string; ``[]`` is the sentence start) or a list of n prefixes
    logits : array, shape (V,) or (n, V)
        Model logits over the vocabulary's words (``model_next_word_logits``), or, with
        ``token_ids``, over the model's whole vocabulary (``model_next_token_logits``).
    T : float or 1-D array of temperatures >= 0 (0 and inf are the limits)
    token_ids : array of the words' token ids (``word_token_ids(tokenizer)``), optional
        Given, q_T is over every token, and tokens that are not words count as impossible.

    Returns ``TemperatureComparison(kl, impossible_mass)``, each of shape
    (n, len(T)), with the n axis dropped for a single prefix and the T axis for a scalar T.
    ``impossible_mass`` is the probability q_T gives to continuations with p = 0;
    ``kl`` is ``inf`` where q_T is 0 on a possible word (e.g. at T = 0).
    """
    from ..softmax import log_softmax

    plist, single = _prefix_batch(prefixes, "kl_and_impossible_mass")
    p = GRAMMAR.next_word_distributions(plist)
    u = np.asarray(logits, dtype=np.float64)
    if u.ndim == 1:
        u = u[None]
    if u.ndim != 2 or u.shape[0] != p.shape[0]:
        raise ValueError(f"kl_and_impossible_mass: logits must have shape (V,) or (n, V) for {p.shape[0]} "
                         f"prefix(es), got {np.shape(logits)}")
    if token_ids is not None:
        token_ids = np.asarray(token_ids)
        if token_ids.shape != (p.shape[1],):
            raise ValueError(f"kl_and_impossible_mass: token_ids must have one id per word ({p.shape[1]})")
        full = np.zeros((p.shape[0], u.shape[1]))
        full[:, token_ids] = p
        p = full
    if u.shape[1] != p.shape[1]:
        raise ValueError(f"kl_and_impossible_mass: logits have {u.shape[1]} columns but the vocabulary has "
                         f"{p.shape[1]} words; pass token_ids for logits over the whole model vocabulary")
    temps = np.atleast_1d(np.asarray(T, dtype=np.float64))
    if temps.ndim != 1:
        raise ValueError("kl_and_impossible_mass: T must be a number or a 1-D array of numbers")
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
