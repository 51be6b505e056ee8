"""Speculative sampling's acceptance at temperature T: a draft's and a target's
next-token distributions and their overlap.

The bars are the target's tempered probabilities ``p``, the draft's ``q`` and
their overlap ``min(p_i, q_i)``, over the target's k most likely tokens after a
prompt, renormalised over those k; the title gives the total overlap, which is
the probability that speculative sampling accepts a draft token,
``1 - TV(p, q)`` (chapter 9). The logits are computed once; a tick re-tempers
them. In the built book the static twin has kind "speculative-overlap", drawn by
``_static/tempered-widgets-practice.js``.
"""

from __future__ import annotations

import numpy as np

from .._validate import check_count
from .._validate import check_positive_temperature
from ..softmax import tempered_softmax
from ..style import OKABE_ITO
from ._live import LiveFigure
from ._live import new_figure
from ._live import temperature_slider
from .static import in_static_book
from .static import json_logits
from .static import show_static

ALT = (
    "Bar chart of a target model's and a draft model's next-token probabilities at "
    "temperature T, with their overlap, whose total is the acceptance probability"
)


class SpeculativeExplorer(LiveFigure):
    """Bars of ``p`` (target), ``q`` (draft) and ``min(p, q)`` at T, updated in
    place."""

    def __init__(self, target_logits, draft_logits, labels, T: float = 1.0):
        self.target = np.asarray(target_logits, dtype=float)
        self.draft = np.asarray(draft_logits, dtype=float)
        if self.target.ndim != 1 or self.target.shape != self.draft.shape:
            raise ValueError(
                "SpeculativeExplorer: target_logits and draft_logits must be 1-D "
                "arrays of one length"
            )
        self.labels = list(labels)
        if len(self.labels) != self.target.size:
            raise ValueError(
                f"SpeculativeExplorer: labels must have {self.target.size} entries, "
                f"got {len(self.labels)}"
            )
        n = self.target.size
        fig, ax = new_figure(figsize=(7.4, 3.7))
        super().__init__(fig, alt=ALT)
        self.ax = ax
        x = np.arange(n)
        self.p_bars = ax.bar(
            x - 0.2, np.zeros(n), 0.36, color=OKABE_ITO["blue"], label="target p"
        )
        self.q_bars = ax.bar(
            x + 0.2, np.zeros(n), 0.36, color=OKABE_ITO["orange"], label="draft q"
        )
        self.m_bars = ax.bar(
            x,
            np.zeros(n),
            0.4,
            color=OKABE_ITO["vermillion"],
            label="overlap min(p, q)",
        )
        ax.set_xticks(x, self.labels, rotation=40, ha="right")
        ax.set_xlabel("next token")
        ax.set_ylabel("probability")
        ax.set_ylim(0, 1.02)
        ax.legend(loc="upper right", fontsize=9)
        self.set_animated([*self.p_bars, *self.q_bars, *self.m_bars, ax.title])
        self.update(T)

    def update(self, T: float) -> None:
        """Re-temper both distributions at ``T`` and redraw; the slider's callback."""
        self.T = check_positive_temperature(T, "SpeculativeExplorer.update")
        p = tempered_softmax(self.target, self.T)
        q = tempered_softmax(self.draft, self.T)
        overlap = np.minimum(p, q)
        self.alpha = float(overlap.sum())
        for bars, heights in (
            (self.p_bars, p),
            (self.q_bars, q),
            (self.m_bars, overlap),
        ):
            for bar, h in zip(bars, heights):
                bar.set_height(h)
        self.ax.set_title(
            f"T = {self.T:.3g}: acceptance sum min(p, q) = {self.alpha:.3f}",
            fontsize=11,
        )
        self.refresh()


def speculative_explorer(prompt: str, k: int = 12, T: float = 1.0, models=None):
    """Show a :class:`SpeculativeExplorer` for the Austen model and its draft.

    ``models`` may give ``(target, draft, tokenizer)``; otherwise
    ``load_model("austen")`` and ``load_model("austen-draft")`` are used. The k
    tokens are the target's most likely after ``prompt``. In the built book it
    shows the static twin; in a live kernel, a log-scale T slider.
    """
    from ..lm.generation import next_token_logits
    from ..lm.generation import token_label

    k = check_count(k, "speculative_explorer", "k")
    if models is None:
        from ..lm import load_model

        target, tokenizer = load_model("austen")
        draft, _ = load_model("austen-draft")
    else:
        target, draft, tokenizer = models
    u_target = next_token_logits(target, tokenizer, prompt, add_eos_start=True)
    u_draft = next_token_logits(draft, tokenizer, prompt, add_eos_start=True)
    top = np.argsort(-u_target, kind="stable")[:k]
    labels = [token_label(tokenizer, i) for i in top]
    explorer = SpeculativeExplorer(u_target[top], u_draft[top], labels, T)
    if in_static_book():
        spec = {
            "target": json_logits(u_target[top]),
            "draft": json_logits(u_draft[top]),
            "labels": labels,
            "T": T,
            "xlabel": f"next token after {prompt!r} (the target's top {k})",
        }
        show_static(
            "speculative-overlap",
            spec,
            f"Bar chart of the Austen model's and its draft's probabilities of the "
            f"{k} likeliest next tokens after {prompt!r}, renormalised over them, "
            "with their overlap, at the temperature set by the slider",
            explorer,
        )
        return explorer
    import IPython.display
    import ipywidgets as w

    slider = temperature_slider(T, t_min=0.05, t_max=20.0)
    slider.observe(lambda change: explorer.update(change["new"]), names="value")
    IPython.display.display(w.VBox([slider, explorer.view()]))
    return explorer
