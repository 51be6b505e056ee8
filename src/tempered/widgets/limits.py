"""The two temperature limits, seen together: a slider from T = 1e-3 to 1e3.

Left, the bars of softmax(logits / T) for logits with a tie at the top and a
masked token, over two sets of reference marks: the T -> 0 limit (1/k on each
of the k tied maxima) and the T -> inf limit (1/m on each of the m unmasked
tokens). Right, the entropy H(T) over the whole range of T, between its two
limits log k and log m, with a dot at the current T. A toggle lowers all but
the first of the tied maxima by a small gap, which turns k into 1.
"""

from __future__ import annotations

import numpy as np

from ..softmax import entropy
from ..softmax import tempered_softmax
from ..style import OKABE_ITO
from ._live import LiveFigure
from ._live import new_figure
from ._live import temperature_slider

#: The default logits: a two-way tie at the top and one masked token.
DEFAULT_LOGITS = (3.2, 3.2, 2.1, 1.6, 0.3, -np.inf)
DEFAULT_LABELS = ("mat", "rug", "floor", "chair", "keyboard", "moon")

T_MIN, T_MAX = 1e-3, 1e3


def _reference_segments(heights, half_width=0.38):
    """x and y of short horizontal segments, one per bar, NaN-separated (one Line2D)."""
    n = len(heights)
    x = np.empty(3 * n)
    y = np.empty(3 * n)
    centres = np.arange(n, dtype=float)
    x[0::3], x[1::3], x[2::3] = centres - half_width, centres + half_width, np.nan
    y[0::3], y[1::3], y[2::3] = heights, heights, np.nan
    return x, y


def _format_T(T: float) -> str:
    """Three significant digits without an exponent: 0.00123, 0.5, 12.3, 1000."""
    return np.format_float_positional(
        T, precision=3, unique=False, fractional=False, trim="-"
    )


