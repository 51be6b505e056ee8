"""The ground-truth grammar: exact distributions, sampling, entropy rate, and the
bundled model trained on it."""

import math

import numpy as np
import pytest
import scipy.stats

from tempered.lm import grammar as g
from tempered.lm.grammar import EOS
from tempered.lm.grammar import GRAMMAR
from tempered.lm.grammar import rules as grammar_rules

V = len(g.vocabulary())


def chi_square_pvalue(counts, p):
    """Goodness of fit of counts to p; categories expected < 5 times are pooled."""
    counts = np.asarray(counts, dtype=float)
    expected = p * counts.sum()
    big = expected >= 5
    observed = np.append(counts[big], counts[~big].sum())
    wanted = np.append(expected[big], expected[~big].sum())
    if wanted[-1] == 0:
        observed, wanted = observed[:-1], wanted[:-1]
    wanted *= observed.sum() / wanted.sum()
    return scipy.stats.chisquare(observed, wanted).pvalue


def sample_from_rules(n, rng):
    """Sentences drawn by expanding the right-linear rules top-down, without the
    compiled automaton."""
    tables = {}

    def table(nt):
        if nt not in tables:
            rules = grammar_rules.rules_for(nt)
            probs = np.array([p for p, _, _ in rules])
            words = [
                None if ws is None else (list(ws), np.cumsum(list(ws.values())))
                for _, ws, _ in rules
            ]
            tables[nt] = (np.cumsum(probs), words, [nxt for _, _, nxt in rules])
        return tables[nt]

    out = []
    for _ in range(n):
        nt, words = g.CLAUSE, []
        while nt is not None:
            cdf, choices, nexts = table(nt)
            k = min(
                int(np.searchsorted(cdf, rng.random() * cdf[-1], side="right")),
                len(cdf) - 1,
            )
            if choices[k] is not None:
                ws, wcdf = choices[k]
                words.append(
                    ws[
                        min(
                            int(
                                np.searchsorted(
                                    wcdf, rng.random() * wcdf[-1], side="right"
                                )
                            ),
                            len(ws) - 1,
                        )
                    ]
                )
            nt = nexts[k]
        out.append(words)
    return out


def state_counts(sentences):
    """(visits, next-word counts) per automaton state over the sentences, EOS too."""
    visits = np.zeros((GRAMMAR.n_states, V))
    for words in sentences:
        s = 0
        for w in words:
            i = GRAMMAR.word_index(w)
            visits[s, i] += 1
            s = GRAMMAR.next_state[s, i]
    return visits


@pytest.fixture(scope="module")
def sampled():
    return GRAMMAR.sample_sentences(8000, np.random.default_rng(2024))


# ----------------------------------------------------------------------- the automaton
def test_vocabulary_and_rows():
    vocab = g.vocabulary()
    assert len(vocab) == len(set(vocab)) > 300
    assert vocab[-2:] == (".", EOS)
    assert np.allclose(GRAMMAR.emission.sum(axis=1), 1, atol=1e-12)
    assert (GRAMMAR.emission >= 0).all()
    # every word is possible somewhere; a word is possible exactly where it leads
    # somewhere (or ends)
    assert (GRAMMAR.emission.max(axis=0) > 0).all()
    leads = GRAMMAR.next_state >= 0
    assert (leads <= (GRAMMAR.emission > 0)).all()
    assert ((GRAMMAR.emission > 0) & ~leads)[
        :, :-1
    ].sum() == 0  # only EOS ends a sentence


def test_examples_from_the_docstring_are_sentences():
    for text in [
        "the dog sleeps .",
        "an old farmer gives the hungry cats a cake .",
        "the girls that chase the dog laugh quietly in the garden .",
        "Anna thinks that the children with the red ball saw an eagle .",
    ]:
        assert g.is_grammatical(text), text
        assert g.is_grammatical(text.split() + [EOS])
        assert math.isfinite(g.sentence_logprob(text))


