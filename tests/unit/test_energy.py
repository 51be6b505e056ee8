"""Boltzmann distributions and thermodynamics: exact values, identities, bad input."""

import math

import numpy as np
import pytest

from tempered import entropy
from tempered import tempered_softmax
from tempered.energy import boltzmann
from tempered.energy import check_positive_temperature
from tempered.energy import free_energy
from tempered.energy import log_partition
from tempered.energy import rugged_landscape
from tempered.energy import thermodynamics

E4 = np.array([0.0, 0.5, 1.5, 3.0])


def test_boltzmann_matches_the_formula_and_the_softmax_of_minus_E():
    for T in [0.1, 1.0, 7.0]:
        w = np.exp(-E4 / T)
        np.testing.assert_allclose(boltzmann(E4, T), w / w.sum(), rtol=1e-14)
        np.testing.assert_allclose(
            boltzmann(E4, T), tempered_softmax(-E4, T), rtol=1e-14
        )


def test_boltzmann_limits_and_forbidden_states():
    E = np.array([1.0, 0.0, 0.0, np.inf, 2.0])
    np.testing.assert_array_equal(boltzmann(E, 0), [0, 0.5, 0.5, 0, 0])
    np.testing.assert_array_equal(boltzmann(E, np.inf), [0.25, 0.25, 0.25, 0, 0.25])
    assert boltzmann(E, 0.3)[3] == 0.0


def test_two_level_system_exact():
    eps = 1.3
    for T in [0.2, 1.0, 5.0]:
        s = thermodynamics([0.0, eps], T)
        x = math.exp(eps / T)
        assert s.log_Z == pytest.approx(math.log(1 + math.exp(-eps / T)), rel=1e-14)
        assert s.free_energy == pytest.approx(
            -T * math.log(1 + math.exp(-eps / T)), rel=1e-14
        )
        assert s.mean_energy == pytest.approx(eps / (x + 1), rel=1e-13)
        assert s.heat_capacity == pytest.approx(
            (eps / T) ** 2 * x / (1 + x) ** 2, rel=1e-12
        )
        p1 = 1 / (x + 1)
        assert s.entropy == pytest.approx(
            -(p1 * math.log(p1) + (1 - p1) * math.log(1 - p1)), rel=1e-12
        )


def test_large_energies_do_not_overflow():
    E = np.array([1e4, 1e4 + 1.0])
    assert log_partition(E, 1.0) == pytest.approx(
        -1e4 + math.log(1 + math.exp(-1.0)), rel=1e-14
    )
    assert free_energy(-E, 1e-3) == pytest.approx(
        -1e4 - 1.0, rel=1e-14
    )  # T -> 0: F -> min E


@pytest.mark.parametrize("T", [0.05, 0.3, 1.0, 4.0])
def test_free_energy_is_mean_energy_minus_T_entropy(T):
    E = rugged_landscape(60, seed=3)
    s = thermodynamics(E, T)
    p = boltzmann(E, T)
    assert s.free_energy == pytest.approx(p @ E - T * entropy(p), abs=1e-12)
    assert s.free_energy == pytest.approx(free_energy(E, T), abs=1e-14)


def test_variational_principle_every_other_q_is_worse():
    rng = np.random.default_rng(0)
    E = rng.uniform(0, 4, size=12)
    T = 0.6
    F, p = free_energy(E, T), boltzmann(E, T)
    qs = rng.dirichlet(np.ones(12), size=2000)
    values = qs @ E - T * entropy(qs, axis=1)
    kl = np.sum(qs * (np.log(qs) - np.log(p)), axis=1)
    np.testing.assert_allclose(values, F + T * kl, atol=1e-12)
    assert np.all(values > F)


