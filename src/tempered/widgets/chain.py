"""A sampler chain, step by step: add, remove and reorder steps, and see the
distribution after each one.

The figure has one small bar chart per stage: the model's distribution
``softmax(u)`` first, then the distribution after each step of the chain, in
order (:func:`tempered.samplers.apply_chain`). Moving temperature before or
after min-p, or putting dynamic temperature after a top-k, shows at once why
the order of a chain matters (chapters 7 and 8).
"""

from __future__ import annotations

import numpy as np

from ..samplers import apply_chain
from ..style import OKABE_ITO
from ._live import LiveFigure
from ._live import new_figure
from .static import in_static_book
from .static import json_logits
from .static import show_static

#: The steps the widget offers (the browser twin implements the same ones), with
#: the parameter each starts with.
CHAIN_STEPS = {
    "temperature": 1.5,
    "top-k": 3,
    "top-p": 0.9,
    "min-p": 0.1,
    "top-n-sigma": 1.0,
    "epsilon": 0.05,
    "eta": 0.05,
    "dynatemp": 0.5,
    "xtc": 0.1,
}
#: The most steps a chain may have (one panel each, plus the model's distribution).
MAX_STEPS = 4

ALT = (
    "Small bar charts side by side: the model's token distribution, then the "
    "distribution after each step of the sampler chain, in order"
)


def check_chain(steps) -> list:
    """The chain as a list of (name, float parameter); bad steps raise naming them."""
    steps = list(steps)
    if len(steps) > MAX_STEPS:
        raise ValueError(f"ChainExplorer: at most {MAX_STEPS} steps, got {len(steps)}")
    out = []
    for i, step in enumerate(steps):
        if not (isinstance(step, (tuple, list)) and len(step) == 2):
            raise TypeError(
                f"ChainExplorer: steps[{i}] must be a (name, parameter) pair"
            )
        name, x = step
        if name not in CHAIN_STEPS:
            raise ValueError(
                f"ChainExplorer: steps[{i}] names an unknown step {name!r}; "
                f"known: {list(CHAIN_STEPS)}"
            )
        out.append((name, float(x)))
    return out


class ChainExplorer(LiveFigure):
    """Small multiples of the distribution after each step, updated in place."""

    def __init__(self, logits, labels=None, steps=(("temperature", 1.5),)):
        self.logits = np.asarray(logits, dtype=float)
        if self.logits.ndim != 1:
            raise ValueError("ChainExplorer: logits must be one-dimensional")
        n = self.logits.size
        self.labels = list(labels) if labels is not None else [str(i) for i in range(n)]
        if len(self.labels) != n:
            raise ValueError(f"ChainExplorer: {len(self.labels)} labels for {n} logits")
        fig, axes = new_figure(
            figsize=(10.5, 3.2), dpi=80, ncols=MAX_STEPS + 1, sharey=True
        )
        super().__init__(fig, alt=ALT)
        self.axes = axes
        x = np.arange(n)
        self.bars = []
        for ax in axes:
            self.bars.append(ax.bar(x, np.zeros(n), width=0.7, color=OKABE_ITO["blue"]))
            ax.set_xticks(x, self.labels, rotation=60, ha="right", fontsize=8)
            ax.set_ylim(0, 1.02)
            ax.title.set_fontsize(10)
        axes[0].set_ylabel("probability")
        self.set_animated(
            [bar for group in self.bars for bar in group] + [ax.title for ax in axes]
        )
        self.steps = check_chain(steps)
        self.update()

    def update(self, steps=None) -> None:
        """Set a new chain (list of (name, parameter)); redraw the bars."""
        if steps is not None:
            self.steps = check_chain(steps)
        self.dists = apply_chain(self.logits, self.steps)
        for s, ax in enumerate(self.axes):
            shown = s < len(self.dists)
            p = self.dists[s] if shown else np.zeros_like(self.logits)
            for bar, value in zip(self.bars[s], p):
                bar.set_height(value)
            if s == 0:
                ax.set_title("model: softmax(u)")
            elif shown:
                name, x = self.steps[s - 1]
                kept = int((p > 0).sum())
                ax.set_title(f"{s}. {name} {x:g}\n{kept} kept")
            else:
                ax.set_title("(no step)")
        self.refresh()


def chain_explorer(logits, labels=None, steps=(("temperature", 1.5), ("min-p", 0.1))):
    """Show a :class:`ChainExplorer` with controls to add, remove and reorder steps.

    In the built book it shows the static twin (kind ``"chain"`` of
    ``_static/tempered-widgets-chain.js``), which applies the same steps to the
    embedded logits in the browser.
    """
    explorer = ChainExplorer(logits, labels, steps)
    if in_static_book():
        spec = {
            "logits": json_logits(explorer.logits),
            "labels": explorer.labels,
            "steps": [[name, x] for name, x in explorer.steps],
            "defaults": CHAIN_STEPS,
            "maxSteps": MAX_STEPS,
        }
        show_static("chain", spec, ALT, explorer)
        return explorer
    import ipywidgets as w
    from IPython.display import display

    menu = w.Dropdown(options=list(CHAIN_STEPS), description="step")
    param = w.FloatText(value=CHAIN_STEPS[menu.value], description="parameter")
    listing = w.Select(options=[], rows=MAX_STEPS, description="chain")
    buttons = {
        name: w.Button(description=name) for name in ("add", "remove", "up", "down")
    }

    def show():
        listing.options = [
            f"{i + 1}. {n} {x:g}" for i, (n, x) in enumerate(explorer.steps)
        ]

    def act(name):
        steps = list(explorer.steps)
        i = listing.index
        if name == "add" and len(steps) < MAX_STEPS:
            steps.append((menu.value, param.value))
        elif i is not None and name == "remove":
            steps.pop(i)
        elif i is not None and name == "up" and i > 0:
            steps[i - 1], steps[i] = steps[i], steps[i - 1]
        elif i is not None and name == "down" and i < len(steps) - 1:
            steps[i + 1], steps[i] = steps[i], steps[i + 1]
        try:
            explorer.update(steps)
        except (TypeError, ValueError) as err:
            listing.description = str(err)[:40]
        show()

    menu.observe(
        lambda change: setattr(param, "value", CHAIN_STEPS[change["new"]]),
        names="value",
    )
    for name, button in buttons.items():
        button.on_click(lambda _, name=name: act(name))
    show()
    display(
        w.VBox(
            [
                w.HBox([menu, param, buttons["add"]]),
                w.HBox(
                    [
                        listing,
                        w.VBox([buttons["up"], buttons["down"], buttons["remove"]]),
                    ]
                ),
                explorer.view(),
            ]
        )
    )
    return explorer
