"""MCMC at temperature T: exact transition probabilities, convergence to exact targets,
bad input."""

import itertools

import numpy as np
import pytest
from scipy import stats

from tempered.ais import annealed_importance_sampling
from tempered.annealing import anneal_tsp
from tempered.annealing import geometric_schedule
from tempered.annealing import held_karp
from tempered.annealing import logarithmic_schedule
from tempered.annealing import tour_length
from tempered.energy import boltzmann
from tempered.energy import rugged_landscape
from tempered.mcmc import grid_neighbours
from tempered.mcmc import metropolis
from tempered.mcmc import parallel_tempering


def tv(counts, p):
    return 0.5 * np.abs(counts / counts.sum() - p).sum()


# --- grid proposals
# -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "shape, periodic, reach",
    [(7, False, 1), (9, False, 3), ((3, 4), False, 1), ((4, 5), True, 2), (6, True, 1)],
)
def test_grid_proposal_is_symmetric(shape, periodic, reach):
    nb = grid_neighbours(shape, periodic=periodic, reach=reach)
    n = nb.shape[0]
    q = np.zeros((n, n))
    for i, row in enumerate(nb):
        for j in row:
            q[i, j] += 1
    np.testing.assert_array_equal(q, q.T)
    assert nb.shape[1] == 2 * reach * len(np.atleast_1d(shape))


def test_grid_neighbours_of_a_small_grid():
    np.testing.assert_array_equal(grid_neighbours(4), [[0, 1], [0, 2], [1, 3], [2, 3]])
    np.testing.assert_array_equal(
        grid_neighbours(4, periodic=True), [[3, 1], [0, 2], [1, 3], [2, 0]]
    )
    with pytest.raises(ValueError, match="grid_neighbours: shape"):
        grid_neighbours((3, 0))


# --- Metropolis
# -----------------------------------------------------------------------------------


def exact_metropolis_row(E, nb, T, i):
    row = np.zeros(E.size)
    for j in nb[i]:
        if j != i:
            row[j] += min(1.0, np.exp(-(E[j] - E[i]) / T)) / nb.shape[1]
    row[i] = 1 - row.sum()
    return row


@pytest.mark.parametrize("start", [3, 10])
def test_one_metropolis_step_has_the_exact_transition_probabilities(start):
    E = np.array([0.0, 2.0, 0.5, 1.0, 3.0, 0.2, 1.5, 0.7, 2.5, 0.1, 1.2, 0.4])
    nb, T, n = grid_neighbours(E.size, reach=2), 0.8, 400_000
    row = exact_metropolis_row(E, nb, T, start)
    run = metropolis(E, T, 1, n_chains=n, start=start, neighbours=nb, rng=42)
    observed = np.bincount(run.states, minlength=E.size)
    support = row > 0
    assert observed[~support].sum() == 0
    assert stats.chisquare(observed[support], n * row[support]).pvalue > 1e-3
    # a proposal of the current state counts as accepted (dE = 0), so acceptance = 1 -
    # P(reject)
    assert run.acceptance_rate == pytest.approx(
        1 - row[start] + (nb[start] == start).mean(), abs=0.005
    )


def test_independent_chains_end_in_the_boltzmann_distribution():
    E = np.array([0.0, 1.0, 0.3, 2.0, 0.8, 0.1])
    T, n = 0.7, 50_000
    run = metropolis(
        E,
        T,
        200,
        n_chains=n,
        start=0,
        neighbours=grid_neighbours(6, periodic=True),
        rng=3,
    )
    observed = np.bincount(run.states, minlength=6)
    assert stats.chisquare(observed, n * boltzmann(E, T)).pvalue > 1e-3


def test_histogram_converges_and_burn_in_is_not_counted():
    E = rugged_landscape(50, seed=2)
    run = metropolis(
        E,
        1.0,
        20_000,
        n_chains=100,
        neighbours=grid_neighbours(50, reach=3),
        burn_in=500,
        rng=0,
    )
    assert run.counts.sum() == 20_000 * 100
    assert tv(run.counts, boltzmann(E, 1.0)) < 0.02


