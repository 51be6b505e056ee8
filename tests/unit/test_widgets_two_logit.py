"""The two-logit widget moves the same artists and shows p1 = sigmoid(d / T)."""

import math

import numpy as np
import pytest

from tempered import tempered_softmax
from tempered.widgets.two_logit import TwoLogitExplorer
from tempered.widgets.two_logit import sigmoid


def logistic(x):
    """Reference logistic function, written independently of the widget (both branches
    overflow-free)."""
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    return math.exp(x) / (1.0 + math.exp(x))


def test_sigmoid_matches_the_logistic_function_and_does_not_overflow():
    for x in [-30.0, -2.5, 0.0, 0.7, 12.0]:
        assert sigmoid(x) == pytest.approx(logistic(x), rel=1e-12, abs=1e-300)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        assert sigmoid(1e5) == 1.0 and sigmoid(-1e5) == 0.0


def test_update_moves_the_same_artists_to_the_right_values():
    explorer = TwoLogitExplorer(d=1.0, T=1.0)
    artists = [explorer.curve, explorer.marker, *explorer.bars, *explorer.bar_labels]
    image = explorer.image_widget()
    first = bytes(image.value)
    for d, T in [(2.0, 0.5), (-3.0, 4.0), (0.0, 0.01), (6.0, 100.0)]:
        explorer.update(d=d, T=T)
        assert [
            explorer.curve,
            explorer.marker,
            *explorer.bars,
            *explorer.bar_labels,
        ] == artists
        p1 = logistic(d / T)
        heights = [bar.get_height() for bar in explorer.bars]
        np.testing.assert_allclose(
            heights, [p1, logistic(-d / T)], rtol=1e-12, atol=1e-300
        )
        assert sum(heights) == pytest.approx(1.0, abs=1e-15)
        # the bars agree with the tempered softmax of the two logits (d, 0)
        np.testing.assert_allclose(
            heights, tempered_softmax([d, 0.0], T), rtol=1e-12, atol=1e-15
        )
        np.testing.assert_allclose(explorer.marker.get_data(), [[d], [p1]])
        np.testing.assert_allclose(
            explorer.curve.get_ydata(),
            [logistic(x / T) for x in explorer.d_grid],
            rtol=1e-12,
            atol=1e-15,
        )
        assert explorer.bar_labels[0].get_text() == f"{p1:.3f}"
        assert explorer.bar_labels[1].get_text() == f"{logistic(-d / T):.3f}"
    assert bytes(image.value) != first and bytes(image.value).startswith(b"\x89PNG")


def test_one_slider_at_a_time_keeps_the_other_value():
    explorer = TwoLogitExplorer(d=2.0, T=1.0)
    explorer.update(T=0.5)
    assert explorer.d == 2.0
    explorer.update(d=-1.0)
    assert explorer.T == 0.5
    np.testing.assert_allclose(
        explorer.probabilities(), [logistic(-2.0), 1 - logistic(-2.0)]
    )


def test_bad_temperature_is_rejected():
    explorer = TwoLogitExplorer()
    with pytest.raises(ValueError, match="T must be > 0"):
        explorer.update(T=0.0)
    with pytest.raises(ValueError, match="d_max"):
        TwoLogitExplorer(d_max=0)


def test_the_built_book_gets_the_static_twin(monkeypatch):
    from tempered.widgets import two_logit
    from tempered.widgets.static import STATIC_ENV

    shown = []
    monkeypatch.setenv(STATIC_ENV, "1")
    monkeypatch.setattr("IPython.display.display", lambda obj: shown.append(obj))
    explorer = two_logit.two_logit_explorer(d=1.5, T=0.5, d_max=6.0)
    assert isinstance(explorer, TwoLogitExplorer) and len(shown) == 1
    html = shown[0]._repr_html_()
    assert (
        'data-kind="two-logit"' in html
        and "&quot;d&quot;: 1.5" in html
        and "&quot;xmin&quot;: -6.0" in html
    )
    assert (
        shown[0]._repr_png_().startswith(b"\x89PNG")
    )  # the snapshot for formats without JavaScript
