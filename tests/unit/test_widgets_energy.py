"""Chapter 5 widgets: the same artists move in place and show the right numbers."""

import numpy as np
import pytest

from tempered.annealing import anneal_tsp
from tempered.annealing import geometric_schedule
from tempered.energy import boltzmann
from tempered.energy import rugged_landscape
from tempered.energy import thermodynamics
from tempered.widgets.annealing import AnnealingReplay
from tempered.widgets.annealing import annealing_replay
from tempered.widgets.energy import BoltzmannExplorer
from tempered.widgets.energy import boltzmann_explorer


def test_boltzmann_explorer_moves_the_same_artists_to_the_right_values():
    E = rugged_landscape(50, seed=1)
    explorer = BoltzmannExplorer(E, T=1.0)
    artists = [explorer.prob_line, explorer.mean_line, explorer.free_line]
    image = explorer.image_widget()
    first = bytes(image.value)
    explorer.update(0.3)
    assert [explorer.prob_line, explorer.mean_line, explorer.free_line] == artists
    assert (
        len(explorer.ax_prob.lines) == 1 and len(explorer.ax_energy.lines) == 3
    )  # nothing added
    s = thermodynamics(E, 0.3)
    np.testing.assert_allclose(
        explorer.prob_line.get_ydata(), boltzmann(E, 0.3), rtol=1e-12
    )
    np.testing.assert_allclose(explorer.mean_line.get_ydata(), [s.mean_energy] * 2)
    np.testing.assert_allclose(explorer.free_line.get_ydata(), [s.free_energy] * 2)
    title = explorer.ax_energy.get_title()
    assert (
        "T = 0.3" in title
        and f"{s.entropy:.3f}" in title
        and f"{s.free_energy:.3f}" in title
    )
    assert bytes(image.value) != first and bytes(image.value).startswith(b"\x89PNG")


def test_boltzmann_explorer_axis_toggle_and_tiny_probabilities():
    explorer = BoltzmannExplorer([0.0, 5.0, 50.0], T=0.01)
    assert explorer.ax_prob.get_yscale() == "log"
    assert np.all(
        explorer.prob_line.get_ydata() > 0
    )  # underflow to 0 is drawn at the floor, not lost
    explorer.set_log_scale(False)
    assert explorer.ax_prob.get_yscale() == "linear"


def test_boltzmann_explorer_rejects_bad_energies():
    with pytest.raises(ValueError, match="BoltzmannExplorer: energies contain NaN"):
        BoltzmannExplorer([0.0, np.nan])


def recorded_run():
    cities = np.random.default_rng(0).random((8, 2))
    dist = np.linalg.norm(cities[:, None] - cities[None, :], axis=-1)
    schedule = geometric_schedule(1.0, 0.01, 400)
    run = anneal_tsp(
        dist, schedule, n_chains=2, record_every=20, record_tours=True, rng=1
    )
    return cities, schedule, run


def test_annealing_replay_moves_the_tour_and_marker():
    cities, schedule, run = recorded_run()
    replay = AnnealingReplay(
        cities,
        run.steps,
        run.snapshots[:, 1],
        run.trace[:, 1],
        run.best_trace[:, 1],
        schedule[np.minimum(run.steps, 399)],
        optimum=2.5,
    )
    line, marker = replay.tour_line, replay.marker
    image = replay.image_widget()
    before = bytes(image.value)
    replay.update(205)  # nearest record: step 200, index 10
    assert replay.tour_line is line and replay.marker is marker
    assert replay.index == 10
    tour = run.snapshots[10, 1]
    closed = np.append(tour, tour[0])
    np.testing.assert_allclose(line.get_xdata(), cities[closed, 0])
    np.testing.assert_allclose(line.get_ydata(), cities[closed, 1])
    np.testing.assert_allclose(marker.get_xdata(), [200, 200])
    assert f"T = {schedule[200]:.3g}" in replay.ax_tour.get_title()
    assert f"best {run.best_trace[10, 1]:.3f}" in replay.ax_tour.get_title()
    assert bytes(image.value) != before
    replay.update(10_000)  # past the end: the last record
    assert replay.index == len(run.steps) - 1


def test_annealing_replay_checks_its_records():
    cities, schedule, run = recorded_run()
    with pytest.raises(ValueError, match="lengths has 3 records"):
        AnnealingReplay(
            cities,
            run.steps,
            run.snapshots[:, 0],
            run.trace[:3, 0],
            run.best_trace[:, 0],
            schedule[: len(run.steps)],
        )


def test_widget_builders_return_live_objects():
    explorer = boltzmann_explorer(rugged_landscape(30), T=2.0)
    assert isinstance(explorer, BoltzmannExplorer) and explorer.T == 2.0
    cities, schedule, run = recorded_run()
    replay = annealing_replay(cities, run, schedule, chain=1)
    assert isinstance(replay, AnnealingReplay)
    no_tours = anneal_tsp(np.eye(5) + 1 - np.eye(5) * 2, schedule, n_chains=1, rng=0)
    with pytest.raises(ValueError, match="recorded no tours"):
        annealing_replay(cities, no_tours, schedule)


def test_book_build_shows_the_static_twin_with_energies(monkeypatch):
    import IPython.display

    from tempered.widgets.energy import boltzmann_explorer
    from tempered.widgets.static import STATIC_ENV
    from tempered.widgets.static import StaticWidget

    shown = []
    monkeypatch.setenv(STATIC_ENV, "1")
    monkeypatch.setattr(IPython.display, "display", lambda obj, **kw: shown.append(obj))
    explorer = boltzmann_explorer([0.0, 1.0, float("inf"), 0.5], T=0.5)
    (widget,) = shown
    assert isinstance(widget, StaticWidget) and widget.kind == "bars"
    assert widget.spec["energies"] == [0.0, 1.0, None, 0.5] and widget.spec["T"] == 0.5
    assert explorer.T == 0.5


def test_book_build_shows_the_annealing_replay_as_a_static_twin(monkeypatch):
    import IPython.display

    from tempered.widgets.static import STATIC_ENV
    from tempered.widgets.static import StaticWidget

    shown = []
    monkeypatch.setenv(STATIC_ENV, "1")
    monkeypatch.setattr(IPython.display, "display", lambda obj, **kw: shown.append(obj))
    cities, schedule, run = recorded_run()
    replay = annealing_replay(cities, run, schedule, chain=1, optimum=2.5)
    (widget,) = shown
    assert isinstance(widget, StaticWidget) and widget.kind == "tour-replay"
    spec = widget.spec
    assert (
        spec["steps"] == run.steps.tolist()
        and spec["tours"] == run.snapshots[:, 1].tolist()
    )
    assert (
        len(spec["lengths"])
        == len(spec["best"])
        == len(spec["temperatures"])
        == len(run.steps)
    )
    assert spec["optimum"] == 2.5 and isinstance(replay, AnnealingReplay)
