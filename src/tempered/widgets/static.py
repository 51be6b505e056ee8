"""Static twins of the widgets, for the built book.

The book is executed without a live kernel behind it, so an ipywidget there
would be a frozen picture. Instead, during the book build (the build sets
``TEMPERED_STATIC_BOOK=1`` in the kernels' environment) each widget function
shows a :class:`StaticWidget`: a ``<div>`` carrying the data as JSON, which the
book's own script ``_static/tempered-widgets.js`` draws as an SVG figure with
working controls. Tempering is exact arithmetic, so the browser can redo it.
"""

from __future__ import annotations

import html
import json
import math
import os

STATIC_ENV = "TEMPERED_STATIC_BOOK"


def in_static_book() -> bool:
    """True while the book is being built (kernels started by the build)."""
    return os.environ.get(STATIC_ENV) == "1"


def json_logits(values) -> list:
    """Logits as JSON numbers, with masked (-inf) entries as null."""
    out = []
    for v in values:
        v = float(v)
        if math.isnan(v) or v == math.inf:
            raise ValueError(f"static widgets take finite logits or -inf, got {v}")
        out.append(None if v == -math.inf else v)
    return out


class StaticWidget:
    """An HTML placeholder that the book's widget script turns into a live figure.

    ``png`` is a snapshot of the same figure at its initial setting: formats
    without JavaScript (the PDF) show it instead of the HTML.
    """

    def __init__(self, kind: str, spec: dict, alt: str, png: bytes):
        self.kind = kind
        self.spec = dict(spec, alt=alt)
        self.png = png

    def _repr_html_(self) -> str:
        payload = html.escape(json.dumps(self.spec, allow_nan=False), quote=True)
        return (
            f'<div class="tempered-widget" data-kind="{self.kind}" '
            f'data-spec="{payload}">'
            f"<noscript>{html.escape(self.spec['alt'])} (needs "
            "JavaScript)</noscript></div>"
        )

    def _repr_png_(self) -> bytes:
        return self.png

    def __repr__(self) -> str:
        return f"Interactive figure: {self.spec['alt']}"


def show_static(kind: str, spec: dict, alt: str, figure) -> None:
    """Display the static twin of a widget whose figure is the LiveFigure ``figure``."""
    import IPython.display

    IPython.display.display(StaticWidget(kind, spec, alt, figure.png()))
