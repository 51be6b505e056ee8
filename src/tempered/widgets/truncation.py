"""Temperature next to truncation: a T slider, a truncation rule and its parameter, and
the order.

The bars are the distribution that is finally sampled, ``warp_probs(logits, T, ...)``.
Behind each bar an outline shows the tempered distribution before truncation,
``softmax(logits / T)``; the outline of a removed token is drawn in vermillion
with a cross on the axis. Temperature alone never removes a token; truncation
does, and with ``order="transformers"`` (temperature first) the kept set of
top-p and min-p moves with T, while with ``order="llama.cpp"`` (temperature
last) it does not.
"""

from __future__ import annotations

import numpy as np

from ..softmax import tempered_softmax
from ..style import OKABE_ITO
from ..truncation import ORDERS
from ..truncation import warp
from ._live import LiveFigure
from ._live import new_figure
from ._live import temperature_slider
from .static import in_static_book
from .static import json_logits
from .static import show_static

#: The truncation rules the widget offers, in menu order.
METHODS = ("none", "top-k", "top-p", "min-p")
#: The parameter each rule starts with.
DEFAULT_PARAMS = {"none": None, "top-k": 3, "top-p": 0.8, "min-p": 0.1}

ALT = (
    "Bar chart of the final token probabilities after temperature and truncation; "
    "outlines show the tempered probabilities before truncation and removed tokens are "
    "marked with a cross"
)


def _check_method(method: str) -> str:
    if method not in METHODS:
        raise ValueError(
            f"TruncationExplorer: method must be one of {METHODS}, got {method!r}"
        )
    return method


def truncation_kwargs(method: str, param) -> dict:
    """The keyword arguments of :func:`tempered.truncation.warp` for a menu choice."""
    _check_method(method)
    if method == "none":
        return {}
    if method == "top-k":
        return {"top_k": int(param)}
    return {"top_p" if method == "top-p" else "min_p": float(param)}


def describe(method: str, param) -> str:
    """The rule as a short label: 'no truncation', 'top-k = 3', 'top-p = 0.8', ..."""
    if method == "none":
        return "no truncation"
    return (
        f"{method} = {int(param)}"
        if method == "top-k"
        else f"{method} = {float(param):.3g}"
    )


def _outlines(index, heights, half_width=0.39):
    """x and y of open rectangles (sides and top) over the given bars, NaN-separated."""
    x = np.repeat(index.astype(float), 5) + np.tile(
        [-half_width, -half_width, half_width, half_width, np.nan], index.size
    )
    h = heights[index]
    y = np.column_stack(
        [np.zeros_like(h), h, h, np.zeros_like(h), np.full_like(h, np.nan)]
    ).ravel()
    return x, y