def test_maximum_entropy_at_fixed_mean_energy():
    rng = np.random.default_rng(1)
    E = rng.uniform(0, 2, size=6)
    p = boltzmann(E, 0.8)
    U = p @ E
    null = np.linalg.svd(np.vstack([np.ones(6), E]))[2][2:]  # keeps sum and mean energy
    for d in rng.standard_normal((300, 4)) @ null:
        q = p + 0.5 * p.min() * d / np.abs(d).max()
        assert q @ E == pytest.approx(U, abs=1e-12)
        assert entropy(q) < entropy(p)
    assert entropy(p) == pytest.approx(U / 0.8 + log_partition(E, 0.8), abs=1e-12)


@pytest.mark.parametrize("T", [0.1, 0.5, 2.0])
def test_derivatives_against_finite_differences(T):
    E = rugged_landscape(80, seed=1)
    h = 1e-5
    s, lo, hi = (thermodynamics(E, t) for t in (T, T - h, T + h))
    dlogZ_dbeta = (hi.log_Z - lo.log_Z) / (1 / (T + h) - 1 / (T - h))
    assert dlogZ_dbeta == pytest.approx(-s.mean_energy, rel=1e-6, abs=1e-8)
    assert (hi.mean_energy - lo.mean_energy) / (2 * h) == pytest.approx(
        s.heat_capacity, rel=1e-6
    )
    assert (hi.entropy - lo.entropy) / (2 * h) == pytest.approx(
        s.heat_capacity / T, rel=1e-6
    )
    assert (hi.free_energy - lo.free_energy) / (2 * h) == pytest.approx(
        -s.entropy, rel=1e-6
    )
    assert s.heat_capacity == pytest.approx(s.variance / T**2, rel=1e-14)


def test_thermodynamics_ignores_forbidden_states():
    a = thermodynamics([0.0, 1.0, np.inf], 0.7)
    b = thermodynamics([0.0, 1.0], 0.7)
    for x, y in zip(a, b):
        assert x == pytest.approx(y, rel=1e-14)


def test_rugged_landscape_is_reproducible():
    E = rugged_landscape()
    assert E.shape == (200,) and E.min() == 0.0 and int(np.argmin(E)) == 160
    np.testing.assert_array_equal(E, rugged_landscape(200, 0))
    assert not np.array_equal(E, rugged_landscape(200, 1))
    minima = [i for i in range(1, 199) if E[i] < E[i - 1] and E[i] < E[i + 1]]
    assert len(minima) >= 10  # rugged: many local minima


@pytest.mark.parametrize("func", [log_partition, free_energy, thermodynamics])
@pytest.mark.parametrize(
    "T, error, message",
    [
        (0.0, ValueError, "T must be a finite number > 0, got 0"),
        (-1.0, ValueError, "T must be a finite number > 0, got -1"),
        (float("nan"), ValueError, "T must be a finite number > 0, got nan"),
        (float("inf"), ValueError, "T must be a finite number > 0, got inf"),
        ("hot", TypeError, "T must be a real number > 0"),
        (True, TypeError, "T must be a real number > 0"),
    ],
)
def test_bad_temperature(func, T, error, message):
    with pytest.raises(error, match=f"{func.__name__}: {message}"):
        func(E4, T)


@pytest.mark.parametrize(
    "func", [boltzmann, log_partition, free_energy, thermodynamics]
)
@pytest.mark.parametrize(
    "energies, message",
    [
        ([0.0, float("nan")], r"energies contain NaN \(first at index 1\)"),
        ([0.0, -np.inf], r"energies contain -inf"),
        ([np.inf, np.inf], r"every state has energy \+inf"),
        ([], r"energies is empty"),
        ([[0.0, 1.0]], r"energies must be one-dimensional"),
    ],
)
def test_bad_energies(func, energies, message):
    with pytest.raises(ValueError, match=f"{func.__name__}: {message}"):
        func(energies, 1.0)


def test_boltzmann_rejects_negative_temperature_and_bad_landscape_size():
    with pytest.raises(ValueError, match="boltzmann: T must be >= 0"):
        boltzmann(E4, -0.5)
    with pytest.raises(ValueError, match="rugged_landscape: n_states"):
        rugged_landscape(1)
    assert check_positive_temperature(np.array(2.0), "f") == 2.0
