"""Step through a recorded simulated-annealing run of a travelling-salesperson tour.

Left: the cities and the tour at the chosen step. Right: the tour length and
the best length so far against the step, the temperature schedule on a second
(log) axis, and a marker at the chosen step. Only the tour, the marker and
the title move.
"""

from __future__ import annotations

import numpy as np

from ..style import OKABE_ITO
from ._live import LiveFigure
from ._live import new_figure
from .static import in_static_book
from .static import show_static


class AnnealingReplay(LiveFigure):
    """Replays recorded tours; :meth:`update` jumps to the record nearest a step number.

    Parameters
    ----------
    cities : (n, 2) coordinates.
    steps : (R,) recorded step numbers, increasing.
    tours : (R, n) the tour at each recorded step.
    lengths, best_lengths : (R,) current and best-so-far tour lengths.
    temperatures : (R,) the temperature at each recorded step.
    optimum : the optimal length, drawn as a reference line if given.
    """

    def __init__(
        self,
        cities,
        steps,
        tours,
        lengths,
        best_lengths,
        temperatures,
        optimum=None,
        step=0,
    ):
        self.cities = np.asarray(cities, dtype=float)
        self.steps = np.asarray(steps)
        self.tours = np.asarray(tours)
        self.lengths = np.asarray(lengths, dtype=float)
        self.best_lengths = np.asarray(best_lengths, dtype=float)
        self.temperatures = np.asarray(temperatures, dtype=float)
        R = self.steps.size
        if R == 0 or self.cities.ndim != 2 or self.cities.shape[1] != 2:
            raise ValueError(
                "AnnealingReplay: need cities of shape (n, 2) and at least one record"
            )
        for name, arr in [
            ("tours", self.tours[:, 0]),
            ("lengths", self.lengths),
            ("best_lengths", self.best_lengths),
            ("temperatures", self.temperatures),
        ]:
            if arr.shape[0] != R:
                raise ValueError(
                    f"AnnealingReplay: {name} has {arr.shape[0]} records, steps has {R}"
                )
        fig, (ax_tour, ax_len) = new_figure(
            figsize=(8.6, 3.6), ncols=2, width_ratios=[1, 1.4]
        )
        super().__init__(
            fig,
            alt="Left: cities and the current tour of an annealing run. Right: tour "
            "length and best length so far against the step, with the temperature.",
        )
        self.ax_tour, self.ax_len = ax_tour, ax_len
        ax_tour.scatter(*self.cities.T, s=22, color=OKABE_ITO["black"], zorder=3)
        (self.tour_line,) = ax_tour.plot([], [], color=OKABE_ITO["blue"], lw=1.6)
        ax_tour.set_aspect("equal")
        ax_tour.set_xticks([])
        ax_tour.set_yticks([])
        ax_tour.grid(False)
        margin = 0.05 * np.ptp(self.cities, axis=0).max()
        ax_tour.set_xlim(
            self.cities[:, 0].min() - margin, self.cities[:, 0].max() + margin
        )
        ax_tour.set_ylim(
            self.cities[:, 1].min() - margin, self.cities[:, 1].max() + margin
        )
        ax_len.plot(
            self.steps,
            self.lengths,
            color=OKABE_ITO["blue"],
            lw=1,
            label="current length",
        )
        ax_len.plot(
            self.steps,
            self.best_lengths,
            color=OKABE_ITO["orange"],
            lw=2,
            label="best so far",
        )
        if optimum is not None:
            ax_len.axhline(
                optimum, color=OKABE_ITO["black"], ls="--", lw=1, label="optimum"
            )
        ax_len.set_xlabel("step")
        ax_len.set_ylabel("tour length")
        ax_T = ax_len.twinx()
        ax_T.semilogy(
            self.steps,
            np.maximum(self.temperatures, 1e-12),
            color=OKABE_ITO["green"],
            lw=1.2,
            ls=":",
            label="temperature",
        )
        ax_T.set_ylabel("temperature T", color=OKABE_ITO["green"])
        ax_T.grid(False)
        ax_T.spines["right"].set_visible(True)
        handles = (
            ax_len.get_legend_handles_labels()[0] + ax_T.get_legend_handles_labels()[0]
        )
        ax_len.legend(handles=handles, loc="upper right", fontsize=9)
        self.marker = ax_len.axvline(
            self.steps[0], color=OKABE_ITO["vermillion"], lw=1.5
        )
        (self.dot,) = ax_len.plot(
            [self.steps[0]],
            [self.lengths[0]],
            "o",
            color=OKABE_ITO["vermillion"],
            zorder=4,
        )
        self.set_animated([self.tour_line, self.marker, self.dot, ax_tour.title])
        self.update(step)

    def update(self, step: int) -> None:
        """Show the record nearest ``step``: its tour, marker and numbers."""
        k = int(np.clip(np.searchsorted(self.steps, step), 0, self.steps.size - 1))
        if k > 0 and abs(self.steps[k - 1] - step) <= abs(self.steps[k] - step):
            k -= 1
        self.index = k
        closed = np.append(self.tours[k], self.tours[k][0])
        self.tour_line.set_data(self.cities[closed, 0], self.cities[closed, 1])
        self.marker.set_xdata([self.steps[k]] * 2)
        self.dot.set_data([self.steps[k]], [self.lengths[k]])
        self.ax_tour.set_title(
            f"step {self.steps[k]}, T = {self.temperatures[k]:.3g}\n"
            f"length {self.lengths[k]:.3f}, best {self.best_lengths[k]:.3f}",
            fontsize=11,
        )
        self.refresh()