@pytest.mark.parametrize(
    "prefix, possible, impossible",
    [
        (
            "a",
            ["big", "dog", "girl", "clever"],
            ["owl", "old", "dogs", "apple", "red", "."],
        ),  # subjects are animate
        ("Anna eats a", ["pear", "big", "fresh"], ["apple", "old", "dog", "pears"]),
        ("Anna eats an", ["apple", "old", "egg"], ["pear", "big", "eggs", "an"]),
        ("the dogs", ["sleep", "slept", "that", "with"], ["sleeps", "dog", "."]),
        ("the dog", ["sleeps", "slept"], ["sleep", "thinks"]),  # animals do not think
        (
            "the dogs that chase the cat",
            ["sleep", "that", "quickly"],
            ["sleeps", "."],
        ),  # agreement across a clause
        ("the girl thinks", ["that"], ["the", "."]),
        ("Anna eats the", ["apple", "fresh", "big"], ["dog", "red", "."]),
        ("the dog sleeps", [".", "in", "quietly", "and"], ["the", "dog", EOS]),
        ("the dog sleeps .", [EOS], ["the", "."]),
    ],
)
def test_zero_mass_exactly_on_impossible_words(prefix, possible, impossible):
    p = g.next_word_distribution(prefix)
    assert p.sum() == pytest.approx(1, abs=1e-12)
    for w in possible:
        assert p[GRAMMAR.word_index(w)] > 0, w
        assert g.is_valid_prefix(prefix.split() + [w])
    for w in impossible:
        assert p[GRAMMAR.word_index(w)] == 0, w
        assert not g.is_valid_prefix(prefix.split() + [w])


def test_support_matches_validity_on_sampled_prefixes():
    vocab = g.vocabulary()
    for prefix in g.sample_prefixes(40, np.random.default_rng(5)):
        if prefix and prefix[-1] == ".":
            continue
        p = g.next_word_distribution(prefix)
        valid = np.array([g.is_valid_prefix(prefix + [w]) for w in vocab])
        assert np.array_equal(valid, p > 0), prefix


def test_rule_sampler_and_compiled_distributions_agree():
    """Sentences expanded from the raw rules are all grammatical and, state by state,
    follow the rows."""
    sentences = sample_from_rules(3000, np.random.default_rng(7))
    assert all(s[-2:] == [".", EOS] and g.is_grammatical(s) for s in sentences)
    counts = state_counts(sentences)
    busiest = np.argsort(-counts.sum(axis=1))[:12]
    pvalues = [chi_square_pvalue(counts[s], GRAMMAR.emission[s]) for s in busiest]
    assert min(pvalues) > 1e-4, pvalues


def test_empirical_next_word_frequencies(sampled):
    """Next-word counts in sampled sentences after fixed prefixes match
    next_word_distribution."""
    for prefix in [[], ["the"], ["a"], ["this"], ["Anna"]]:
        k = len(prefix)
        nexts = [(s + [EOS])[k] for s in sampled if s[:k] == prefix]
        assert len(nexts) > 150, prefix
        counts = np.bincount([GRAMMAR.word_index(w) for w in nexts], minlength=V)
        p = g.next_word_distribution(prefix)
        assert counts[p == 0].sum() == 0
        assert chi_square_pvalue(counts, p) > 1e-4, prefix


def test_sentence_logprob_is_the_product_of_next_word_probabilities(sampled):
    for words in sampled[:60]:
        chain = sum(
            math.log(g.next_word_distribution(words[:t])[GRAMMAR.word_index(w)])
            for t, w in enumerate(words + [EOS])
        )
        assert g.sentence_logprob(words) == pytest.approx(chain, abs=1e-9)
        assert g.sentence_logprob(words + [EOS]) == g.sentence_logprob(words)
    assert g.sentence_logprob("the dog sleep .") == -math.inf
    assert (
        g.sentence_logprob("the dog sleeps") == -math.inf
    )  # no period: not a sentence
    assert g.sentence_logprob("the dog sleeps . the") == -math.inf
    assert not g.is_grammatical("the dog sleeps") and g.is_valid_prefix(
        "the dog sleeps"
    )
    assert not g.is_grammatical("the dgo sleeps .") and not g.is_valid_prefix("the dgo")