def test_forbidden_states_are_never_visited_and_high_T_accepts_almost_all():
    E = np.array([0.0, 1.0, np.inf, 0.5, 0.2])
    run = metropolis(
        E,
        1.0,
        500,
        n_chains=200,
        start=0,
        neighbours=grid_neighbours(5, periodic=True),
        rng=1,
    )
    assert run.counts[2] == 0
    flat = metropolis(
        np.zeros(10),
        1.0,
        100,
        n_chains=50,
        neighbours=grid_neighbours(10, periodic=True),
        rng=1,
    )
    assert flat.acceptance_rate == 1.0


def test_same_seed_same_chain():
    E = rugged_landscape(40)
    a = metropolis(E, 0.5, 300, n_chains=7, rng=5)
    b = metropolis(E, 0.5, 300, n_chains=7, rng=5)
    np.testing.assert_array_equal(a.counts, b.counts)


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        (dict(T=0.0), ValueError, "metropolis: T must be a finite number > 0"),
        (dict(T=-1.0), ValueError, "metropolis: T must be a finite number > 0"),
        (
            dict(energies=[0.0, np.nan, 1.0]),
            ValueError,
            "metropolis: energies contain NaN",
        ),
        (dict(energies=[]), ValueError, "metropolis: energies is empty"),
        (dict(n_steps=0), ValueError, "metropolis: n_steps must be an int >= 1"),
        (dict(n_chains=0), ValueError, "metropolis: n_chains must be an int >= 1"),
        (dict(start=[0, 9]), ValueError, "metropolis: start has states outside"),
        (dict(start=[0.5]), TypeError, "metropolis: start must hold integer"),
        (
            dict(energies=[0.0, np.inf, 1.0], start=[1]),
            ValueError,
            "metropolis: start includes a forbidden state",
        ),
        (
            dict(neighbours=[[0, 1]]),
            ValueError,
            "metropolis: neighbours must be an int array",
        ),
    ],
)
def test_metropolis_bad_input(kwargs, error, message):
    args = dict(energies=[0.0, 1.0, 2.0], T=1.0, n_steps=10)
    args.update(kwargs)
    with pytest.raises(error, match=message):
        metropolis(args.pop("energies"), args.pop("T"), args.pop("n_steps"), **args)


# --- parallel tempering
# ---------------------------------------------------------------------------


def test_swap_acceptance_is_exact():
    # Neighbours are the states themselves, so only swaps move anything.
    E, nb = np.array([0.0, 1.0]), np.array([[0], [1]])
    start = np.array([[0] * 100_000, [1] * 100_000])
    run = parallel_tempering(
        E, [0.5, 2.0], 1, n_chains=100_000, start=start, neighbours=nb, rng=0
    )
    expected = np.exp((1 / 0.5 - 1 / 2.0) * (0.0 - 1.0))
    assert run.swap_rate[0] == pytest.approx(
        expected, abs=4 * np.sqrt(expected * (1 - expected) / 100_000)
    )


def test_parallel_tempering_crosses_the_barrier_plain_metropolis_does_not():
    E = rugged_landscape()
    nb = grid_neighbours(200, reach=5)
    ladder = np.geomspace(0.25, 2.0, 5)
    pt = parallel_tempering(
        E, ladder, 8000, n_chains=50, start=40, neighbours=nb, burn_in=2000, rng=1
    )
    plain = metropolis(
        E, 0.25, 8000, n_chains=50, start=40, neighbours=nb, burn_in=2000, rng=1
    )
    assert tv(pt.counts[0], boltzmann(E, 0.25)) < 0.06
    assert tv(plain.counts, boltzmann(E, 0.25)) > 0.9
    for T, c in zip(ladder, pt.counts):
        assert tv(c, boltzmann(E, T)) < 0.2
    assert np.all((pt.swap_rate > 0.3) & (pt.swap_rate < 1))