class TruncationExplorer(LiveFigure):
    """Bars of the final distribution (temperature + truncation) over the tempered one,
    updated in place."""

    def __init__(
        self,
        logits,
        labels=None,
        T=1.0,
        method="top-p",
        param=None,
        order="transformers",
    ):
        self.logits = np.asarray(logits, dtype=float)
        if self.logits.ndim != 1:
            raise ValueError("TruncationExplorer: logits must be one-dimensional")
        n = self.logits.size
        self.labels = list(labels) if labels is not None else [str(i) for i in range(n)]
        if len(self.labels) != n:
            raise ValueError(
                f"TruncationExplorer: {len(self.labels)} labels for {n} logits"
            )
        fig, ax = new_figure(figsize=(7.4, 3.8), dpi=80)
        super().__init__(fig, alt=ALT)
        self.ax = ax
        x = np.arange(n)
        self.bars = ax.bar(
            x,
            np.zeros(n),
            width=0.56,
            color=OKABE_ITO["blue"],
            label="final distribution",
        )
        # The outlines are two polylines (kept, removed) rather than one patch per
        # token: cheaper per tick.
        (self.kept_outline,) = ax.plot(
            [],
            [],
            color=OKABE_ITO["black"],
            lw=1.2,
            ls="--",
            label="softmax(u / T) before truncation",
        )
        (self.removed_outline,) = ax.plot(
            [],
            [],
            color=OKABE_ITO["vermillion"],
            lw=1.4,
            ls="--",
            label="removed token (before truncation)",
        )
        (self.crosses,) = ax.plot(
            [],
            [],
            "x",
            color=OKABE_ITO["vermillion"],
            ms=9,
            mew=2.2,
            clip_on=False,
            label="removed: probability 0",
        )
        ax.set_xticks(
            x,
            self.labels,
            rotation=35 if n > 6 else 0,
            ha="right" if n > 6 else "center",
        )
        ax.set_xlim(-0.6, n - 0.4)
        ax.set_ylim(0, 1.02)
        ax.set_xlabel("token")
        ax.set_ylabel("probability")
        ax.legend(
            handles=[self.bars, self.kept_outline, self.removed_outline, self.crosses],
            loc="upper right",
            fontsize=9,
            framealpha=0.95,
        )
        self.set_animated(
            [
                *self.bars,
                self.kept_outline,
                self.removed_outline,
                self.crosses,
                ax.title,
            ]
        )
        self.T = float(T)
        self.method = _check_method(method)
        self.params = dict(DEFAULT_PARAMS)
        if param is not None:
            self.params[method] = param
        if order not in ORDERS:
            raise ValueError(
                f"TruncationExplorer: order must be one of {ORDERS}, got {order!r}"
            )
        self.order = order
        self.update()

    @property
    def param(self):
        """The parameter of the current rule (None for no truncation)."""
        return self.params[self.method]

    def update(self, T=None, method=None, param=None, order=None) -> None:
        """Change any of T, the rule, its parameter, the order; move the artists."""
        if T is not None:
            self.T = float(T)
        if method is not None:
            self.method = _check_method(method)
        if param is not None and self.method != "none":
            self.params[self.method] = param
        if order is not None:
            if order not in ORDERS:
                raise ValueError(
                    f"TruncationExplorer: order must be one of {ORDERS}, got {order!r}"
                )
            self.order = order
        before = tempered_softmax(self.logits, self.T)
        final_logits = warp(
            self.logits,
            self.T,
            order=self.order,
            **truncation_kwargs(self.method, self.param),
        )
        self.kept = np.isfinite(final_logits)
        self.probs = np.where(self.kept, tempered_softmax(final_logits, 1.0), 0.0)
        removed = np.isfinite(self.logits) & ~self.kept
        self.before = before
        for bar, p_final in zip(self.bars, self.probs):
            bar.set_height(p_final)
        self.kept_outline.set_data(*_outlines(np.flatnonzero(self.kept), before))
        where = np.flatnonzero(removed)
        self.removed_outline.set_data(*_outlines(where, before))
        self.crosses.set_data(where, np.zeros(where.size))
        self.removed_mass = float(before[removed].sum())
        self.ax.set_title(
            f"{describe(self.method, self.param)}, {self.order} order\nT = "
            f"{self.T:.3g}:  kept {int(self.kept.sum())} of "
            f"{int(np.isfinite(self.logits).sum())}, removed mass "
            f"{self.removed_mass:.3f}",
            fontsize=11.5,
        )
        self.refresh()


def truncation_explorer(
    logits, labels=None, T=1.0, method="top-p", param=None, order="transformers"
):
    """Show a :class:`TruncationExplorer` with a log-scale T slider, a rule menu, its
    parameter and the order.

    Returns the explorer; its figure updates in place as the controls move.
    In the built book it shows the static twin (kind ``"truncation"`` of
    ``_static/tempered-widgets.js``), which re-tempers and re-truncates the
    embedded logits in the browser with the same rules.
    """
    explorer = TruncationExplorer(logits, labels, T, method, param, order)
    if in_static_book():
        spec = {
            "logits": json_logits(explorer.logits),
            "labels": explorer.labels,
            "T": explorer.T,
            "method": explorer.method,
            "params": explorer.params,
            "order": explorer.order,
        }
        show_static(
            "truncation",
            spec,
            "Bar chart of the final token probabilities after temperature and "
            "truncation, with the tempered probabilities before truncation as outlines",
            explorer,
        )
        return explorer
    import ipywidgets as w
    from IPython.display import display

    n = explorer.logits.size
    T_slider = temperature_slider(explorer.T)
    menu = w.Dropdown(options=METHODS, value=explorer.method, description="truncation")
    k_slider = w.IntSlider(
        value=int(explorer.params["top-k"]), min=1, max=n, description="k"
    )
    p_slider = w.FloatSlider(
        value=float(explorer.params["top-p"]),
        min=0.01,
        max=1.0,
        step=0.01,
        description="p",
    )
    min_p_slider = w.FloatSlider(
        value=float(explorer.params["min-p"]),
        min=0.0,
        max=1.0,
        step=0.01,
        description="min-p",
    )
    sliders = {"top-k": k_slider, "top-p": p_slider, "min-p": min_p_slider}
    order_buttons = w.ToggleButtons(
        options=ORDERS, value=explorer.order, description="order"
    )

    def show_parameter(method):
        for name, slider in sliders.items():
            slider.layout.display = None if name == method else "none"

    def on_method(change):
        show_parameter(change["new"])
        explorer.update(method=change["new"])

    show_parameter(explorer.method)
    T_slider.observe(lambda change: explorer.update(T=change["new"]), names="value")
    menu.observe(on_method, names="value")
    for name, slider in sliders.items():
        slider.observe(
            lambda change, name=name: explorer.update(method=name, param=change["new"]),
            names="value",
        )
    order_buttons.observe(
        lambda change: explorer.update(order=change["new"]), names="value"
    )
    display(
        w.VBox(
            [
                w.HBox([T_slider, menu]),
                w.HBox(list(sliders.values())),
                order_buttons,
                explorer.view(),
            ]
        )
    )
    return explorer
