"""Log-sum-exp as a smooth maximum: T * LSE(u / T) against max(u), as one logit moves.

The logits are ``u = (x, others...)``: the first logit ``x`` runs along the
horizontal axis and the others stay fixed. For every temperature ``T > 0``

    max(u) <= T * LSE(u / T) <= max(u) + T * log(n),

so the smooth curve lies between the hard maximum (a broken line with a kink
where ``x`` ties the largest other logit) and the same line raised by
``T log n``. The gap is largest at the tie and shrinks to 0 as ``T -> 0``.
A log-scale slider moves ``T`` from 1e-2 to 1e2; when the curves outgrow the
plot, the vertical axis grows in round steps (the only ticks that redraw
everything), and shrinks back when ``T`` comes down.
"""

from __future__ import annotations

import math

import numpy as np

from ..softmax import logsumexp
from ..style import OKABE_ITO
from ._live import LiveFigure
from ._live import new_figure
from ._live import temperature_slider

T_MAX = 100.0  # the slider's largest temperature


def _round_up(span: float) -> float:
    """The smallest of 1, 2, 3, 5 times a power of ten that is >= ``span`` (> 0)."""
    power = 10.0 ** math.floor(math.log10(span))
    for step in (1.0, 2.0, 3.0, 5.0, 10.0):
        if step * power >= span * (1 - 1e-12):
            return step * power
    return 10.0 * power


def smooth_max(U, T: float, axis: int = -1):
    """T * LSE(U / T) along ``axis``: the smooth maximum at temperature ``T``.

    ``T = 0`` returns the hard maximum (the limit T -> 0+). ``T`` must be a
    finite number >= 0.
    """
    T = float(T)
    if not (math.isfinite(T) and T >= 0):
        raise ValueError(f"smooth_max: T must be a finite number >= 0, got {T!r}")
    U = np.asarray(U, dtype=float)
    if T == 0:
        return U.max(axis=axis)
    return T * logsumexp(U / T, axis=axis)


