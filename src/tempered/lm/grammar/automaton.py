"""The compiled grammar: a deterministic probabilistic automaton over words.

:class:`Grammar` compiles the rules of :mod:`tempered.lm.grammar.rules` into
emission and transition tables and computes from them, exactly, the next-word
distribution after any prefix, the probability of a sentence and the entropy
rate. :data:`GRAMMAR` is the compiled grammar; the module-level functions
(:func:`next_word_distribution`, ...) are shortcuts to its methods.
"""

from __future__ import annotations

import difflib
import math

import numpy as np

from ..._validate import check_count
from ..._validate import check_temperature
from ...sampling import as_generator
from ...softmax import tempered_softmax
from .lexicon import EOS
from .lexicon import lexicon_order
from .rules import CLAUSE
from .rules import GrammarError
from .rules import closure


def as_words(words, func: str, name: str = "prefix") -> list[str]:
    """``words`` (a string of words separated by spaces, or a sequence of str) as a
    list.

    Anything else raises ``TypeError`` naming ``func`` and the argument ``name``.
    """
    if isinstance(words, str):
        return words.split()
    if isinstance(words, np.ndarray) and words.dtype.kind in "US":
        return [str(w) for w in words.tolist()]
    try:
        out = list(words)
    except TypeError:
        raise TypeError(
            f"{func}: {name} must be a list of words or a string, got "
            f"{type(words).__name__}"
        ) from None
    bad = [w for w in out if not isinstance(w, str)]
    if bad:
        raise TypeError(
            f"{func}: {name} must contain words (str), found {bad[0]!r} of type "
            f"{type(bad[0]).__name__}"
        )
    return out


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
    temperature : float
        1 for the grammar itself; ``T`` for the grammar that per-token tempering
        at ``T`` samples (:meth:`tempered`).
    """

    def __init__(self):
        states = {CLAUSE: 0}
        order = [CLAUSE]
        table = []
        for nt in order:  # breadth-first: order grows while we iterate
            row = {}
            for (w, nxt), p in closure(nt).items():
                if w in row and row[w][1] != nxt:
                    raise GrammarError(
                        f"not deterministic: from {nt!r} the word {w!r} leads to "
                        f"{row[w][1]!r} and to {nxt!r}"
                    )
                row[w] = (row.get(w, (0.0, nxt))[0] + p, nxt)
                if nxt is not None and nxt not in states:
                    states[nxt] = len(order)
                    order.append(nxt)
                    if len(order) > 20_000:
                        raise GrammarError(
                            "more than 20,000 states: a rule nests continuations "
                            "without bound"
                        )
            table.append(row)
        self._vocab = tuple(lexicon_order())
        self._index = {w: i for i, w in enumerate(self._vocab)}
        emitted = {w for row in table for w in row}
        if emitted != set(self._vocab):
            raise GrammarError(
                "lexicon and rules disagree: never emitted "
                f"{sorted(set(self._vocab) - emitted)}, not in the lexicon "
                f"{sorted(emitted - set(self._vocab))}"
            )
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
            raise GrammarError(
                f"a state's probabilities sum to {sums[np.abs(sums - 1).argmax()]!r}, "
                "not 1"
            )
        self.emission /= sums[:, None]
        self.temperature = 1.0
        self._finish()

    def _finish(self):
        """Freeze the tables; build the sampling tables and the exact expectations."""
        self.emission.flags.writeable = False
        self.next_state.flags.writeable = False
        # Sampling tables: the possible words of each state with their cumulative
        # probabilities.
        self._support = [np.flatnonzero(row) for row in self.emission]
        self._cdf = [
            np.cumsum(self.emission[s, idx]) for s, idx in enumerate(self._support)
        ]
        self._eos = self._index[EOS]
        self._compute_expectations()

    def tempered(self, T) -> Grammar:
        """The language that per-token tempering at ``T`` samples, exactly.

        Sampling each word from ``P(. | s)^(1/T)``, renormalised over the state's
        possible words, is the same automaton with every emission row tempered:
        the states, the transitions and the support stay, only the probabilities
        change. So every exact quantity of the returned grammar is one of
        per-token tempering: :meth:`sentence_logprob` is log q_T^tok(x),
        :meth:`expected_tokens` the expected length at ``T``,
        :meth:`sample_sentences` draws as a decoder at ``T`` would. Its
        ``temperature`` is that of this grammar times ``T``.

        ``T`` may be ``inf`` (uniform over each state's possible words). ``T = 0``
        (the argmax of every state) raises ``ValueError``: some sentences would
        never end, as greedy decoding of the grammar never ends. So does a ``T``
        so small that a possible word's probability underflows to 0.
        """
        T = check_temperature(T, "Grammar.tempered")
        if T == 0:
            raise ValueError(
                "Grammar.tempered: T = 0 keeps only each state's most likely word, "
                "and then some sentences never end (greedy decoding loops on 'the dog "
                "that chases the dog ...'); use T > 0"
            )
        possible = self.emission > 0
        with np.errstate(divide="ignore"):
            rows = tempered_softmax(np.log(self.emission), T, axis=-1)
        if np.any(possible & (rows == 0)):
            raise ValueError(
                f"Grammar.tempered: at T = {T:g} the probability of a possible word "
                "underflows to 0; use a larger T"
            )
        new = object.__new__(Grammar)
        new.nonterminals, new.n_states = self.nonterminals, self.n_states
        new._vocab, new._index = self._vocab, self._index
        new.next_state = self.next_state
        new.emission = np.where(possible, rows, 0.0)
        new.temperature = self.temperature * T
        new._finish()
        return new

    # -------------------------------------------------------------- exact expectations
    def _compute_expectations(self):
        n = self.n_states
        Q = np.zeros(
            (n, n)
        )  # Q[s, s'] = P(next state s' | state s), leaving out the end of the sentence
        rows, cols = np.nonzero(self.next_state >= 0)
        np.add.at(Q, (rows, self.next_state[rows, cols]), self.emission[rows, cols])
        # Sentences end with probability 1 iff every state can reach the end (absorbing
        # Markov chain): then I - Q is invertible and its inverse holds the expected
        # numbers of visits.
        can_end = set(
            np.flatnonzero(
                ((self.next_state < 0) & (self.emission > 0)).any(axis=1)
            ).tolist()
        )
        frontier = list(can_end)
        while frontier:
            target = frontier.pop()
            for s in np.flatnonzero(Q[:, target] > 0).tolist():
                if s not in can_end:
                    can_end.add(s)
                    frontier.append(s)
        if len(can_end) != n:
            raise GrammarError(
                f"{n - len(can_end)} state(s) can never reach the end of the sentence"
            )
        start = np.zeros(n)
        start[0] = 1.0
        visits = np.linalg.solve(
            (np.eye(n) - Q).T, start
        )  # expected visits to each state per sentence
        with np.errstate(divide="ignore", invalid="ignore"):
            logs = np.where(self.emission > 0, np.log(self.emission), 0.0)
        self._state_entropy = -(self.emission * logs).sum(axis=1)
        self._visits = visits
        self._sentence_entropy = float(visits @ self._state_entropy)
        self._tokens = float(visits.sum())

    def entropy_rate(self) -> float:
        """Exact entropy of the language in nats per token (words, "." and EOS all
        count).

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
        """All words, in a fixed order that every array here is aligned with; ends with
        "." and ``EOS``."""
        return self._vocab

    def word_index(self, word: str) -> int:
        """Position of ``word`` in :meth:`vocabulary`; ``ValueError`` (with suggestions)
        if it is unknown."""
        try:
            return self._index[word]
        except (KeyError, TypeError):
            raise ValueError(self._unknown_message("word_index", word, None)) from None

    def word_indices(self, words, func: str = "word_indices") -> list[int]:
        """Positions of ``words`` in :meth:`vocabulary`.

        The first unknown word raises ``ValueError`` naming ``func``, the word,
        its position and close matches.
        """
        out = []
        for t, w in enumerate(words):
            i = self._index.get(w)
            if i is None:
                raise ValueError(self._unknown_message(func, w, t))
            out.append(i)
        return out

    def _unknown_message(self, func, word, position):
        close = difflib.get_close_matches(str(word), self._vocab, n=3)
        where = "" if position is None else f" (position {position})"
        hint = (
            f"; did you mean {', '.join(map(repr, close))}?"
            if close
            else "; see vocabulary()"
        )
        return f"{func}: {word!r}{where} is not a word of the grammar{hint}"

    # ---------------------------------------------------------------- the forward pass
    def _walk(self, words):
        """State after each word: (state or -1 after EOS, index of the first impossible
        word or None)."""
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
        words = as_words(prefix, "state_after")
        self.word_indices(words, "state_after")
        s, bad = self._walk(words)
        if bad is not None:
            if s < 0:
                raise ValueError(
                    f"state_after: the sentence ended with {EOS!r} before position "
                    f"{bad}; nothing can follow the end token"
                )
            allowed = [
                self._vocab[i]
                for i in np.argsort(-self.emission[s])[:6]
                if self.emission[s, i] > 0
            ]
            raise ValueError(
                f"state_after: {' '.join(words[: bad + 1])!r} is not a valid prefix: "
                f"{words[bad]!r} (position {bad}) cannot follow "
                f"{' '.join(words[:bad]) or 'the start'!r}; likely next words are "
                f"{', '.join(map(repr, allowed))}"
            )
        if s < 0:
            raise ValueError(
                f"state_after: the prefix ends with {EOS!r}; the sentence is over and "
                "has no next-word distribution"
            )
        return s

    def next_word_distribution(self, prefix=()) -> np.ndarray:
        """Exact P(next word | prefix) as an array aligned with :meth:`vocabulary` (sums
        to 1).

        ``prefix`` is a list of words or a string of words separated by spaces; the
        empty prefix is the start of a sentence (the model's context ``[EOS]``).
        An unknown word, an impossible continuation or a prefix ending with ``EOS``
        raises ``ValueError``. The returned array is read-only.
        """
        words = as_words(prefix, "next_word_distribution")
        try:
            return self.emission[self.state_after(words)]
        except ValueError as err:
            raise ValueError(
                str(err).replace("state_after:", "next_word_distribution:", 1)
            ) from None

    def next_word_distributions(self, prefixes) -> np.ndarray:
        """:meth:`next_word_distribution` for each prefix, stacked into shape (n, V)."""
        return (
            np.stack([self.next_word_distribution(p) for p in prefixes])
            if len(prefixes)
            else np.zeros((0, len(self._vocab)))
        )

    def _sentence_words(self, words, func):
        words = as_words(words, func, "words")
        self.word_indices(words, func)
        if not words or words[-1] != EOS:
            words = words + [EOS]
        return words

    def sentence_logprob(self, words) -> float:
        """Exact natural log-probability of a whole sentence; ``-inf`` if it is not in
        the language.

        ``words`` ends with "." (the final ``EOS``, which follows "." with probability
        1, may be included or left out). An unknown word raises ``ValueError``.
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
        """True if ``words`` is a complete sentence of the language (ending with ".",
        optionally ``EOS``).

        Unknown words simply make the answer False.
        """
        words = as_words(words, "is_grammatical", "words")
        if not words or words[-1] != EOS:
            words = words + [EOS]
        s, bad = self._walk(words)
        return bad is None and s < 0

    def is_valid_prefix(self, words) -> bool:
        """True if some sentence of the language starts with ``words`` (a complete
        sentence counts).

        Unknown words simply make the answer False.
        """
        _, bad = self._walk(as_words(words, "is_valid_prefix", "words"))
        return bad is None

    # ---------------------------------------------------------------- sampling
    def sample_sentences(self, n: int, rng=None) -> list[list[str]]:
        """Draw ``n`` independent sentences; each is a list of words ending with "."
        (``EOS`` left out).

        ``rng`` is a ``numpy.random.Generator``, an int seed or None.
        """
        n = check_count(n, "sample_sentences", "n", minimum=0)
        rng = as_generator(rng)
        out = []
        for _ in range(n):
            s, words = 0, []
            while True:
                idx, cdf = self._support[s], self._cdf[s]
                i = idx[
                    min(
                        int(np.searchsorted(cdf, rng.random() * cdf[-1], side="right")),
                        len(idx) - 1,
                    )
                ]
                if i == self._eos:
                    break
                words.append(self._vocab[i])
                s = int(self.next_state[s, i])
            out.append(words)
        return out

    def sample_prefixes(self, n: int, rng=None) -> list[list[str]]:
        """``n`` contexts as a model meets them: a sampled sentence cut before a
        uniformly chosen token.

        The token after the cut may be any word, "." or ``EOS``, so a prefix may be
        empty (sentence start) or a whole sentence ending with "." (next token:
        ``EOS``).
        """
        rng = as_generator(rng)
        sentences = self.sample_sentences(n, rng)
        return [s[: int(rng.integers(0, len(s) + 1))] for s in sentences]


GRAMMAR = Grammar()


# Module-level shortcuts to the methods of GRAMMAR.
def vocabulary() -> tuple[str, ...]:
    """The words of :data:`GRAMMAR`, ending with "." and ``EOS``; arrays align to it."""
    return GRAMMAR.vocabulary()


def sample_sentences(n: int, rng=None) -> list[list[str]]:
    """``n`` sentences of :data:`GRAMMAR` (lists of words ending with "."); see
    :meth:`Grammar.sample_sentences`."""
    return GRAMMAR.sample_sentences(n, rng)


def sample_prefixes(n: int, rng=None) -> list[list[str]]:
    """``n`` random contexts; see :meth:`Grammar.sample_prefixes`."""
    return GRAMMAR.sample_prefixes(n, rng)


def next_word_distribution(prefix=()) -> np.ndarray:
    """Exact next-word probabilities after ``prefix``; see
    :meth:`Grammar.next_word_distribution`."""
    return GRAMMAR.next_word_distribution(prefix)


def sentence_logprob(words) -> float:
    """Exact log-probability of a sentence (``-inf`` if ungrammatical); see
    :meth:`Grammar.sentence_logprob`."""
    return GRAMMAR.sentence_logprob(words)


def is_grammatical(words) -> bool:
    """Whether ``words`` is a complete sentence of the language."""
    return GRAMMAR.is_grammatical(words)


def is_valid_prefix(words) -> bool:
    """Whether some sentence of the language starts with ``words``."""
    return GRAMMAR.is_valid_prefix(words)


def entropy_rate() -> float:
    """Exact entropy rate of the language in nats per token; see
    :meth:`Grammar.entropy_rate`."""
    return GRAMMAR.entropy_rate()
