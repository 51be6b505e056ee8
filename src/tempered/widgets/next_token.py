"""A language model's next-token distribution at temperature T: prompt in, top tokens as
bars.

The logits of the prompt are computed once (one forward pass); moving the
temperature slider only re-tempers them, so a tick costs a softmax over the
vocabulary and a few bar heights. The bars are the probabilities of the k most
likely tokens under the *whole* tempered distribution softmax(u / T) (the
order of the tokens does not depend on T, so the top k are the same at every
T); the title gives the entropy of the whole distribution and the mass of the
top k.

In a live kernel: a text box for the prompt, a model dropdown (``grammar``,
``austen``, ``smollm2``) and a log-scale T slider. In the built book: the
static twin of kind "bars", with the top-k logits of a fixed prompt computed at
build time; the browser re-tempers those k logits, i.e. it shows the
distribution *renormalised over the top k tokens*.
"""

from __future__ import annotations

import numpy as np

from .._validate import check_count
from ..lm.generation import next_token_logits
from ..lm.generation import token_label
from ..softmax import entropy
from ..softmax import tempered_softmax
from ..style import OKABE_ITO
from ._live import LiveFigure
from ._live import new_figure
from ._live import temperature_slider
from .static import in_static_book
from .static import json_logits
from .static import show_static

MODEL_NAMES = ("grammar", "austen", "smollm2")
STARTS_WITH_EOS = (
    "grammar",
    "austen",
)  # the bundled models see EOS before a text's first token


class NextTokenExplorer(LiveFigure):
    """Bars of the top-k next tokens of a model at temperature T, updated in place.

    ``models`` maps a name to ``(model, tokenizer)``; names missing from it are
    loaded with :func:`tempered.lm.load_model` on first use.
    """

    def __init__(
        self,
        prompt: str,
        model: str = "grammar",
        T: float = 1.0,
        k: int = 12,
        models=None,
    ):
        k = check_count(k, "NextTokenExplorer", "k")
        self.k = k
        self.models = dict(models or {})
        fig, ax = new_figure(figsize=(7.4, 3.7))
        super().__init__(
            fig,
            alt="Bar chart of a language model's most likely next tokens at "
            "temperature T",
        )
        self.ax = ax
        x = np.arange(k)
        self.bars = ax.bar(x, np.zeros(k), color=OKABE_ITO["blue"])
        ax.set_xticks(x, [""] * k, rotation=40, ha="right")
        ax.set_xlabel("next token (the k most likely)")
        ax.set_ylabel("probability")
        ax.set_ylim(0, 1.02)
        self.T = float(T)
        self.model_name = None
        self.prompt = None
        self.set_animated([*self.bars, ax.title])
        self.update(prompt=prompt, model=model, T=T)

    def _get(self, name):
        if name not in self.models:
            if name not in MODEL_NAMES:
                raise ValueError(
                    f"model must be one of {MODEL_NAMES} or given in models=, got "
                    f"{name!r}"
                )
            from ..lm import load_model

            self.models[name] = load_model(name)
        return self.models[name]

    def _set_logits(self, prompt: str, name: str) -> None:
        model, tokenizer = self._get(name)
        self.logits = next_token_logits(
            model, tokenizer, prompt, add_eos_start=name in STARTS_WITH_EOS
        )
        order = np.argsort(-self.logits, kind="stable")[: self.k]
        self.top_ids = order
        self.labels = [token_label(tokenizer, i) for i in order]
        self.ax.set_xticks(np.arange(self.k), self.labels, rotation=40, ha="right")
        self.invalidate()  # tick labels are static artists: redraw them

    def update(self, T=None, prompt=None, model=None) -> None:
        """Change any of T, the prompt and the model, and redraw; the slider calls
        ``update(T=...)``."""
        if prompt is not None or model is not None:
            prompt = self.prompt if prompt is None else prompt
            model = self.model_name if model is None else model
            if (prompt, model) != (self.prompt, self.model_name):
                self._set_logits(prompt, model)
                self.prompt, self.model_name = prompt, model
        if T is not None:
            if not float(T) > 0:
                raise ValueError(f"T must be > 0, got {T!r}")
            self.T = float(T)
        p = tempered_softmax(self.logits, self.T)
        self.probs = p
        self.top_probs = p[self.top_ids]
        for bar, height in zip(self.bars, self.top_probs):
            bar.set_height(height)
        self.entropy = float(entropy(p))
        self.ax.set_title(
            f"{self.model_name}, T = {self.T:.3g}: entropy {self.entropy:.3f} nats, "
            f"top {self.k} hold {self.top_probs.sum():.3f}",
            fontsize=11,
        )
        self.refresh()


def next_token_explorer(
    prompt: str, model: str = "grammar", T: float = 1.0, k: int = 12, models=None
):
    """Show a :class:`NextTokenExplorer` with a prompt box, a model dropdown and a
    log-scale T slider.

    In the built book it shows the static twin (kind "bars" with the top-k logits
    of ``prompt``, renormalised over those k tokens in the browser) and creates no
    ipywidgets. Returns the explorer.
    """
    explorer = NextTokenExplorer(prompt, model, T, k, models)
    if in_static_book():
        spec = {
            "logits": json_logits(explorer.logits[explorer.top_ids]),
            "labels": explorer.labels,
            "T": T,
            "xlabel": (
                f"next token after {prompt!r} ({explorer.model_name} model, top {k})"
            ),
        }
        show_static(
            "bars",
            spec,
            f"Bar chart of the {k} most likely next tokens of the "
            f"{explorer.model_name} model after the prompt {prompt!r}, renormalised "
            f"over those {k} tokens, at the temperature set by the slider",
            explorer,
        )
        return explorer
    import IPython.display
    import ipywidgets as w

    text = w.Text(
        value=prompt,
        description="prompt",
        continuous_update=False,
        layout=w.Layout(width="60%"),
    )
    names = list(dict.fromkeys([*MODEL_NAMES, *explorer.models]))
    dropdown = w.Dropdown(options=names, value=explorer.model_name, description="model")
    slider = temperature_slider(T)
    text.observe(lambda change: explorer.update(prompt=change["new"]), names="value")
    dropdown.observe(lambda change: explorer.update(model=change["new"]), names="value")
    slider.observe(lambda change: explorer.update(T=change["new"]), names="value")
    IPython.display.display(w.VBox([w.HBox([text, dropdown]), slider, explorer.view()]))
    return explorer