def annealing_replay(cities, result, temperatures, chain=0, optimum=None):
    """Show an :class:`AnnealingReplay` of one chain of an ``anneal_tsp`` result, with a
    step slider.

    ``result`` must come from ``anneal_tsp(..., record_every=k, record_tours=True)``;
    ``temperatures`` is the schedule that run used (shape (n_steps,) or
    (n_steps, n_chains)). A play button steps through the run.
    """
    if result.snapshots.shape[0] == 0:
        raise ValueError(
            "annealing_replay: the run recorded no tours; use record_every > 0 and "
            "record_tours=True"
        )
    Ts = np.asarray(temperatures, dtype=float)
    Ts = Ts if Ts.ndim == 1 else Ts[:, chain]
    at_steps = Ts[np.minimum(result.steps, Ts.size - 1)]
    replay = AnnealingReplay(
        cities,
        result.steps,
        result.snapshots[:, chain],
        result.trace[:, chain],
        result.best_trace[:, chain],
        at_steps,
        optimum=optimum,
    )
    if in_static_book():
        show_static(
            "tour-replay",
            {
                "cities": replay.cities.round(4).tolist(),
                "steps": replay.steps.tolist(),
                "tours": replay.tours.tolist(),
                "lengths": replay.lengths.round(4).tolist(),
                "best": replay.best_lengths.round(4).tolist(),
                "temperatures": [float(f"{t:.4g}") for t in replay.temperatures],
                "optimum": None if optimum is None else round(float(optimum), 4),
            },
            "Replay of an annealing run: the tour at the chosen record, and its "
            "length against the step",
            replay,
        )
        return replay
    import ipywidgets as w
    from IPython.display import display

    spacing = int(result.steps[1] - result.steps[0]) if result.steps.size > 1 else 1
    slider = w.IntSlider(
        value=0, min=0, max=int(result.steps[-1]), step=spacing, description="step"
    )
    play = w.Play(value=0, min=0, max=int(result.steps[-1]), step=spacing, interval=80)
    w.jslink((play, "value"), (slider, "value"))
    slider.observe(lambda change: replay.update(change["new"]), names="value")
    display(w.VBox([w.HBox([play, slider]), replay.view()]))
    return replay