def test_parallel_tempering_bad_input():
    with pytest.raises(
        ValueError,
        match="parallel_tempering: temperatures must be a 1-D array of at least 2",
    ):
        parallel_tempering([0.0, 1.0], [1.0], 10)
    with pytest.raises(
        ValueError, match="parallel_tempering: temperatures must be a finite number > 0"
    ):
        parallel_tempering([0.0, 1.0], [1.0, -2.0], 10)
    with pytest.raises(ValueError, match="parallel_tempering: energies contain NaN"):
        parallel_tempering([0.0, np.nan], [1.0, 2.0], 10)


# --- schedules and annealing
# ----------------------------------------------------------------------


def test_schedules():
    g = geometric_schedule(2.0, 0.02, 101)
    assert (
        g[0] == pytest.approx(2.0)
        and g[-1] == pytest.approx(0.02)
        and g[50] == pytest.approx(0.2)
    )
    log = logarithmic_schedule(0.5, 1000)
    assert log[0] == pytest.approx(0.5) and log[999] == pytest.approx(
        0.5 / np.log(999 + np.e)
    )
    with pytest.raises(
        ValueError, match="geometric_schedule: T_end must be a finite number > 0"
    ):
        geometric_schedule(1.0, 0.0, 10)
    with pytest.raises(ValueError, match="logarithmic_schedule: c must be"):
        logarithmic_schedule(-1.0, 10)
    with pytest.raises(
        ValueError, match="geometric_schedule: n_steps must be an int >= 2"
    ):
        geometric_schedule(1.0, 0.1, 1)


def random_instance(n, seed):
    cities = np.random.default_rng(seed).random((n, 2))
    return np.linalg.norm(cities[:, None] - cities[None, :], axis=-1)


def test_tour_length_of_a_square():
    square = np.array([[0, 0], [1, 0], [1, 1], [0, 1]], dtype=float)
    d = np.linalg.norm(square[:, None] - square[None, :], axis=-1)
    assert tour_length([0, 1, 2, 3], d) == pytest.approx(4.0)
    assert tour_length([0, 2, 1, 3], d) == pytest.approx(2 + 2 * np.sqrt(2))


@pytest.mark.parametrize("n, seed", [(5, 0), (7, 1), (8, 2)])
def test_held_karp_matches_brute_force(n, seed):
    d = random_instance(n, seed)
    length, tour = held_karp(d)
    brute = min(
        tour_length(np.array((0,) + p), d) for p in itertools.permutations(range(1, n))
    )
    assert length == pytest.approx(brute, rel=1e-12)
    assert sorted(tour.tolist()) == list(range(n)) and tour[0] == 0
    assert tour_length(tour, d) == pytest.approx(length, rel=1e-12)


@pytest.mark.parametrize("n, seed", [(5, 0), (6, 3), (8, 2), (9, 4), (10, 5)])
def test_held_karp_returns_the_canonical_direction(n, seed):
    d = random_instance(n, seed)
    length, tour = held_karp(d)
    assert tour[0] == 0 and tour[1] < tour[-1]
    reverse = np.concatenate(([0], tour[:0:-1]))
    assert tour_length(reverse, d) == pytest.approx(tour_length(tour, d), rel=1e-12)
    assert tour_length(tour, d) == pytest.approx(length, rel=1e-12)


def four_city_distances(x, y):
    """Tour 0-1-2-3 is the strict optimum, with d(0, 3) = x and d(0, 1) = y."""
    d = np.array(
        [[0.0, y, 2.0, x], [y, 0.0, 0.5, 2.0], [2.0, 0.5, 0.0, 0.5], [x, 2.0, 0.5, 0.0]]
    )
    return d


