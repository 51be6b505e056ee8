"""Per-token against sequence tempering: the finite-language formulas, the tempered
grammar (Grammar.tempered) and the grammar's sequence normaliser, each checked by a
second route."""

import math

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.optimize import brentq
from scipy.sparse.linalg import eigs

from tempered.lm import grammar as g
from tempered.lm import sequence_tempering as st
from tempered.lm.grammar import GRAMMAR

WORKED = {("A", "a1"): 0.3, ("A", "a2"): 0.3, ("B", "b"): 0.4}


def closed_form_per_token(T):
    qa = 0.6 ** (1 / T) / (0.6 ** (1 / T) + 0.4 ** (1 / T))
    return np.array([qa / 2, qa / 2, 1 - qa])


@pytest.mark.parametrize("T", [0.1, 0.25, 0.5, 1.0, 2.0, 7.0])
def test_the_worked_example_by_its_closed_form(T):
    np.testing.assert_allclose(
        st.per_token_tempering(WORKED, T), closed_form_per_token(T)
    )
    w = np.array([0.3, 0.3, 0.4]) ** (1 / T)
    np.testing.assert_allclose(st.sequence_tempering(WORKED, T), w / w.sum())


def test_the_limits_greedy_mode_and_uniform():
    np.testing.assert_allclose(st.per_token_tempering(WORKED, 0), [0.5, 0.5, 0])
    np.testing.assert_allclose(st.sequence_tempering(WORKED, 0), [0, 0, 1])
    np.testing.assert_allclose(
        st.per_token_tempering(WORKED, np.inf), [0.25, 0.25, 0.5]
    )
    np.testing.assert_allclose(st.sequence_tempering(WORKED, np.inf), [1 / 3] * 3)


def test_theorem_path_factor_on_a_language_with_prefix_texts():
    # "a" is a complete text and a prefix of others: ending is one more choice.
    texts = {"a": 0.2, "a b": 0.3, "a c d": 0.1, "e": 0.4, "a c": 0.0}
    p = np.array(list(texts.values()))
    for T in (0.3, 1.0, 2.5):
        q = st.per_token_tempering(texts, T)
        assert q.sum() == pytest.approx(1.0)
        assert q[-1] == 0.0  # tempering keeps the support
        # C_T(x) = product of the normalisers along the path
        z_start = 0.6 ** (1 / T) + 0.4 ** (1 / T)
        z_a = sum((m / 0.6) ** (1 / T) for m in (0.2, 0.3, 0.1))
        z_ac = 1.0
        C = [z_start * z_a, z_start * z_a, z_start * z_a * z_ac, z_start]
        np.testing.assert_allclose(q[:4], p[:4] ** (1 / T) / C)
    np.testing.assert_allclose(st.per_token_tempering(texts, 1.0), p)


@pytest.mark.parametrize(
    ("texts", "message"),
    [
        ([("a",)], "texts must be a non-empty mapping"),
        ({}, "texts must be a non-empty mapping"),
        ({"a": 0.5, "b": 0.4}, "sum to 1"),
        ({"a": 1.5, "b": -0.5}, ">= 0"),
        ({"a b": 0.5, ("a", "b"): 0.5}, "two texts are the same"),
    ],
)
def test_bad_languages_are_rejected(texts, message):
    error = TypeError if "mapping" in message else ValueError
    with pytest.raises(error, match=f"per_token_tempering: .*{message}"):
        st.per_token_tempering(texts, 1.0)


def test_bad_temperatures_are_rejected():
    with pytest.raises(ValueError, match="sequence_tempering: T must be >= 0"):
        st.sequence_tempering(WORKED, -1)
    with pytest.raises(ValueError, match="log_sequence_normaliser: T must be a finite"):
        st.log_sequence_normaliser(0)
    with pytest.raises(ValueError, match="partial_normalisers: max_tokens"):
        st.partial_normalisers(1.0, [0])


# ------------------------------------------------------------------- the grammar
def test_tempered_grammar_is_per_token_tempering_step_by_step():
    T = 0.6
    GT = GRAMMAR.tempered(T)
    assert GT.temperature == T and GT.tempered(2.0).temperature == pytest.approx(1.2)
    np.testing.assert_allclose(GT.emission.sum(axis=1), 1.0)
    for words in GRAMMAR.sample_sentences(30, rng=4):
        s, total = 0, 0.0
        for w in list(words) + [g.EOS]:
            row = GRAMMAR.emission[s]
            i = GRAMMAR.word_index(w)
            total += math.log(row[i] ** (1 / T) / (row[row > 0] ** (1 / T)).sum())
            s = GRAMMAR.next_state[s, i]
        assert GT.sentence_logprob(words) == pytest.approx(total, rel=1e-12)
    np.testing.assert_allclose(GRAMMAR.tempered(1.0).emission, GRAMMAR.emission)


def test_tempered_grammar_expected_length_by_monte_carlo():
    GT = GRAMMAR.tempered(1.5)
    lengths = [len(s) + 1 for s in GT.sample_sentences(4000, rng=3)]  # + EOS
    se = np.std(lengths) / math.sqrt(len(lengths))
    assert abs(np.mean(lengths) - GT.expected_tokens()) < 5 * se
    assert GT.expected_tokens() > GRAMMAR.expected_tokens()


def test_tempered_grammar_rejects_zero_and_underflow():
    with pytest.raises(ValueError, match="Grammar.tempered: T = 0"):
        GRAMMAR.tempered(0)
    with pytest.raises(ValueError, match="Grammar.tempered: at T = 0.001"):
        GRAMMAR.tempered(0.001)
    with pytest.raises(ValueError, match="Grammar.tempered: T must be >= 0"):
        GRAMMAR.tempered(-1)


def _scipy_radius(T):
    M, _ = st.sequence_matrix(T)
    return abs(eigs(sp.csr_matrix(M), k=1, which="LM", return_eigenvectors=False)[0])


def test_sequence_normaliser_threshold_and_radius_by_scipy():
    assert st.log_sequence_normaliser(1.0) == pytest.approx(0.0, abs=1e-12)
    assert st.spectral_radius(1.0) == pytest.approx(_scipy_radius(1.0), rel=1e-9)
    T_star = st.sequence_threshold()
    assert T_star == pytest.approx(
        brentq(lambda T: _scipy_radius(T) - 1, 1.0, 1.5, xtol=1e-10), rel=1e-7
    )
    assert 1.07 < T_star < 1.075
    assert math.isfinite(st.log_sequence_normaliser(0.999 * T_star))
    assert st.log_sequence_normaliser(1.001 * T_star) == math.inf


def test_sequence_normaliser_is_the_limit_of_the_partial_sums():
    sums = st.partial_normalisers(0.8, [10, 100, 400])
    assert np.all(np.diff(sums) >= 0)
    assert sums[-1] == pytest.approx(math.exp(st.log_sequence_normaliser(0.8)))
    above = st.partial_normalisers(1.2, [100, 200])
    assert above[1] > 1e10 * above[0]  # geometric growth: the series diverges


def test_sequence_normaliser_by_monte_carlo():
    # Z_T = E_p[p(x)^(1/T - 1)]; at T = 0.5 that is E_p[p(x)].
    lp = np.array(
        [GRAMMAR.sentence_logprob(s) for s in GRAMMAR.sample_sentences(4000, rng=11)]
    )
    assert np.mean(np.exp(lp)) / math.exp(
        st.log_sequence_normaliser(0.5)
    ) == pytest.approx(1, abs=0.25)
