"""An energy landscape and its Boltzmann distribution under a temperature slider.

Top panel: the energies E_i, with horizontal lines at the mean energy <E> and
the free energy F = <E> - T H. Bottom panel: p_i = exp(-E_i / T) / Z as a
step line. The title shows <E>, H and F; everything moves in place.
"""

from __future__ import annotations

import numpy as np

from ..energy import boltzmann
from ..energy import check_energies
from ..energy import thermodynamics
from ..style import OKABE_ITO
from ._live import LiveFigure
from ._live import new_figure
from ._live import probability_scale
from ._live import show_with_temperature_controls
from .static import in_static_book
from .static import json_logits
from .static import show_static


class BoltzmannExplorer(LiveFigure):
    """Energies and exp(-E/T)/Z, re-tempered in place by :meth:`update`."""

    def __init__(self, energies, T=1.0, log_scale=True):
        self.energies = check_energies(energies, "BoltzmannExplorer")
        n = self.energies.size
        fig, (ax_e, ax_p) = new_figure(figsize=(7.0, 4.6), nrows=2, sharex=True)
        super().__init__(
            fig,
            alt="An energy landscape (top) and its Boltzmann distribution (bottom) "
            "at the chosen temperature",
        )
        self.ax_energy, self.ax_prob = ax_e, ax_p
        x = np.arange(n)
        finite = np.isfinite(self.energies)
        ax_e.plot(
            x, self.energies, color=OKABE_ITO["black"], lw=1.5, label="energy $E_i$"
        )
        self.mean_line = ax_e.axhline(
            0.0,
            color=OKABE_ITO["orange"],
            lw=2,
            label=r"mean energy $\langle E\rangle$",
        )
        self.free_line = ax_e.axhline(
            0.0, color=OKABE_ITO["green"], lw=2, ls="--", label="free energy $F$"
        )
        low, high = self.energies[finite].min(), self.energies[finite].max()
        pad = 0.05 * (high - low or 1.0)
        # F = -T log Z reaches below min E by at most T log n; keep room for T up to
        # about 1.
        ax_e.set_ylim(low - max(pad, np.log(finite.sum())), high + pad)
        ax_e.set_ylabel("energy")
        ax_e.legend(loc="upper center", ncols=3, fontsize=9, framealpha=0.9)
        (self.prob_line,) = ax_p.step(
            x, np.full(n, 1.0 / n), where="mid", color=OKABE_ITO["blue"], lw=1.8
        )
        ax_p.set_xlabel("state $i$")
        ax_p.set_ylabel("probability $p_i$")
        ax_p.set_xlim(-0.5, n - 0.5)
        self.set_animated([self.mean_line, self.free_line, self.prob_line, ax_e.title])
        probability_scale(self.ax_prob, log_scale, 1e-8)
        self.update(T)

    def update(self, T: float) -> None:
        """Re-temper at ``T``: move the probability and energy lines and the title."""
        self.T = float(T)
        self.stats = thermodynamics(self.energies, self.T)
        p = boltzmann(self.energies, self.T)
        self.prob_line.set_ydata(np.maximum(p, 1e-300))
        self.mean_line.set_ydata([self.stats.mean_energy] * 2)
        self.free_line.set_ydata([self.stats.free_energy] * 2)
        s = self.stats
        self.ax_energy.set_title(
            f"T = {s.T:.3g}:  ⟨E⟩ = {s.mean_energy:.3f},  H = {s.entropy:.3f} nats,  "
            f"F = {s.free_energy:.3f}",
            fontsize=12,
        )
        self.refresh()

    def set_log_scale(self, log_scale: bool) -> None:
        """Switch the probability axis between log [1e-8, 1] and linear [0, 1]."""
        self.switch_probability_scale(self.ax_prob, log_scale, 1e-8)


def boltzmann_explorer(energies, T=1.0):
    """Show a :class:`BoltzmannExplorer` with a log-scale T slider (0.01 to 100) and an
    axis toggle.

    In the built book it shows the static twin instead: the browser re-computes
    exp(-E/T)/Z and <E>, H, F from the embedded energies.
    """
    explorer = BoltzmannExplorer(energies, T)
    if in_static_book():
        negated = json_logits(-explorer.energies)  # +inf energy (forbidden) -> masked
        show_static(
            "bars",
            {
                "energies": [None if u is None else -u for u in negated],
                "T": T,
                "xlabel": "state i",
                "ylabel": "probability p_i",
            },
            "Bar chart of the Boltzmann probabilities of the states at the "
            "temperature set by the slider, with the mean energy, entropy and free "
            "energy shown above it",
            explorer,
        )
        return explorer
    show_with_temperature_controls(
        explorer, T, scales=("log", "linear"), scale_label="p axis"
    )
    return explorer
