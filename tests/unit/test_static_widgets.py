"""Static twins: in the book build, widget functions show HTML with the data the browser
re-tempers."""

import html
import json
import re

import numpy as np
import pytest

from tempered.widgets import static
from tempered.widgets import temperature_explorer


def spec_of(widget) -> dict:
    match = re.search(r'data-spec="([^"]*)"', widget._repr_html_())
    return json.loads(html.unescape(match[1]))


def test_book_build_shows_the_static_twin(monkeypatch, shown):
    monkeypatch.setenv(static.STATIC_ENV, "1")
    explorer = temperature_explorer([2.0, -np.inf, 0.5], labels=["a", "b", "c"], T=0.5)
    (widget,) = shown
    assert isinstance(widget, static.StaticWidget)
    assert 'data-kind="bars"' in widget._repr_html_()
    assert spec_of(widget) == {
        "logits": [2.0, None, 0.5],
        "labels": ["a", "b", "c"],
        "T": 0.5,
        "alt": widget.spec["alt"],
    }
    assert widget._repr_png_().startswith(b"\x89PNG")
    assert "Interactive figure" in repr(widget)
    assert explorer.T == 0.5


def test_live_kernel_shows_ipywidgets(monkeypatch, shown):
    monkeypatch.delenv(static.STATIC_ENV, raising=False)
    temperature_explorer([1.0, 0.0])
    assert type(shown[0]).__module__.startswith("ipywidgets")


def test_static_logits_reject_nan_and_plus_inf():
    assert static.json_logits([1, -np.inf]) == [1.0, None]
    for bad in (np.nan, np.inf):
        with pytest.raises(ValueError, match="finite logits or -inf"):
            static.json_logits([0.0, bad])
