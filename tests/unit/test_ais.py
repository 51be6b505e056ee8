"""Chapter 5's AIS test problem: Gaussian bumps with an exact log Z, the start p0."""

import numpy as np
import pytest

from tempered.ais import GaussianBumps
from tempered.ais import StandardNormal
from tempered.ais import annealed_importance_sampling
from tempered.ais import gaussian_bumps
from tempered.ais import three_bumps


def test_three_bumps_parameters_and_exact_log_Z():
    target = three_bumps()
    assert isinstance(target, GaussianBumps)
    assert target.means.tolist() == [[-3.0, -2.0], [3.0, 0.0], [0.0, 3.5]]
    assert target.sigmas.tolist() == [0.6, 0.8, 0.5]
    assert target.weights.tolist() == [1.0, 2.0, 0.5]
    by_hand = np.log(np.sum(target.weights * 2 * np.pi * target.sigmas**2))
    assert target.log_Z == pytest.approx(by_hand, rel=1e-14)


def test_log_Z_is_the_integral_of_f_on_a_grid():
    target = three_bumps()
    grid = np.linspace(-9, 9, 901)
    X, Y = np.meshgrid(grid, grid)
    points = np.column_stack([X.ravel(), Y.ravel()])
    integral = np.exp(target.log_f(points)).sum() * (grid[1] - grid[0]) ** 2
    assert np.log(integral) == pytest.approx(target.log_Z, abs=1e-9)


def test_log_f_at_a_centre_and_in_other_dimensions():
    one = gaussian_bumps([[1.0, 2.0, 3.0]], 0.5, 4.0)
    assert one.log_f(np.array([[1.0, 2.0, 3.0]])) == pytest.approx([np.log(4.0)])
    assert one.log_Z == pytest.approx(np.log(4.0) + 1.5 * np.log(2 * np.pi * 0.25))
    far = one.log_f(np.array([[1.0, 2.0, 3.0 + 0.5]]))
    assert far == pytest.approx([np.log(4.0) - 0.5])


def test_standard_normal_is_normalised_and_samples_its_shape():
    p0 = StandardNormal(dim=2)
    assert p0.log_pdf(np.zeros((1, 2))) == pytest.approx([-np.log(2 * np.pi)])
    draws = p0.sample(5000, np.random.default_rng(0))
    assert draws.shape == (5000, 2)
    assert np.abs(draws.mean(axis=0)).max() < 0.05
    assert np.array_equal(
        p0.sample(3, 7), np.random.default_rng(7).standard_normal((3, 2))
    )
    assert StandardNormal(dim=3).log_pdf(np.zeros((2, 3))) == pytest.approx(
        [-1.5 * np.log(2 * np.pi)] * 2
    )


def test_ais_on_three_bumps_finds_the_exact_log_Z():
    target, p0 = three_bumps(), StandardNormal(dim=2)
    run = annealed_importance_sampling(
        p0.log_pdf,
        p0.sample,
        target.log_f,
        np.linspace(0, 1, 101) ** 2,
        500,
        step_size=0.7,
        n_mh=2,
        rng=0,
    )
    assert run.log_Z == pytest.approx(target.log_Z, abs=0.1)


@pytest.mark.parametrize(
    "means, sigmas, weights, message",
    [
        ([1.0, 2.0], 1.0, 1.0, r"means must be finite, of shape \(m, d\)"),
        ([[np.nan, 0.0]], 1.0, 1.0, r"means must be finite"),
        ([[0.0, 0.0]], [1.0, 2.0], 1.0, r"sigmas must hold one number per bump \(1\)"),
        ([[0.0, 0.0]], 0.0, 1.0, r"sigmas must be finite numbers > 0"),
        ([[0.0, 0.0]], 1.0, -1.0, r"weights must be finite numbers > 0"),
        ([[0.0, 0.0]], 1.0, np.inf, r"weights must be finite numbers > 0"),
    ],
)
def test_gaussian_bumps_bad_parameters(means, sigmas, weights, message):
    with pytest.raises(ValueError, match=f"gaussian_bumps: {message}"):
        gaussian_bumps(means, sigmas, weights)


def test_gaussian_bumps_bad_points_and_types():
    with pytest.raises(TypeError, match="gaussian_bumps: means must be real numbers"):
        gaussian_bumps([["a", "b"]], 1.0, 1.0)
    with pytest.raises(
        ValueError, match=r"GaussianBumps.log_f: x must have shape \(n, 2\)"
    ):
        three_bumps().log_f(np.zeros((4, 3)))


def test_standard_normal_bad_dimension():
    with pytest.raises(ValueError, match="StandardNormal: dim must be an int >= 1"):
        StandardNormal(dim=0)