class LimitsExplorer(LiveFigure):
    """Bars of p(T) between its limits at T -> 0 and T -> inf; H(T) from log |M|."""

    def __init__(
        self, logits=DEFAULT_LOGITS, labels=None, T=1.0, tie_gap=0.3, n_curve=241
    ):
        self.base_logits = np.asarray(logits, dtype=float)
        if self.base_logits.ndim != 1:
            raise ValueError("LimitsExplorer: logits must be one-dimensional")
        n = self.base_logits.size
        if labels is None:
            labels = (
                DEFAULT_LABELS
                if n == len(DEFAULT_LABELS)
                else [str(i) for i in range(n)]
            )
        self.labels = list(labels)
        self.tie_gap = float(tie_gap)
        self.tie_broken = False
        self.curve_T = np.logspace(np.log10(T_MIN), np.log10(T_MAX), n_curve)
        self.masked = ~np.isfinite(self.base_logits)

        fig, (ax_p, ax_h) = new_figure(
            figsize=(9.4, 3.6), dpi=80, ncols=2, width_ratios=[1.35, 1]
        )
        super().__init__(
            fig,
            alt="Bars of token probabilities at temperature T with the T to 0 and "
            "T to infinity limits marked, and the entropy H(T) between log |M| and "
            "log m",
        )
        self.ax_p, self.ax_h = ax_p, ax_h

        # Left: bars and the two limits.
        x = np.arange(n)
        self.bars = ax_p.bar(
            x, np.zeros(n), width=0.62, color=OKABE_ITO["blue"], label="$p_i(T)$"
        )
        (self.zero_limit_line,) = ax_p.plot(
            [],
            [],
            color=OKABE_ITO["vermillion"],
            lw=2.5,
            ls="--",
            label=r"$T \to 0$: $1/|\mathcal{M}|$ on the argmax set",
        )
        (self.inf_limit_line,) = ax_p.plot(
            [],
            [],
            color=OKABE_ITO["green"],
            lw=2.5,
            ls=":",
            label=r"$T \to \infty$: $1/m$ on unmasked",
        )
        ticks = [
            f"{lab}\n(masked)" if masked else lab
            for lab, masked in zip(self.labels, self.masked)
        ]
        ax_p.set_xticks(x, ticks)
        ax_p.set_xlim(-0.6, n - 0.4)
        ax_p.set_ylim(0, 1.02)
        ax_p.set_xlabel("token")
        ax_p.set_ylabel("probability")
        ax_p.legend(
            handles=[self.bars, self.zero_limit_line, self.inf_limit_line],
            loc="upper right",
            fontsize=9.5,
            framealpha=0.95,
        )

        # Right: the entropy curve, its limits and the current point.
        ax_h.set_xscale("log")
        ax_h.set_xlim(
            T_MIN, T_MAX
        )  # fixed before anything is plotted: no autoscaling on one point
        (self.entropy_curve,) = ax_h.plot(
            [], [], color=OKABE_ITO["blue"], lw=2, label="$H(T)$"
        )
        self.log_k_line = ax_h.axhline(
            0.0, color=OKABE_ITO["vermillion"], ls="--", lw=1.5
        )
        self.log_m_line = ax_h.axhline(0.0, color=OKABE_ITO["green"], ls=":", lw=2)
        (self.marker,) = ax_h.plot(
            [], [], "o", color=OKABE_ITO["orange"], ms=9, zorder=5
        )
        self.cursor = ax_h.axvline(T, color=OKABE_ITO["orange"], lw=1, alpha=0.7)
        ax_h.set_xlabel("temperature T (log scale)")
        ax_h.set_ylabel("entropy H (nats)")
        ax_h.set_title("H(T) rises from log |M| to log m", fontsize=12)

        # The limit marks are redrawn after the bars so that they stay visible on top of
        # them.
        self.set_animated(
            [
                *self.bars,
                self.zero_limit_line,
                self.inf_limit_line,
                self.cursor,
                self.marker,
                ax_p.title,
            ]
        )
        self._set_static()
        self.T = T
        self.update(T)

    # ------------------------------------------------------------------ state
    @property
    def logits(self) -> np.ndarray:
        """The logits in use: the base logits, or with the tie broken."""
        u = self.base_logits.copy()
        if self.tie_broken:
            top = np.flatnonzero(u == u.max())
            u[top[1:]] -= self.tie_gap
        return u

    def _set_static(self) -> None:
        """Recompute what depends on the logits only: limits, k, m, the H(T) curve."""
        u = self.logits
        self.p_zero = tempered_softmax(u, 0)
        self.p_inf = tempered_softmax(u, np.inf)
        self.k = int((u == u.max()).sum())
        self.m = int(np.isfinite(u).sum())
        self.zero_limit_line.set_data(*_reference_segments(self.p_zero))
        self.inf_limit_line.set_data(*_reference_segments(self.p_inf))
        self.curve_H = np.array([entropy(tempered_softmax(u, t)) for t in self.curve_T])
        self.entropy_curve.set_data(self.curve_T, self.curve_H)
        log_k, log_m = np.log(self.k), np.log(self.m)
        self.log_k_line.set_ydata([log_k, log_k])
        self.log_m_line.set_ydata([log_m, log_m])
        self.ax_h.set_ylim(-0.05, 1.12 * log_m + 0.05)
        for text in list(self.ax_h.texts):
            text.remove()
        # Each label sits where H(T) is far from its line: log |M| on the right,
        # log m on the left.
        self.ax_h.text(
            0.8 * T_MAX,
            log_k + 0.03 * log_m,
            f"log |M| = log {self.k} = {log_k:.3f}",
            color=OKABE_ITO["vermillion"],
            fontsize=10,
            va="bottom",
            ha="right",
        )
        self.ax_h.text(
            1.3 * T_MIN,
            log_m + 0.03 * log_m,
            f"log m = log {self.m} = {log_m:.3f}",
            color=OKABE_ITO["green"],
            fontsize=10,
            va="bottom",
        )

    # ------------------------------------------------------------------ ticks
    def update(self, T: float) -> None:
        """Re-temper at ``T``: move the bars, the H(T) dot and the title."""
        self.T = float(T)
        p = tempered_softmax(self.logits, self.T)
        for bar, height in zip(self.bars, p):
            bar.set_height(height)
        H = float(entropy(p))
        self.H = H
        self.marker.set_data([self.T], [H])
        self.cursor.set_xdata([self.T, self.T])
        self.ax_p.set_title(f"T = {_format_T(self.T)}:  H(T) = {H:.3f} nats")
        self.refresh()

    def set_tie_broken(self, broken: bool) -> None:
        """Lower all but the first tied maximum by ``tie_gap`` (or restore the tie)."""
        self.tie_broken = bool(broken)
        self._set_static()
        self.invalidate()
        self.update(self.T)


def limits_explorer(logits=DEFAULT_LOGITS, labels=None, T=1.0, tie_gap=0.3):
    """Show a :class:`LimitsExplorer` with a log-scale T slider (1e-3 to 1e3) and a tie
    toggle.

    Returns the explorer; its figure updates in place as the controls move.
    In the built book it shows the static twin instead (see ``widgets.static``):
    the bars with both limits marked under a T slider, redrawn by the browser.
    """
    from .static import in_static_book
    from .static import json_logits
    from .static import show_static

    explorer = LimitsExplorer(logits, labels, T, tie_gap=tie_gap)
    if in_static_book():
        spec = {
            "logits": json_logits(explorer.base_logits),
            "labels": explorer.labels,
            "T": T,
            "limits": True,
            "tmin": T_MIN,
            "tmax": T_MAX,
        }
        show_static(
            "bars",
            spec,
            "Bar chart of the token probabilities at the temperature set by the "
            "slider, with the T to 0 limit (uniform over the tied maximal logits) and "
            "the T to infinity limit (uniform over the unmasked tokens) marked",
            explorer,
        )
        return explorer
    import ipywidgets as w
    from IPython.display import display

    slider = temperature_slider(T, t_min=T_MIN, t_max=T_MAX, step=0.02)
    toggle = w.Checkbox(
        value=False, description=f"break the tie (lower it by {tie_gap:g})"
    )
    slider.observe(lambda change: explorer.update(change["new"]), names="value")
    toggle.observe(lambda change: explorer.set_tie_broken(change["new"]), names="value")
    display(w.VBox([w.HBox([slider, toggle]), explorer.view()]))
    return explorer