def test_entropy_rate_exact_by_two_routes_and_by_monte_carlo(sampled):
    # Route 2: push the distribution over states forward step by step (no linear solve).
    Q = np.zeros((GRAMMAR.n_states, GRAMMAR.n_states))
    rows, cols = np.nonzero(GRAMMAR.next_state >= 0)
    np.add.at(Q, (rows, GRAMMAR.next_state[rows, cols]), GRAMMAR.emission[rows, cols])
    logs = np.log(np.where(GRAMMAR.emission > 0, GRAMMAR.emission, 1))
    h = -(GRAMMAR.emission * logs).sum(axis=1)
    mass = np.zeros(GRAMMAR.n_states)
    mass[0] = 1
    H = L = 0.0
    for _ in range(2000):
        H, L = H + mass @ h, L + mass.sum()
        mass = mass @ Q
        if mass.sum() < 1e-15:
            break
    assert mass.sum() < 1e-15  # every sentence ends: total probability 1
    assert GRAMMAR.sentence_entropy() == pytest.approx(H, rel=1e-10)
    assert GRAMMAR.expected_tokens() == pytest.approx(L, rel=1e-10)
    assert g.entropy_rate() == pytest.approx(H / L, rel=1e-10)
    # Monte Carlo: -log P per token over sampled sentences (seeded; about 4 standard
    # errors of slack)
    nll = np.array([-g.sentence_logprob(s) for s in sampled])
    tokens = np.array([len(s) + 1 for s in sampled])
    assert tokens.mean() == pytest.approx(L, rel=0.03)
    assert nll.sum() / tokens.sum() == pytest.approx(g.entropy_rate(), abs=0.03)


def test_sample_prefixes_and_sentences_are_seeded():
    assert g.sample_sentences(5, 3) == g.sample_sentences(5, np.random.default_rng(3))
    prefixes = g.sample_prefixes(30, 1)
    assert all(g.is_valid_prefix(p) for p in prefixes)
    assert all(s[-1] == "." for s in g.sample_sentences(30, 2))


def test_bad_input_raises_clear_errors():
    with pytest.raises(ValueError, match=r"'dgo' \(position 1\) is not a word.*'dog'"):
        g.next_word_distribution(["the", "dgo"])
    with pytest.raises(
        ValueError, match="not a valid prefix: 'sleeps' .*cannot follow 'the dogs'"
    ):
        g.next_word_distribution("the dogs sleeps")
    with pytest.raises(ValueError, match="sentence is over"):
        g.next_word_distribution(["the", "dog", "sleeps", ".", EOS])
    with pytest.raises(ValueError, match="nothing can follow"):
        g.next_word_distribution(["the", "dog", "sleeps", ".", EOS, "the"])
    with pytest.raises(TypeError, match="must contain words"):
        g.next_word_distribution(["the", 3])
    with pytest.raises(TypeError, match="list of words or a string"):
        g.next_word_distribution(42)
    with pytest.raises(ValueError, match="'kat' .* not a word"):
        g.sentence_logprob("the kat sleeps .")
    with pytest.raises(ValueError, match="n must be an int"):
        g.sample_sentences(-1)
    with pytest.raises(ValueError, match="not a word"):
        GRAMMAR.word_index("zebra")
    with pytest.raises(ValueError, match="shape"):
        g.kl_and_impossible_mass(["the"], np.zeros((2, V)), 1.0)
    with pytest.raises(ValueError, match="token_ids"):
        g.kl_and_impossible_mass(["the"], np.zeros(V + 5), 1.0)
    with pytest.raises(ValueError, match="T must be >= 0"):
        g.kl_and_impossible_mass(["the"], np.zeros(V), -1.0)
    with pytest.raises(ValueError, match="not a valid prefix"):
        g.kl_and_impossible_mass("a apple", np.zeros(V), 1.0)