@pytest.mark.parametrize("x, y", [(0.81, 0.91), (0.04, 0.02), (1.0, 1.0)])
def test_a_move_that_keeps_the_length_is_accepted_at_T_0(x, y):
    # Reversing positions 1..3 of 0-1-2-3 gives 0-3-2-1, the same cycle; its length
    # change ((x + y) - y) - x is 0 in exact arithmetic but 1.1e-16 in floating point
    # for (0.81, 0.91) and -6.9e-18 for (0.04, 0.02). The other two moves lengthen
    # the tour, so a quench step keeps the tour or reverses it, and reverses it
    # exactly when it proposes the whole reversal (1 of 3 proposals).
    d = four_city_distances(x, y)
    start = np.array([0, 1, 2, 3])
    run = anneal_tsp(d, np.zeros(1), n_chains=3000, start=start, rng=0)
    reversed_ = (run.tours == [0, 3, 2, 1]).all(axis=1)
    assert np.all(reversed_ | (run.tours == start).all(axis=1))
    assert 800 < reversed_.sum() < 1200
    np.testing.assert_allclose(run.lengths, tour_length(start, d), rtol=1e-15)


def test_rounding_noise_of_a_length_keeping_move_has_either_sign():
    # The premise of the test above: without the tolerance, the sign of the noise
    # would decide, and a positive one would reject the move at T = 0.
    assert ((0.81 + 0.91) - 0.91) - 0.81 > 0
    assert ((0.04 + 0.02) - 0.02) - 0.04 < 0


def test_annealing_finds_the_optimum_of_a_small_instance():
    d = random_instance(9, 6)
    optimum, _ = held_karp(d)
    run = anneal_tsp(d, geometric_schedule(1.0, 0.001, 3000), n_chains=40, rng=0)
    assert np.isclose(run.lengths, optimum).all()
    quench = anneal_tsp(d, np.zeros(3000), n_chains=40, rng=0)
    assert quench.lengths.mean() > run.lengths.mean()
    np.testing.assert_allclose(run.lengths, tour_length(run.tours, d))
    assert np.all(np.sort(run.tours, axis=1) == np.arange(9))
    assert np.all(run.best_lengths <= run.lengths + 1e-12) and np.all(
        run.best_lengths >= optimum - 1e-12
    )


def test_quench_never_lengthens_the_tour_and_records_are_consistent():
    d = random_instance(12, 5)
    run = anneal_tsp(
        d, np.zeros(2000), n_chains=8, record_every=100, record_tours=True, rng=2
    )
    assert run.steps.tolist() == list(range(0, 2001, 100))
    assert np.all(np.diff(run.trace, axis=0) <= 1e-12)
    np.testing.assert_allclose(run.trace, run.best_trace)
    np.testing.assert_allclose(run.trace, tour_length(run.snapshots, d), atol=1e-9)


def test_per_chain_schedules():
    d = random_instance(10, 6)
    Ts = np.column_stack([np.zeros(500), np.full(500, 50.0)])
    run = anneal_tsp(d, Ts, rng=1)
    assert run.tours.shape == (2, 10)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (
            dict(temperatures=-np.ones(10)),
            "anneal_tsp: temperatures must be finite and >= 0",
        ),
        (
            dict(temperatures=np.full(10, np.nan)),
            "anneal_tsp: temperatures must be finite and >= 0",
        ),
        (dict(temperatures=np.zeros(0)), r"anneal_tsp: temperatures must have shape"),
        (
            dict(dist=np.zeros((3, 3))),
            "anneal_tsp: dist must be a square matrix of at least 4 cities",
        ),
        (dict(dist=np.triu(np.ones((5, 5)))), "anneal_tsp: dist must be symmetric"),
        (
            dict(start=[0, 0, 1, 2, 3]),
            "anneal_tsp: each start tour must be a permutation",
        ),
        (
            dict(temperatures=np.zeros((10, 3)), n_chains=2),
            "anneal_tsp: temperatures has 3 columns for 2 chains",
        ),
    ],
)
def test_anneal_bad_input(kwargs, message):
    args = dict(dist=random_instance(5, 0), temperatures=np.zeros(10))
    args.update(kwargs)
    with pytest.raises(ValueError, match=message):
        anneal_tsp(args.pop("dist"), args.pop("temperatures"), **args)


