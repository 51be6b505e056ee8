"""Tests of tempered.bandits: Boltzmann exploration and its regret."""

import numpy as np
import pytest

from tempered.bandits import annealed
from tempered.bandits import boltzmann_bandit
from tempered.bandits import fixed

MEANS = np.array([0.0, 0.5, 1.0, 0.2])


def test_regret_is_cumulative_gap_of_pulled_arms():
    arms, regret = boltzmann_bandit(MEANS, fixed(0.3), 200, rng=0)
    assert arms[:4].tolist() == [0, 1, 2, 3]
    np.testing.assert_allclose(regret, np.cumsum(1.0 - MEANS[arms]))
    assert np.all(np.diff(regret) >= 0)


def test_seeded_runs_repeat():
    a1, _ = boltzmann_bandit(MEANS, fixed(0.3), 100, rng=5)
    a2, _ = boltzmann_bandit(MEANS, fixed(0.3), 100, rng=5)
    assert np.array_equal(a1, a2)


def test_huge_temperature_pulls_uniformly():
    arms, regret = boltzmann_bandit(MEANS, fixed(1e6), 4004, rng=1)
    freq = np.bincount(arms[4:], minlength=4) / 4000
    np.testing.assert_allclose(freq, 0.25, atol=0.03)
    assert regret[-1] / 4004 == pytest.approx(1.0 - MEANS.mean(), abs=0.05)


def test_moderate_temperature_finds_the_best_arm():
    arms, _ = boltzmann_bandit(MEANS, fixed(0.1), 2000, rng=2, noise=0.5)
    assert np.mean(arms[-500:] == 2) > 0.9


def test_annealed_schedule_decreases():
    s = annealed(1.0)
    assert s(0) == pytest.approx(1.0)
    assert s(10) > s(100) > s(10_000) > 0


@pytest.mark.parametrize(
    "call",
    [
        lambda: fixed(0.0),
        lambda: annealed(-1.0),
        lambda: boltzmann_bandit([1.0], fixed(1.0), 10),
        lambda: boltzmann_bandit(MEANS, fixed(1.0), 2),
    ],
)
def test_bad_input(call):
    with pytest.raises(ValueError):
        call()


def test_fast_softmax_of_means_matches_tempered_softmax_bit_for_bit():
    # The bandit loop skips tempered_softmax's checks; its arithmetic must not differ.
    from tempered import tempered_softmax
    from tempered.bandits import _softmax_of_means

    rng = np.random.default_rng(7)
    for T in (1e-3, 0.05, 0.2, 1.0, 37.0):
        for _ in range(50):
            q = rng.normal(size=int(rng.integers(2, 30))) * rng.uniform(0.1, 10)
            assert np.array_equal(_softmax_of_means(q, T), tempered_softmax(q, T))
