"""Two classes at temperature T: the probability is a sigmoid of the logit difference
over T.

With logits ``u1`` and ``u2`` the tempered softmax gives
``p1 = sigmoid((u1 - u2) / T)`` and ``p2 = 1 - p1``. The widget has two
sliders, the difference ``d = u1 - u2`` and a log-scale temperature, and one
figure: on the left the curve ``d -> sigmoid(d / T)`` with a marker at the
current ``d`` (and the ``T = 1`` curve for reference), on the right the two
probabilities as bars.
"""

from __future__ import annotations

import numpy as np

from ..softmax import tempered_softmax
from ..style import OKABE_ITO
from ._live import LiveFigure
from ._live import new_figure
from ._live import temperature_slider


def sigmoid(x):
    """The logistic function 1 / (1 + exp(-x)), without overflow for large |x|."""
    x = np.asarray(x, dtype=float)
    with np.errstate(under="ignore"):
        e = np.exp(
            -np.abs(x)
        )  # in [0, 1]: never overflows, and underflow to 0 is harmless
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


class TwoLogitExplorer(LiveFigure):
    """Curve of sigmoid(d / T) against d, a marker at the current d, and bars p1, p2."""

    def __init__(self, d=1.0, T=1.0, d_max=8.0, n_points=241):
        if not d_max > 0:
            raise ValueError(f"TwoLogitExplorer: d_max must be > 0, got {d_max!r}")
        fig, (ax_curve, ax_bars) = new_figure(
            figsize=(7.6, 3.4), ncols=2, gridspec_kw={"width_ratios": [2.2, 1.0]}
        )
        super().__init__(
            fig,
            alt="Left: the curve p1 = sigmoid(d / T) against the logit difference d, "
            "with a marker at the current d and the T = 1 curve dashed. Right: two "
            "bars with the probabilities p1 and p2.",
        )
        self.ax_curve, self.ax_bars = ax_curve, ax_bars
        self.d_grid = np.linspace(-d_max, d_max, n_points)

        # Static parts: the reference curve at T = 1 and the p = 1/2 line.
        ax_curve.plot(
            self.d_grid,
            sigmoid(self.d_grid),
            color=OKABE_ITO["black"],
            ls="--",
            lw=1,
            alpha=0.6,
            label="T = 1",
        )
        ax_curve.axhline(0.5, color=OKABE_ITO["black"], lw=0.8, alpha=0.4)
        ax_curve.set_xlim(-d_max, d_max)
        ax_curve.set_ylim(-0.02, 1.02)
        ax_curve.set_xlabel("logit difference $d = u_1 - u_2$")
        ax_curve.set_ylabel("$p_1 = s(d / T)$")

        # Moving parts.
        (self.curve,) = ax_curve.plot(
            self.d_grid,
            sigmoid(self.d_grid),
            color=OKABE_ITO["blue"],
            lw=2.2,
            label="current T",
        )
        (self.marker,) = ax_curve.plot(
            [0.0], [0.5], "o", ms=9, color=OKABE_ITO["vermillion"], label="current d"
        )
        ax_curve.legend(loc="upper left", fontsize=9)

        self.bars = ax_bars.bar(
            [0, 1],
            [0.5, 0.5],
            color=[OKABE_ITO["blue"], OKABE_ITO["orange"]],
            width=0.6,
        )
        ax_bars.set_xticks([0, 1], ["class 1", "class 2"])
        ax_bars.set_ylim(0, 1.12)
        ax_bars.set_ylabel("probability")
        self.bar_labels = [
            ax_bars.text(x, 0.5, "", ha="center", va="bottom", fontsize=10)
            for x in (0, 1)
        ]

        # No changing title: the sliders show T and d, and every extra glyph costs time
        # per tick.
        self.set_animated([self.curve, self.marker, *self.bars, *self.bar_labels])
        self.d = float(d)
        self.T = float(T)
        self.update(d=d, T=T)

    def probabilities(self):
        """(p1, p2) at the current d and T: the tempered softmax of logits (d, 0)."""
        return tempered_softmax(np.array([self.d, 0.0]), self.T)

    def update(self, d=None, T=None) -> None:
        """Move to logit difference ``d`` and/or temperature ``T``; the sliders call
        this on every tick."""
        if d is not None:
            self.d = float(d)
        if T is not None:
            if not T > 0:
                raise ValueError(f"TwoLogitExplorer.update: T must be > 0, got {T!r}")
            self.T = float(T)
        self.curve.set_ydata(sigmoid(self.d_grid / self.T))
        p1 = float(sigmoid(self.d / self.T))
        p2 = float(sigmoid(-self.d / self.T))  # = 1 - p1, accurate even when p2 is tiny
        self.marker.set_data([self.d], [p1])
        for bar, label, height in zip(self.bars, self.bar_labels, (p1, p2)):
            bar.set_height(height)
            label.set_y(height + 0.01)
            label.set_text(f"{height:.3f}")
        self.refresh()


def two_logit_explorer(d=1.0, T=1.0, d_max=8.0):
    """Show a :class:`TwoLogitExplorer` with a slider for d = u1 - u2 and a log-scale T
    slider.

    Returns the explorer; its figure updates in place as the sliders move.
    In the built book it shows the static twin instead (see ``widgets.static``).
    """
    from .static import in_static_book
    from .static import show_static

    explorer = TwoLogitExplorer(d=d, T=T, d_max=d_max)
    if in_static_book():
        spec = {
            "xmin": -float(d_max),
            "xmax": float(d_max),
            "ymin": 0.0,
            "ymax": 1.0,
            "T": float(T),
            "d": float(d),
        }
        show_static(
            "two-logit",
            spec,
            "The curve p1 = sigmoid(d / T) against the logit difference d at the "
            "temperature set by the slider, the T = 1 curve dashed, and a marker at "
            "the chosen d",
            explorer,
        )
        return explorer
    import ipywidgets as w
    from IPython.display import display

    d_slider = w.FloatSlider(
        value=d,
        min=-d_max,
        max=d_max,
        step=0.05,
        description="d = u₁ − u₂",
        readout_format=".2f",
        style={"description_width": "initial"},
    )
    T_slider = temperature_slider(T)
    d_slider.observe(lambda change: explorer.update(d=change["new"]), names="value")
    T_slider.observe(lambda change: explorer.update(T=change["new"]), names="value")
    display(w.VBox([w.HBox([d_slider, T_slider]), explorer.view()]))
    return explorer
