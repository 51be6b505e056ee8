"""Unit tests of the tempered softmax family on hand-checked cases."""

import numpy as np
import pytest
import torch

from tempered import entropy
from tempered import log_softmax
from tempered import logsumexp
from tempered import tempered_softmax


def test_matches_the_definition_at_moderate_temperatures():
    u = np.array([1.0, 2.0, 3.0])
    for T in [0.5, 1.0, 3.0]:
        expected = np.exp(u / T) / np.exp(u / T).sum()
        np.testing.assert_allclose(tempered_softmax(u, T), expected, rtol=1e-14)


def test_naive_formula_overflows_where_the_stable_one_does_not():
    u = np.array([1000.0, 999.0, 0.0])
    with np.errstate(over="ignore", invalid="ignore"):
        naive = np.exp(u) / np.exp(u).sum()
    assert np.isnan(naive).any()
    np.testing.assert_allclose(
        tempered_softmax(u),
        [1 / (1 + np.exp(-1)), np.exp(-1) / (1 + np.exp(-1)), 0.0],
        atol=1e-300,
    )


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_is_kept(dtype):
    u = np.array([0.5, -1.0, 2.0], dtype=dtype)
    assert tempered_softmax(u, 0.7).dtype == dtype
    assert log_softmax(u, 0.7).dtype == dtype


def test_integers_and_float16_are_promoted():
    assert tempered_softmax([1, 2, 3]).dtype == np.float64
    assert tempered_softmax(np.array([1, 2], dtype=np.float16)).dtype == np.float32


def test_zero_temperature_is_uniform_over_ties():
    u = np.array([2.0, 5.0, 5.0, -np.inf, 5.0])
    np.testing.assert_array_equal(tempered_softmax(u, 0), [0, 1 / 3, 1 / 3, 0, 1 / 3])
    np.testing.assert_allclose(
        log_softmax(u, 0), [-np.inf, -np.log(3), -np.log(3), -np.inf, -np.log(3)]
    )


def test_infinite_temperature_is_uniform_over_unmasked():
    u = np.array([2.0, -np.inf, 7.0, 1e30])
    np.testing.assert_allclose(tempered_softmax(u, np.inf), [1 / 3, 0, 1 / 3, 1 / 3])


@pytest.mark.parametrize("T", [0, 1e-300, 1e-4, 1, 1e4, 1e300, np.inf])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_masked_tokens_stay_at_zero(T, dtype):
    u = np.array([1.0, -np.inf, 0.0, -np.inf], dtype=dtype)
    p = tempered_softmax(u, T)
    assert p[1] == 0 and p[3] == 0
    assert np.isfinite(p).all() and np.isclose(p.sum(), 1)


@pytest.mark.parametrize("T", [1e-50, 1e-39, 1e35, 1e300])
def test_float32_survives_temperatures_outside_its_range(T):
    u = np.array([0.0, -1.0, -np.inf], dtype=np.float32)
    p = tempered_softmax(u, T)
    assert p.dtype == np.float32 and np.isfinite(p).all() and p[2] == 0


def test_batches_are_rows_and_axis_is_respected():
    rng = np.random.default_rng(0)
    u = rng.normal(size=(4, 5, 6))
    for axis in range(3):
        p = tempered_softmax(u, 0.8, axis=axis)
        np.testing.assert_allclose(p.sum(axis=axis), 1)
        moved = np.moveaxis(u, axis, -1).reshape(-1, u.shape[axis])
        rows = np.array([tempered_softmax(r, 0.8) for r in moved])
        np.testing.assert_allclose(np.moveaxis(p, axis, -1).reshape(rows.shape), rows)


def test_log_softmax_agrees_and_is_accurate_in_the_tail():
    u = np.array([0.0, -800.0])
    np.testing.assert_allclose(log_softmax(u), [0.0, -800.0], atol=1e-12)
    assert tempered_softmax(u)[1] == 0  # the probability itself underflows


def test_logsumexp_bounds_and_masked_rows():
    u = np.array([[3.0, 1.0, -2.0], [-np.inf, -np.inf, -np.inf], [1e30, 1e30, -1e30]])
    out = logsumexp(u)
    assert u[0].max() <= out[0] <= u[0].max() + np.log(3)
    assert out[1] == -np.inf
    assert out[2] == 1e30  # 1e30 + log 2 rounds to 1e30
    assert logsumexp(u, keepdims=True).shape == (3, 1)


def test_entropy_of_known_distributions():
    assert entropy([1.0, 0.0, 0.0]) == 0.0
    assert not np.signbit(entropy([1.0, 0.0]))
    np.testing.assert_allclose(entropy(np.full(8, 1 / 8)), np.log(8))
    np.testing.assert_allclose(entropy([[0.5, 0.5], [1.0, 0.0]]), [np.log(2), 0.0])


def test_torch_tensors_match_numpy():
    u = torch.tensor(
        [[2.0, 2.0, 1.0, float("-inf")], [0.1, 0.2, 0.3, 0.4]], dtype=torch.float64
    )
    for T in [0, 0.5, 1.0, float("inf")]:
        expected = tempered_softmax(u.numpy(), T)
        got = tempered_softmax(u, T)
        assert isinstance(got, torch.Tensor)
        np.testing.assert_allclose(got.numpy(), expected, atol=1e-15)
        np.testing.assert_allclose(
            log_softmax(u, T).numpy(), log_softmax(u.numpy(), T), atol=1e-12
        )
