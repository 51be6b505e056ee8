"""A latent-temperature slider over samples of trained 2-D flows (chapter 10).

The same latent draws ``eps`` are pushed through each flow at ``z = tau * eps``
for the chosen ``tau``, so the points move continuously as the slider moves
(``set_offsets`` on a scatter). In the built book the static twin carries the
samples pre-computed at a grid of ``tau`` values and shows the nearest one.
"""

from __future__ import annotations

import numpy as np

from .._optional import require
from .._validate import check_count
from ..style import PALETTE
from ._live import LiveFigure
from ._live import new_figure
from .static import in_static_book
from .static import show_static

torch = require("torch", "flows", "tempered.widgets.flow")

STATIC_TAUS = np.round(np.linspace(0.0, 1.2, 13), 3)


class FlowSamplesExplorer(LiveFigure):
    """Scatter plots of f(tau * eps), one panel per flow, moved in place by
    :meth:`update`."""

    def __init__(
        self,
        flows: dict,
        n: int = 1000,
        tau: float = 1.0,
        seed: int = 0,
        xlim=(-2.0, 3.0),
        ylim=(-1.5, 2.0),
    ):
        if not flows:
            raise ValueError("FlowSamplesExplorer: give at least one flow")
        n = check_count(n, "FlowSamplesExplorer", "n", maximum=2000)
        self.flows = dict(flows)
        self.eps = torch.randn(n, 2, generator=torch.Generator().manual_seed(seed))
        self.xlim, self.ylim = xlim, ylim
        fig, axes = new_figure(
            figsize=(3.3 * len(self.flows), 3.4), ncols=len(self.flows), squeeze=False
        )
        super().__init__(
            fig, alt="Scatter plots of flow samples at the chosen latent temperature"
        )
        self.axes = list(axes[0])
        self.scatters = []
        for i, (ax, name) in enumerate(zip(self.axes, self.flows)):
            self.scatters.append(
                ax.scatter(np.zeros(n), np.zeros(n), s=3, alpha=0.5, color=PALETTE[i])
            )
            ax.set_xlim(*xlim)
            ax.set_ylim(*ylim)
            ax.set_xlabel("$x_1$")
            ax.set_ylabel("$x_2$")
            ax.set_title(name)
        self.suptitle = fig.suptitle(" ")
        self.set_animated([*self.scatters, self.suptitle])
        self.update(tau)

    @torch.no_grad()
    def samples(self, tau: float) -> list:
        """The points f(tau * eps) of every flow, as numpy arrays."""
        if not tau >= 0:
            raise ValueError(f"FlowSamplesExplorer: tau must be >= 0, got {tau}")
        return [flow(tau * self.eps)[0].numpy() for flow in self.flows.values()]

    def update(self, tau: float) -> None:
        """Re-sample at latent temperature ``tau`` (std x tau, so T = tau^2) and move
        the points."""
        self.tau = float(tau)
        for scatter, x in zip(self.scatters, self.samples(tau)):
            scatter.set_offsets(x)
        self.suptitle.set_text(
            f"latent std × s, s = {tau:.2f}  (samples p_z^(1/T) with T = s² = "
            f"{tau**2:.2f})"
        )
        self.refresh()

    def static_spec(self) -> dict:
        """The static twin's samples: at each of :data:`STATIC_TAUS`, 3 decimals."""
        frames = [
            [np.round(x, 3).tolist() for x in self.samples(t)] for t in STATIC_TAUS
        ]
        return {
            "taus": STATIC_TAUS.tolist(),
            "names": list(self.flows),
            "frames": frames,
            "xlim": list(self.xlim),
            "ylim": list(self.ylim),
            "tau": self.tau,
        }


def flow_samples_explorer(flows: dict, n: int = 1000, tau: float = 1.0, seed: int = 0):
    """Show a :class:`FlowSamplesExplorer` with a latent-temperature slider (0 to 1.2).

    In the built book it shows the static twin ``flow-samples`` instead.
    """
    explorer = FlowSamplesExplorer(flows, n=n, tau=tau, seed=seed)
    alt = (
        "Scatter plots of samples of each flow at the latent temperature of the slider"
    )
    if in_static_book():
        show_static("flow-samples", explorer.static_spec(), alt, explorer)
        return explorer
    import IPython.display
    import ipywidgets as w

    slider = w.FloatSlider(
        value=tau, min=0.0, max=1.2, step=0.01, description="s", readout_format=".2f"
    )
    slider.observe(lambda change: explorer.update(change["new"]), names="value")
    IPython.display.display(w.VBox([slider, explorer.view()]))
    return explorer
