"""Sampling draws from softmax(logits / T): right frequencies, right shapes, never a
masked token."""

import numpy as np
import pytest
import scipy.stats

from tempered import _inverse_cdf
from tempered import gumbel_max_sample
from tempered import sample
from tempered import tempered_softmax

SAMPLERS = [sample, gumbel_max_sample]


def assert_frequencies_match(draws, p, min_pvalue=1e-6):
    """Chi-square goodness of fit; categories expected fewer than 5 times are pooled."""
    counts = np.bincount(draws.ravel(), minlength=p.size)
    assert counts[p == 0].sum() == 0, "a token of probability 0 was drawn"
    expected = p * draws.size
    big = expected >= 5
    observed = np.append(counts[big], counts[~big].sum())
    wanted = np.append(expected[big], expected[~big].sum())
    if wanted[-1] == 0:
        observed, wanted = observed[:-1], wanted[:-1]
    if wanted.size < 2:
        assert observed.sum() == draws.size
        return
    wanted *= observed.sum() / wanted.sum()  # remove rounding drift before the test
    assert scipy.stats.chisquare(observed, wanted).pvalue > min_pvalue, (
        observed,
        wanted,
    )


@pytest.mark.parametrize("func", SAMPLERS)
@pytest.mark.parametrize("T", [0.3, 1.0, 2.5])
def test_frequencies_match_the_tempered_softmax(func, T):
    u = np.array([2.0, 1.0, 0.5, -1.0, -np.inf, 0.0])
    draws = func(u, T, size=40_000, rng=np.random.default_rng(11))
    assert_frequencies_match(draws, tempered_softmax(u, T))


@pytest.mark.parametrize("func", SAMPLERS)
def test_zero_temperature_breaks_ties_uniformly_and_infinity_is_uniform(func):
    u = np.array([3.0, 1.0, 3.0, -np.inf, 3.0])
    assert_frequencies_match(
        func(u, 0, size=30_000, rng=1), np.array([1, 0, 1, 0, 1]) / 3
    )
    assert_frequencies_match(
        func(u, np.inf, size=30_000, rng=2), np.array([1, 1, 1, 0, 1]) / 4
    )


@pytest.mark.parametrize("func", SAMPLERS)
@pytest.mark.parametrize("T", [0, 1e-4, 1.0, 1e4, np.inf])
def test_masked_tokens_are_never_drawn(func, T):
    u = np.full(700, -np.inf)
    u[[3, 350, 699]] = [0.0, 1.0, -2.0]
    draws = func(u, T, size=2_000, rng=5)
    assert set(np.unique(draws)) <= {3, 350, 699}


@pytest.mark.parametrize("func", SAMPLERS)
def test_shapes(func):
    u = np.zeros((3, 2, 5))
    assert func(u, 1.0, rng=0).shape == (3, 2)
    assert func(u, 1.0, size=4, rng=0).shape == (3, 2, 4)
    assert func(u, 1.0, size=(4, 6), rng=0).shape == (3, 2, 4, 6)
    assert func(u[0, 0], 1.0, size=7, rng=0).shape == (7,)


@pytest.mark.parametrize("func", SAMPLERS)
def test_seeded_draws_repeat(func):
    u = np.linspace(-2, 2, 50)
    np.testing.assert_array_equal(
        func(u, 0.7, size=100, rng=42), func(u, 0.7, size=100, rng=42)
    )


@pytest.mark.parametrize("method", [_inverse_cdf.draw_full, _inverse_cdf.draw_blocked])
def test_both_inverse_cdf_methods_are_exact(method):
    # Evenly spread targets (i + 1/2)/N, shuffled: an exact inverse CDF gives token i
    # the N p_i targets that fall in its interval, to within one at each end. This is
    # a deterministic check, sharper than a chi-square test on random draws.
    rng = np.random.default_rng(3)
    vocab = 4 * _inverse_cdf.BLOCK
    weights = np.exp(rng.normal(size=(2, vocab)))
    weights[:, ::3] = 0.0  # zero-weight tokens throughout
    weights[1, 300:] = 0.0  # a row whose trailing blocks are empty
    n = 10_000
    uniforms = rng.permutation((np.arange(n) + 0.5) / n)
    draws = method(weights, np.stack([uniforms, uniforms]))
    for row in range(2):
        p = weights[row] / weights[row].sum()
        counts = np.bincount(draws[row], minlength=vocab)
        assert counts[p == 0].sum() == 0, "a token of probability 0 was drawn"
        assert np.all(np.abs(counts - n * p) <= 2), np.abs(counts - n * p).max()


@pytest.mark.parametrize("method", [_inverse_cdf.draw_full, _inverse_cdf.draw_blocked])
def test_a_target_at_the_very_top_lands_on_the_last_positive_token(method):
    weights = np.zeros((1, 2 * _inverse_cdf.BLOCK))
    weights[0, [5, 300]] = [1.0, 2.0]
    top = np.nextafter(1.0, 2.0)  # more than 1: rounding's worst case
    assert method(weights, np.array([[top, 0.0]])).tolist() == [[300, 5]]


def test_few_and_many_draws_use_different_methods_with_the_same_law():
    u = np.random.default_rng(4).normal(size=3000) * 2
    p = tempered_softmax(u, 0.9)
    # 20,000 rows of two draws each, in ten calls: the two-draw (blocked) method.
    rows = np.tile(u, (2000, 1))
    few = np.concatenate([sample(rows, 0.9, size=2, rng=s).ravel() for s in range(10)])
    assert_frequencies_match(few, p)