class SmoothMaxExplorer(LiveFigure):
    """Curves of max(u), T LSE(u / T) and max(u) + T log n against the free logit x."""

    def __init__(
        self, others=(1.0, 0.0), x_range=(-3.0, 4.0), T=1.0, n_points=301, ylim=None
    ):
        self.others = np.atleast_1d(np.asarray(others, dtype=float))
        if (
            self.others.ndim != 1
            or self.others.size == 0
            or not np.isfinite(self.others).all()
        ):
            raise ValueError(
                "SmoothMaxExplorer: others must be a non-empty list of finite logits, "
                f"got {others!r}"
            )
        x_lo, x_hi = (float(v) for v in x_range)
        if not x_lo < x_hi:
            raise ValueError(
                f"SmoothMaxExplorer: x_range must be increasing, got {x_range!r}"
            )
        self.n = self.others.size + 1
        self.x = np.linspace(x_lo, x_hi, int(n_points))
        # One row of logits per grid point: (x, others...).
        self.U = np.column_stack(
            [self.x, np.broadcast_to(self.others, (self.x.size, self.others.size))]
        )
        self.hard_max = self.U.max(axis=1)
        self.tie = float(
            self.others.max()
        )  # where x ties the largest other logit: the kink
        self.u_tie = np.concatenate([[self.tie], self.others])
        self.log_n = math.log(self.n)

        fig, ax = new_figure(figsize=(7.6, 3.5))
        super().__init__(
            fig,
            alt="Line plot against the free logit x: the hard maximum max(u), a broken "
            "line with a kink where x ties the largest other logit; the smooth "
            "maximum T LSE(u/T) above it; the upper bound max(u) + T log n dashed; "
            "and a vertical segment marking the largest gap, at the tie.",
        )
        self.ax = ax
        ax.plot(self.x, self.hard_max, color=OKABE_ITO["black"], lw=1.5, label="max(u)")
        (self.smooth_line,) = ax.plot(
            self.x, self.hard_max, color=OKABE_ITO["blue"], lw=2.4, label="T·LSE(u/T)"
        )
        (self.bound_line,) = ax.plot(
            self.x,
            self.hard_max,
            color=OKABE_ITO["orange"],
            lw=1.6,
            ls="--",
            label="max(u) + T log n",
        )
        (self.gap_line,) = ax.plot(
            [self.tie, self.tie],
            [self.tie, self.tie],
            color=OKABE_ITO["vermillion"],
            lw=2.4,
            solid_capstyle="butt",
            label="largest gap (at the tie)",
        )
        # The vertical axis starts at a fixed floor and, unless ``ylim`` is given, grows
        # in round steps when the bound max(u) + T log n leaves the top. Such a tick
        # repaints the background once; the layout is fixed up front, with room for the
        # widest tick labels the slider (T <= T_MAX) can need, so no tick has to lay the
        # figure out again.
        self.auto_ylim = ylim is None
        if ylim is None:
            floor = self.hard_max.min() - 1.0
            ylim = (
                floor,
                floor + _round_up(self.hard_max.max() + 2.0 * self.log_n - floor),
            )
        self.base_ylim = tuple(float(v) for v in ylim)
        ax.set_xlim(x_lo, x_hi)
        ax.set_ylim(*self.base_ylim)
        others_text = ", ".join(f"{v:g}" for v in self.others)
        ax.set_xlabel(f"free logit x   (u = (x, {others_text}))")
        ax.set_ylabel("value")
        fig.legend(loc="outside right upper", fontsize=9)
        self.set_animated([self.smooth_line, self.bound_line, self.gap_line, ax.title])
        if self.auto_ylim:
            floor = self.base_ylim[0]
            self.reserved_top = floor + _round_up(
                1.05 * (self.hard_max.max() + T_MAX * self.log_n - floor)
            )
            ax.set_ylim(floor, self.reserved_top)
            fig.canvas.draw()  # constrained layout with the widest tick labels ...
            fig.set_layout_engine("none")  # ... kept from now on
            ax.set_ylim(*self.base_ylim)
        self.label = (
            None  # an ipywidgets.Label for the numbers, set by smooth_max_explorer
        )
        self.T = float(T)
        self.update(T)

    def _fit_ylim(self, top_needed: float) -> None:
        """Raise (or lower back) the top of the axis in round steps; redraw the
        background only then."""
        floor, base_top = self.base_ylim
        top = max(base_top, floor + _round_up(1.05 * (top_needed - floor)))
        if top != self.ax.get_ylim()[1]:
            self.ax.set_ylim(floor, top)
            if top > self.reserved_top:
                self.invalidate()  # beyond the slider's range: lay the figure out again
            else:
                self._background = None  # repaint the static parts once, same layout

    def curves(self, T: float):
        """(smooth, bound) on the x grid at ``T``: T LSE(u/T) and max(u) + T log n."""
        return smooth_max(self.U, T, axis=1), self.hard_max + T * self.log_n

    def update(self, T: float) -> None:
        """Redraw the smooth maximum at ``T``; the slider calls this on every tick."""
        T = float(T)
        if not (math.isfinite(T) and T > 0):
            raise ValueError(
                f"SmoothMaxExplorer.update: T must be a finite number > 0, got {T!r}"
            )
        self.T = T
        smooth, bound = self.curves(T)
        if self.auto_ylim:
            self._fit_ylim(float(bound.max()))
        self.smooth_line.set_ydata(smooth)
        self.bound_line.set_ydata(bound)
        top = float(smooth_max(self.u_tie, T))
        self.gap_line.set_ydata([self.tie, top])
        self.gap = top - self.tie
        # The numbers go to a text widget beside the slider (no glyphs to rasterise per
        # tick); the figure's title keeps only T.
        self.summary = f"largest gap {self.gap:.4g}  ≤  T log n = {T * self.log_n:.4g}"
        if self.label is not None:
            self.label.value = self.summary
        self.ax.set_title(f"T = {T:.3g}")
        self.refresh()


def smooth_max_explorer(others=(1.0, 0.0), x_range=(-3.0, 4.0), T=1.0):
    """Show a :class:`SmoothMaxExplorer` under a log-scale temperature slider (1e-2 to
    1e2).

    Returns the explorer; its figure updates in place as the slider moves.
    In the built book it shows the static twin instead (see ``widgets.static``).
    """
    from .static import in_static_book
    from .static import show_static

    explorer = SmoothMaxExplorer(others=others, x_range=x_range, T=T)
    if in_static_book():
        spec = {
            "others": [float(v) for v in explorer.others],
            "xmin": float(explorer.x[0]),
            "xmax": float(explorer.x[-1]),
            "ymin": explorer.base_ylim[0],
            "ymax": explorer.base_ylim[1],
            "T": float(T),
            "x": explorer.tie,
        }
        show_static(
            "smooth-max",
            spec,
            "The smooth maximum T LSE(u/T) against the free logit x at the "
            "temperature set by the slider, with max(u) and the bound max(u) + T log n",
            explorer,
        )
        return explorer
    import ipywidgets as w
    from IPython.display import display

    slider = temperature_slider(T)
    explorer.label = w.Label(value=explorer.summary)
    explorer.slider = slider
    slider.observe(lambda change: explorer.update(change["new"]), names="value")
    display(w.VBox([w.HBox([slider, explorer.label]), explorer.view()]))
    return explorer
