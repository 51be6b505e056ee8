"""Property tests: the tempered softmax keeps its promises on any input.

Logits range up to +-1e30 (some masked with -inf), temperatures from 1e-4 to 1e4.
Overflow, invalid operations and division by zero raise inside these tests,
so "no NaN, no overflow" is checked, not hoped for.
"""

import numpy as np
from hypothesis import assume
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tempered import entropy
from tempered import log_softmax
from tempered import logsumexp
from tempered import tempered_softmax

temperatures = st.floats(min_value=-4, max_value=4).map(lambda e: 10.0**e)
finite = st.floats(
    min_value=-1e30, max_value=1e30, allow_nan=False, allow_infinity=False
)


@st.composite
def logit_vectors(draw, dtype=np.float64, max_size=12):
    """Vectors of logits, some masked with -inf, at least one finite."""
    n = draw(st.integers(1, max_size))
    u = draw(hnp.arrays(np.float64, n, elements=finite))
    masked = draw(hnp.arrays(bool, n))
    masked[draw(st.integers(0, n - 1))] = False
    u[masked] = -np.inf
    return u.astype(dtype)


strict = dict(over="raise", invalid="raise", divide="raise")


@given(logit_vectors(), temperatures)
def test_sums_to_one_and_is_a_distribution(u, T):
    with np.errstate(**strict):
        p = tempered_softmax(u, T)
    assert np.isfinite(p).all() and (p >= 0).all()
    assert abs(p.sum() - 1) < 1e-12 * u.size
    assert (p[np.isneginf(u)] == 0).all()


@given(logit_vectors(dtype=np.float32), temperatures)
def test_float32_extremes_give_no_nan_and_no_overflow(u, T):
    with np.errstate(**strict):
        p = tempered_softmax(u, T)
        lp = log_softmax(u, T)
    assert p.dtype == np.float32 and np.isfinite(p).all()
    assert abs(float(p.sum()) - 1) < 1e-5 * u.size
    assert not np.isnan(lp).any() and not np.isposinf(lp).any()


@given(logit_vectors(), temperatures)
def test_rank_order_is_kept(u, T):
    p = tempered_softmax(u, T)
    i, j = np.meshgrid(np.arange(u.size), np.arange(u.size), indexing="ij")
    assert (
        p[i][u[i] > u[j]] >= p[j][u[i] > u[j]]
    ).all()  # larger logit, no smaller probability
    assert (
        p[i][u[i] == u[j]] == p[j][u[i] == u[j]]
    ).all()  # ties get equal probability


@given(
    hnp.arrays(np.int64, st.integers(1, 12), elements=st.integers(-8000, 8000)),
    st.integers(-8000, 8000),
    temperatures,
)
def test_shift_invariance(k, shift, T):
    # Multiples of 1/8 and integer shifts are exact in float64, so the result must not
    # move at all.
    u = k / 8.0
    np.testing.assert_array_equal(
        tempered_softmax(u + shift, T), tempered_softmax(u, T)
    )


@given(logit_vectors(), temperatures, temperatures)
def test_entropy_is_non_decreasing_in_temperature(u, T1, T2):
    low, high = sorted([T1, T2])
    assert (
        entropy(tempered_softmax(u, low)) <= entropy(tempered_softmax(u, high)) + 1e-9
    )


@given(logit_vectors(), st.floats(min_value=-4, max_value=-1).map(lambda e: 10.0**e))
def test_low_temperature_approaches_the_argmax_set_at_the_proved_rate(u, T):
    limit = tempered_softmax(u, 0)
    finite_u = u[np.isfinite(u)]
    top = finite_u.max()
    k = int((finite_u == top).sum())
    rest = finite_u[finite_u < top]
    np.testing.assert_array_equal(limit, np.where(u == top, 1 / k, 0))
    if rest.size:  # |p(T) - p(0)| <= (n - k)/k * exp(-gap / T)
        bound = (rest.size / k) * np.exp(-(top - rest.max()) / T)
        assert np.abs(tempered_softmax(u, T) - limit).max() <= bound + 1e-12


@given(logit_vectors(), st.floats(min_value=1, max_value=4).map(lambda e: 10.0**e))
def test_high_temperature_approaches_uniform_at_the_proved_rate(u, T):
    finite_mask = np.isfinite(u)
    m = int(finite_mask.sum())
    np.testing.assert_allclose(
        tempered_softmax(u, np.inf), np.where(finite_mask, 1 / m, 0)
    )
    spread = np.ptp(u[finite_mask])
    assume(
        spread / T < 700
    )  # beyond that the bound is trivially true and exp overflows
    bound = (np.exp(spread / T) - 1) / m  # every p_i lies in [e^{-R/T}, e^{R/T}] / m
    assert (
        np.abs(tempered_softmax(u, T) - np.where(finite_mask, 1 / m, 0)).max()
        <= bound + 1e-12
    )


@given(logit_vectors(), temperatures)
def test_log_softmax_is_the_log_of_softmax(u, T):
    lp = log_softmax(u, T)
    p = tempered_softmax(u, T)
    np.testing.assert_allclose(np.exp(lp), p, rtol=1e-9, atol=1e-300)


@given(logit_vectors())
def test_logsumexp_is_a_smooth_maximum(u):
    top = u[np.isfinite(u)].max()
    lse = logsumexp(u)
    assert (
        top - 1e-12 * abs(top) <= lse <= top + np.log(u.size) + 1e-12 * abs(top) + 1e-12
    )


@given(
    hnp.arrays(
        np.float64, st.tuples(st.integers(1, 4), st.integers(1, 6)), elements=finite
    ),
    temperatures,
)
def test_batches_equal_rows(u, T):
    rows = np.array([tempered_softmax(r, T) for r in u])
    np.testing.assert_array_equal(tempered_softmax(u, T), rows)
