"""A temperature slider over the bar chart of a distribution.

Log-scale slider from 1e-2 to 1e2, the entropy in the title, and a toggle
between a linear and a logarithmic probability axis.
"""

from __future__ import annotations

import numpy as np

from ..softmax import entropy
from ..softmax import tempered_softmax
from ..style import OKABE_ITO
from ._live import LiveFigure
from ._live import new_figure
from ._live import probability_scale
from ._live import show_with_temperature_controls
from .static import in_static_book
from .static import json_logits
from .static import show_static


class TemperatureExplorer(LiveFigure):
    """Bars of softmax(logits / T) that a slider re-tempers in place."""

    def __init__(self, logits, labels=None, T=1.0, log_scale=False):
        self.logits = np.asarray(logits, dtype=float)
        n = self.logits.size
        self.labels = list(labels) if labels is not None else [str(i) for i in range(n)]
        fig, ax = new_figure(figsize=(7, 3.6))
        super().__init__(
            fig, alt="Bar chart of token probabilities at the chosen temperature"
        )
        self.ax = ax
        self.max_entropy = float(np.log(np.isfinite(self.logits).sum()))
        x = np.arange(n)
        self.bars = ax.bar(x, np.zeros(n), color=OKABE_ITO["blue"])
        ax.set_xticks(
            x,
            self.labels,
            rotation=45 if n > 8 else 0,
            ha="right" if n > 8 else "center",
        )
        ax.set_xlabel("token")
        ax.set_ylabel("probability")
        self.set_animated([*self.bars, ax.title])
        self.T = T
        probability_scale(self.ax, log_scale, 1e-6)
        self.update(T)

    def update(self, T: float) -> None:
        """Re-temper at ``T`` and move the bars; the slider calls this on every tick."""
        self.T = T
        p = tempered_softmax(self.logits, T)
        for bar, height in zip(self.bars, p):
            bar.set_height(height)
        self.ax.set_title(
            f"T = {T:.3g}:  entropy H = {entropy(p):.3f} nats (max "
            f"{self.max_entropy:.3f})"
        )
        self.refresh()

    def set_log_scale(self, log_scale: bool) -> None:
        """Switch the probability axis between linear [0, 1] and log [1e-6, 1]."""
        self.switch_probability_scale(self.ax, log_scale, 1e-6)


def temperature_explorer(logits, labels=None, T=1.0):
    """Show a :class:`TemperatureExplorer` with a log-scale T slider and a log-axis
    toggle.

    Returns the explorer; its figure updates in place as the controls move.
    In the built book it shows the static twin instead (see ``widgets.static``).
    """
    explorer = TemperatureExplorer(logits, labels, T)
    if in_static_book():
        show_static(
            "bars",
            {"logits": json_logits(logits), "labels": explorer.labels, "T": T},
            "Bar chart of the token probabilities at the temperature set by the slider",
            explorer,
        )
        return explorer
    show_with_temperature_controls(explorer, T)
    return explorer