def test_kl_and_impossible_mass_on_known_logits():
    prefixes = [[], ["the", "dogs"], ["the", "dog", "sleeps", "."]]
    p = GRAMMAR.next_word_distributions(prefixes)
    with np.errstate(divide="ignore"):
        exact = np.log(p)  # the truth itself: -inf on impossible words
    res = g.kl_and_impossible_mass(prefixes, exact, [0.5, 1.0, 2.0])
    assert res.kl.shape == res.impossible_mass.shape == (3, 3)
    assert np.allclose(res.kl[:, 1], 0, atol=1e-12) and np.all(res.impossible_mass == 0)
    assert (res.kl[:2, [0, 2]] > 0).all()
    # finite logits: compare with a direct computation, and the T -> inf limit is
    # uniform
    u = np.where(p > 0, np.log(np.where(p > 0, p, 1)), -3.0)
    for T in (0.7, 1.0, 1.6):
        q = np.exp(u / T) / np.exp(u / T).sum(axis=1, keepdims=True)
        kl = (p * np.log(np.where(p > 0, p / q, 1))).sum(axis=1)
        res = g.kl_and_impossible_mass(prefixes, u, T)
        assert np.allclose(res.kl, kl) and np.allclose(
            res.impossible_mass, np.where(p == 0, q, 0).sum(axis=1)
        )
    single = g.kl_and_impossible_mass("the dogs", u[1], np.inf)
    assert single.impossible_mass == pytest.approx(1 - (p[1] > 0).sum() / V)
    assert (
        g.kl_and_impossible_mass("the dogs", u[1], 0.0).kl == np.inf
    )  # greedy misses possible words


# ------------------------------------------------------------------- the bundled model
@pytest.fixture(scope="module")
def bundled():
    """The bundled model, run on one thread: its batches are tiny, and a busy machine
    slows threads down."""
    import torch

    from tempered.lm import load_model

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield load_model("grammar")
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def prefixes():
    return g.sample_prefixes(200, np.random.default_rng(11))


def test_every_word_is_one_token_of_the_bundled_tokenizer(bundled):
    _, tok = bundled
    ids = g.word_token_ids(tok)
    assert len(ids) == V and len(set(ids.tolist())) == V
    for w, i in zip(g.vocabulary()[:-1], ids[:-1]):
        assert tok(w, add_special_tokens=False)["input_ids"] == [i]
        assert tok(f"the {w}", add_special_tokens=False)["input_ids"][-1] == i
    assert ids[-1] == tok.eos_token_id
    sentence = "Anna thinks that the children with the red ball saw an eagle ."
    assert tok(sentence)["input_ids"] == g.words_to_token_ids(
        sentence, tok, start=False
    )
    assert (
        g.token_ids_to_words(g.words_to_token_ids(sentence, tok), tok)
        == [EOS] + sentence.split()
    )


def test_bundled_model_is_close_to_the_truth_and_best_near_T_1(bundled, prefixes):
    model, tok = bundled
    logits = g.model_next_word_logits(model, tok, prefixes)
    assert logits.shape == (len(prefixes), V)
    res = g.kl_and_impossible_mass(prefixes, logits, [0.5, 0.8, 1.0, 1.25, 2.0])
    mean_kl, mass = res.kl.mean(axis=0), res.impossible_mass.mean(axis=0)
    # measured on these prefixes: KL 0.42, 0.037, 0.0049, 0.034, 0.25; impossible mass
    # 3e-5, 6e-4, 0.0025, 0.0096, 0.10
    assert mean_kl[2] < 0.02, mean_kl
    assert np.argmin(mean_kl) == 2, mean_kl  # smallest at T = 1 among these
    assert np.all(np.diff(mass) > 0) and mass[2] < 0.01, (
        mass
    )  # impossible mass grows with T
    # over the whole model vocabulary, the non-word tokens add almost nothing at T = 1
    full = g.model_next_token_logits(model, tok, prefixes[:50])
    res_full = g.kl_and_impossible_mass(
        prefixes[:50], full, 1.0, token_ids=g.word_token_ids(tok)
    )
    assert res_full.impossible_mass.mean() < 0.01


