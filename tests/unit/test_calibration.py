"""Tests of tempered.calibration: temperature scaling, ECE, reliability bins."""

import numpy as np
import pytest

from tempered import tempered_softmax
from tempered.calibration import expected_calibration_error
from tempered.calibration import fit_temperature
from tempered.calibration import nll
from tempered.calibration import nll_beta_derivatives
from tempered.calibration import reliability_bins


def _overconfident(seed=0, n=4000, k=5, scale=3.0):
    """Labels drawn from softmax(z); the model says scale * z (T = scale fixes it)."""
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(n, k)) * 1.5
    p = tempered_softmax(z, 1.0, axis=1)
    y = np.array([rng.choice(k, p=row) for row in p])
    return scale * z, y


def test_fit_recovers_the_true_temperature():
    logits, y = _overconfident(scale=3.0)
    assert fit_temperature(logits, y) == pytest.approx(3.0, rel=0.1)


def test_fit_minimises_nll():
    logits, y = _overconfident(seed=1)
    T = fit_temperature(logits, y)
    for other in (0.9 * T, 1.1 * T):
        assert nll(logits, y, T) < nll(logits, y, other)
    assert nll_beta_derivatives(logits, y, 1 / T)[0] == pytest.approx(0.0, abs=1e-5)


def test_nll_convex_in_beta_and_derivative_matches():
    logits, y = _overconfident(seed=2, n=300)
    for beta in (0.05, 0.3, 1.0, 4.0):
        d1, d2 = nll_beta_derivatives(logits, y, beta)
        h = 1e-5
        num = (nll(logits, y, 1 / (beta + h)) - nll(logits, y, 1 / (beta - h))) / (
            2 * h
        )
        assert d1 == pytest.approx(num, rel=1e-5, abs=1e-8)
        assert d2 >= 0


def test_scaling_keeps_accuracy():
    logits, y = _overconfident(seed=3, n=500)
    top = logits.argmax(axis=1)
    for T in (0.1, 0.7, 2.0, 50.0):
        assert np.array_equal(tempered_softmax(logits, T, axis=1).argmax(axis=1), top)


def test_ece_of_perfectly_calibrated_bins_is_zero_and_overconfidence_is_measured():
    p = np.array([[0.8, 0.2]] * 10)
    y = np.array([0] * 8 + [1] * 2)
    assert expected_calibration_error(p, y) == pytest.approx(0.0, abs=1e-12)
    y_bad = np.array([0] * 5 + [1] * 5)
    assert expected_calibration_error(p, y_bad) == pytest.approx(0.3)


def test_scaling_reduces_ece_of_overconfident_model():
    logits, y = _overconfident(seed=4)
    T = fit_temperature(logits, y)
    before = expected_calibration_error(tempered_softmax(logits, 1.0, axis=1), y)
    after = expected_calibration_error(tempered_softmax(logits, T, axis=1), y)
    assert after < before / 2


def test_reliability_bins_counts_and_edges():
    p = np.array([[0.95, 0.05], [0.55, 0.45], [0.5, 0.5], [0.05, 0.95]])
    y = np.array([0, 1, 0, 1])
    edges, conf, acc, counts = reliability_bins(p, y, n_bins=10)
    assert counts.sum() == 4 and counts[9] == 2 and counts[5] == 1 and counts[4] == 1
    assert conf[9] == pytest.approx(0.95) and acc[9] == 1.0 and acc[5] == 0.0
    assert np.isnan(conf[0])


@pytest.mark.parametrize(
    "logits, labels",
    [
        (np.zeros((3,)), np.array([0, 1, 2])),
        (np.zeros((3, 2)), np.array([0, 1, 2])),
        (np.zeros((3, 2)), np.array([0.0, 1.0, 0.0])),
        (np.array([[0.0, np.nan]]), np.array([0])),
    ],
)
def test_bad_input(logits, labels):
    with pytest.raises(ValueError):
        nll(logits, labels)
