"""The shared integer checks, and the messages of the functions that use them."""

import numpy as np
import pytest

from tempered._validate import check_count
from tempered._validate import check_int
from tempered._validate import is_int


@pytest.mark.parametrize("value", [0, 3, -2, np.int64(5), np.uint8(1)])
def test_is_int_accepts_python_and_numpy_integers(value):
    assert is_int(value)


@pytest.mark.parametrize(
    "value", [True, np.bool_(False), 1.0, "1", None, np.float64(2)]
)
def test_is_int_rejects_everything_else(value):
    assert not is_int(value)


def test_check_int_returns_a_python_int():
    out = check_int(np.int64(4), "f", "k", minimum=1)
    assert out == 4 and type(out) is int


@pytest.mark.parametrize(
    ("kwargs", "bounds"),
    [
        ({}, "an int"),
        ({"minimum": 1}, "an int >= 1"),
        ({"maximum": 9}, "an int <= 9"),
        ({"minimum": 1, "maximum": 9}, r"an int in \[1, 9\]"),
    ],
)
def test_check_int_names_the_function_the_argument_and_the_bounds(kwargs, bounds):
    with pytest.raises(TypeError, match=rf"^f: k must be {bounds}, got float 2.5$"):
        check_int(2.5, "f", "k", **kwargs)
    with pytest.raises(TypeError, match=rf"^f: k must be {bounds}, got bool True$"):
        check_int(True, "f", "k", **kwargs)


def test_check_int_bounds_and_hint():
    assert check_int(1, "f", "k", minimum=1, maximum=1) == 1
    with pytest.raises(ValueError, match=r"^f: k must be an int >= 1, got 0 \(why\)$"):
        check_int(np.int64(0), "f", "k", minimum=1, hint=" (why)")
    with pytest.raises(ValueError, match=r"^f: k must be an int in \[1, 3\], got 4$"):
        check_int(4, "f", "k", minimum=1, maximum=3)


def test_check_count_raises_value_error_for_every_bad_value():
    assert check_count(0, "f", "n", minimum=0) == 0
    for bad in (0, 1.5, True, "2", None):
        with pytest.raises(ValueError, match=r"^f: n must be an int >= 1, got "):
            check_count(bad, "f", "n")


def test_callers_name_themselves_and_the_argument():
    from tempered.bandits import boltzmann_bandit
    from tempered.bandits import fixed
    from tempered.calibration import reliability_bins
    from tempered.determinism import fix_threads_and_seeds
    from tempered.energy import rugged_landscape
    from tempered.flows import two_moons
    from tempered.lm import grammar as g
    from tempered.lm.generation import distinct_n
    from tempered.lm.generation import repetition_rate
    from tempered.lm.generation import sample_manual
    from tempered.mcmc import grid_neighbours

    cases = [
        (lambda: rugged_landscape(1), "rugged_landscape: n_states must be an int >= 2"),
        (lambda: two_moons(2.0), "two_moons: n must be an int >= 2"),
        (lambda: reliability_bins(np.eye(2), [0, 1], 0), "reliability_bins: n_bins"),
        (
            lambda: boltzmann_bandit([0.0, 1.0, 2.0], fixed(1.0), 2),
            r"boltzmann_bandit: steps must be an int >= 3, got 2 \(every arm",
        ),
        (lambda: distinct_n([[1, 2]], 0), "distinct_n: n must be an int >= 1"),
        (
            lambda: repetition_rate([1, 2], 1.0),
            "repetition_rate: n must be an int >= 1",
        ),
        (lambda: sample_manual(None, [1], 1.0, -1), "sample_manual: max_new_tokens"),
        (lambda: g.sample_sentences(1.5), "sample_sentences: n must be an int >= 0"),
        (
            lambda: grid_neighbours(4, reach=0),
            "grid_neighbours: reach must be an int >= 1",
        ),
        (
            lambda: grid_neighbours((3, True)),
            "grid_neighbours: shape must be positive ints",
        ),
        (
            lambda: fix_threads_and_seeds(-1),
            "fix_threads_and_seeds: seed must be an int >= 0",
        ),
        (
            lambda: fix_threads_and_seeds(0, threads=1.0),
            "fix_threads_and_seeds: threads must be an int >= 1",
        ),
    ]
    for call, message in cases:
        with pytest.raises(ValueError, match=message):
            call()


def test_widgets_check_their_counts():
    from tempered.widgets.next_token import NextTokenExplorer

    with pytest.raises(
        ValueError, match="NextTokenExplorer: k must be an int >= 1, got 0"
    ):
        NextTokenExplorer("the", k=0)