def test_bundled_model_generates_grammatical_sentences(bundled):
    import torch

    model, tok = bundled
    start = torch.full((40, 1), tok.eos_token_id)
    torch.manual_seed(0)
    out = model.generate(
        start,
        attention_mask=torch.ones_like(start),
        do_sample=True,
        temperature=1.0,
        top_k=0,
        top_p=1.0,
        max_new_tokens=60,
        pad_token_id=tok.eos_token_id,
    )
    sentences = []
    for row in out[:, 1:].tolist():
        words = g.token_ids_to_words(row, tok, strict=False)
        sentences.append(words[: words.index(EOS) + 1] if EOS in words else words)
    share = np.mean([g.is_grammatical(s) for s in sentences])
    assert share >= 0.85, [" ".join(s) for s in sentences if not g.is_grammatical(s)]
    # Greedy decoding stays inside the language, but need not end: the truth's own
    # argmax path loops ("the dog that chases the dog that chases ..."), since after a
    # noun "that" beats every single verb.
    greedy = model.generate(
        start[:1],
        attention_mask=torch.ones_like(start[:1]),
        do_sample=False,
        max_new_tokens=30,
        pad_token_id=tok.eos_token_id,
    )
    words = g.token_ids_to_words(greedy[0, 1:], tok)
    assert g.is_valid_prefix(words), words
    truth, s = [], 0
    for _ in range(12):
        i = int(np.argmax(GRAMMAR.emission[s]))
        truth.append(g.vocabulary()[i])
        s = GRAMMAR.next_state[s, i]
    assert truth[:4] == ["the", "dog", "that", "chases"] and truth[4:8] == truth[:4]
    assert words[:4] == truth[:4]


def test_kl_minimising_temperature_recovers_a_known_temperature():
    # logits that are 0.7 times the truth's log-probabilities: the model is the truth
    # tempered at 1/0.7, so tempering it at T = 0.7 gives the truth back.
    prefixes = g.sample_prefixes(100, np.random.default_rng(5))
    p = GRAMMAR.next_word_distributions(prefixes)
    with np.errstate(divide="ignore"):
        u = np.where(p > 0, 0.7 * np.log(p), -np.inf)
    T = g.kl_minimising_temperature(prefixes, u)
    assert T == pytest.approx(0.7, rel=1e-9)
    assert g.kl_and_impossible_mass(prefixes, u, T).kl.max() < 1e-12
    # over a larger vocabulary, with the words' columns named by token ids
    ids = np.arange(V) * 2 + 1
    wide = np.full((len(prefixes), 2 * V + 1), -5.0)
    wide[:, ids] = np.where(p > 0, 0.7 * np.log(np.where(p > 0, p, 1)), -20.0)
    T_wide = g.kl_minimising_temperature(prefixes, wide, token_ids=ids)
    kl = lambda t: g.kl_and_impossible_mass(prefixes, wide, t, token_ids=ids).kl.mean()
    assert kl(T_wide) < min(kl(T_wide * 0.99), kl(T_wide * 1.01))


def test_kl_minimising_temperature_errors():
    prefixes = [[], ["the"]]
    p = GRAMMAR.next_word_distributions(prefixes)
    u = np.where(p > 0, 0.0, -np.inf)
    u[0, np.flatnonzero(p[0])[0]] = -np.inf
    with pytest.raises(ValueError, match="kl_minimising_temperature: a possible word"):
        g.kl_minimising_temperature(prefixes, u)
    with np.errstate(divide="ignore"):
        sharp = np.where(p > 0, np.log(p) / 1e3, -np.inf)  # truth at T = 1e-3
    with pytest.raises(ValueError, match="kl_minimising_temperature: the mean KL has"):
        g.kl_minimising_temperature(prefixes, sharp)
    with pytest.raises(ValueError, match="kl_minimising_temperature: bracket"):
        g.kl_minimising_temperature(prefixes, np.zeros_like(p), bracket=(1, 0.5))
    with pytest.raises(ValueError, match="kl_minimising_temperature: logits must"):
        g.kl_minimising_temperature(prefixes, np.zeros(V))


def test_grammatical_share_counts_finished_grammatical_samples(bundled):
    model, tok = bundled
    share = g.grammatical_share(model, tok, 1.0, n=40, seed=0, max_new_tokens=60)
    assert 0.85 <= share <= 1 and (share * 40) % 1 == 0
    assert (
        g.grammatical_share(model, tok, 1.0, n=40, seed=0, max_new_tokens=60) == share
    )
    # two tokens are too few for any sentence to finish ("the dog ." needs four)
    assert g.grammatical_share(model, tok, 1.0, n=10, max_new_tokens=2) == 0.0
    assert g.grammatical_share(model, tok, 3.0, n=40, seed=0) < share