def test_held_karp_refuses_too_many_cities():
    with pytest.raises(ValueError, match="held_karp: 23 cities is too many"):
        held_karp(random_instance(23, 0))


# --- annealed importance sampling
# -----------------------------------------------------------------


def gaussian_problem():
    log_f = lambda x: np.log(3.0) - 0.5 * ((x - 2.0) ** 2).sum(axis=1) / 0.25
    log_p0 = lambda x: -0.5 * (x**2).sum(axis=1) - np.log(2 * np.pi)
    draw = lambda n, rng: rng.standard_normal((n, 2))
    return log_p0, draw, log_f, np.log(3.0 * 2 * np.pi * 0.25)


def test_ais_estimates_log_Z():
    log_p0, draw, log_f, log_Z = gaussian_problem()
    run = annealed_importance_sampling(
        log_p0,
        draw,
        log_f,
        np.linspace(0, 1, 101) ** 2,
        2000,
        step_size=0.5,
        n_mh=2,
        rng=0,
    )
    assert run.log_Z == pytest.approx(log_Z, abs=0.03)
    assert run.samples.mean(axis=0) == pytest.approx([2.0, 2.0], abs=0.1)
    assert 0.2 < run.acceptance_rate < 0.95


def test_ais_is_unbiased_even_with_poor_transitions():
    log_p0, draw, log_f, log_Z = gaussian_problem()
    z = np.exp(
        [
            annealed_importance_sampling(
                log_p0, draw, log_f, np.linspace(0, 1, 21), 100, step_size=0.05, rng=s
            ).log_Z
            for s in range(300)
        ]
    )
    assert abs(z.mean() - np.exp(log_Z)) < 3.5 * z.std(ddof=1) / np.sqrt(z.size)


@pytest.mark.parametrize(
    "betas, message",
    [
        ([0.0, 0.5], "betas must rise from exactly 0 to exactly 1"),
        ([0.1, 1.0], "betas must rise from exactly 0 to exactly 1"),
        ([0.0, 0.6, 0.4, 1.0], "betas must rise from exactly 0 to exactly 1"),
        ([1.0], "betas must be a 1-D array of at least 2 numbers"),
        ([0.0, np.nan, 1.0], "betas must be a 1-D array of at least 2 numbers"),
    ],
)
def test_ais_bad_betas(betas, message):
    log_p0, draw, log_f, _ = gaussian_problem()
    with pytest.raises(ValueError, match=f"annealed_importance_sampling: {message}"):
        annealed_importance_sampling(log_p0, draw, log_f, betas, 10)


def test_ais_bad_arguments():
    log_p0, draw, log_f, _ = gaussian_problem()
    with pytest.raises(
        ValueError,
        match="annealed_importance_sampling: step_size must be a finite number > 0",
    ):
        annealed_importance_sampling(log_p0, draw, log_f, [0, 1], 10, step_size=0)
    with pytest.raises(
        ValueError, match="annealed_importance_sampling: n_chains must be an int >= 1"
    ):
        annealed_importance_sampling(log_p0, draw, log_f, [0, 1], 0)
    with pytest.raises(
        ValueError, match=r"sample_p0\(n, rng\) must return shape \(n, d\)"
    ):
        annealed_importance_sampling(
            log_p0, lambda n, rng: rng.standard_normal(n), log_f, [0, 1], 10
        )
    nan_f = lambda x: np.full(len(x), np.nan)
    with pytest.raises(ValueError, match=r"log_f\(x\) returned NaN or \+inf"):
        annealed_importance_sampling(log_p0, draw, nan_f, [0, 1], 10, n_mh=0)
