"""A toy English whose exact next-word distribution is known: the ground truth for
chapter 6.

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

Modules
-------
``lexicon`` (the words and the weights of every choice), ``rules`` (the
right-linear rules and the elimination of empty rules), ``automaton`` (the
compiled :class:`Grammar`, :data:`GRAMMAR`, its exact quantities and
:meth:`Grammar.tempered`, the language that per-token tempering samples) and
``compare`` (tokens, a model's logits, KL and impossible mass, the temperature
of least KL, the share of grammatical samples). Every public name is available
here, as ``tempered.lm.grammar.<name>``. Sequence tempering of the grammar is
in :mod:`tempered.lm.sequence_tempering`.
"""

from __future__ import annotations

from .automaton import GRAMMAR
from .automaton import Grammar
from .automaton import entropy_rate
from .automaton import is_grammatical
from .automaton import is_valid_prefix
from .automaton import next_word_distribution
from .automaton import sample_prefixes
from .automaton import sample_sentences
from .automaton import sentence_logprob
from .automaton import vocabulary
from .compare import TemperatureComparison
from .compare import grammatical_share
from .compare import kl_and_impossible_mass
from .compare import kl_minimising_temperature
from .compare import model_next_token_logits
from .compare import model_next_word_logits
from .compare import token_ids_to_words
from .compare import word_token_ids
from .compare import words_to_token_ids
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
from .rules import CE
from .rules import CLAUSE
from .rules import COMP
from .rules import END
from .rules import GrammarError

__all__ = [
    "EOS",
    "PERIOD",
    "Grammar",
    "GrammarError",
    "GRAMMAR",
    "vocabulary",
    "sample_sentences",
    "next_word_distribution",
    "sentence_logprob",
    "is_grammatical",
    "is_valid_prefix",
    "entropy_rate",
    "sample_prefixes",
    "word_token_ids",
    "words_to_token_ids",
    "token_ids_to_words",
    "model_next_token_logits",
    "model_next_word_logits",
    "kl_and_impossible_mass",
    "kl_minimising_temperature",
    "grammatical_share",
    "TemperatureComparison",
    # the lexicon and the rules' fixed nonterminals, for readers of the grammar
    "NOUNS",
    "ANIMATE",
    "NAMES",
    "SIZE_ADJECTIVES",
    "QUALITY_ADJECTIVES",
    "DETERMINERS",
    "VERBS",
    "FRAMES",
    "ADVERBS",
    "LOCATIVE_PREPOSITIONS",
    "CONJUNCTIONS",
    "CLASS_WEIGHTS",
    "P",
    "CLAUSE",
    "CE",
    "END",
    "COMP",
]
